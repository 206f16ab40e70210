package config

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/indienews/donations/money"
)

// Brand is how the donate pages look as the newsroom's own: its logo,
// colour and site, and its appeal.
type Brand struct {
	LogoURL  string // an absolute http(s) URL; or "" when the logo is LogoData
	LogoData []byte // a logo file under DATA_DIR, which the server serves
	LogoType string // its content type
	Accent   string // #rrggbb, dark enough for white text on it
	Website  string // the news site, linked from the header
	// Appeal is Markdown: what the money does, above the form. It is
	// rendered with raw HTML dropped.
	Appeal string
	// ThankYou is Markdown the thank-you page shows under its heading
	// (THANK_YOU_TEXT), "" for none.
	ThankYou string
	// Translations are the appeal and thank-you text in the other
	// languages (APPEAL_TEXT_FR, THANK_YOU_TEXT_ES...), by language; a
	// language without its own version reads the default one.
	Translations map[string]Texts
	// Impact is a line per preset amount: "pays for a public-records request".
	Impact map[int64]string
}

// Texts are the staff-written words of one language.
type Texts struct{ Appeal, ThankYou string }

// AppealIn is the appeal in lang, or the default one.
func (b Brand) AppealIn(lang string) string {
	if t := b.Translations[lang].Appeal; t != "" {
		return t
	}
	return b.Appeal
}

// ThankYouIn is the thank-you text in lang, or the default one.
func (b Brand) ThankYouIn(lang string) string {
	if t := b.Translations[lang].ThankYou; t != "" {
		return t
	}
	return b.ThankYou
}

// defaultAccent is the accent colour until ORG_ACCENT_COLOR is set.
const defaultAccent = "#0b5cad"

var hexColour = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

const maxLogoBytes = 256 << 10

// brand reads the ORG_LOGO_URL, ORG_ACCENT_COLOR, ORG_WEBSITE_URL,
// APPEAL_TEXT and PRESET_IMPACT settings.
func (l *loader) brand(dataDir, currency string, presets []int64) Brand {
	b := Brand{Accent: strings.ToLower(l.str("ORG_ACCENT_COLOR", defaultAccent)), Website: l.pageURL("ORG_WEBSITE_URL"),
		Impact: map[int64]string{}}
	if !hexColour.MatchString(b.Accent) {
		l.fail("ORG_ACCENT_COLOR", "must be a colour such as #0b5cad, got %q", b.Accent)
	} else if r := contrastWithWhite(b.Accent); r < 4.5 {
		l.fail("ORG_ACCENT_COLOR", "%s is too light: white text on it has a contrast of %.1f:1, and buttons need 4.5:1 (WCAG AA); use a darker shade", b.Accent, r)
	}
	if logo := l.str("ORG_LOGO_URL", ""); logo != "" {
		switch {
		case strings.HasPrefix(logo, "https://") || strings.HasPrefix(logo, "http://"):
			b.LogoURL = l.pageURL("ORG_LOGO_URL")
		default:
			b.LogoData, b.LogoType = l.logoFile(dataDir, logo)
		}
	}
	// A .env value holds one line: "\n" in it starts a new one.
	b.Appeal, b.ThankYou = l.text("APPEAL_TEXT"), l.text("THANK_YOU_TEXT")
	// Each language's own version, where staff wrote one: the default text
	// is in DEFAULT_LANGUAGE, whichever that is.
	b.Translations = map[string]Texts{}
	for lang, t := range map[string]Texts{
		"en": {Appeal: l.text("APPEAL_TEXT_EN"), ThankYou: l.text("THANK_YOU_TEXT_EN")},
		"fr": {Appeal: l.text("APPEAL_TEXT_FR"), ThankYou: l.text("THANK_YOU_TEXT_FR")},
		"es": {Appeal: l.text("APPEAL_TEXT_ES"), ThankYou: l.text("THANK_YOU_TEXT_ES")},
	} {
		if t != (Texts{}) {
			b.Translations[lang] = t
		}
	}
	for _, item := range strings.Split(l.str("PRESET_IMPACT", ""), ";") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		amount, line, ok := strings.Cut(item, "=")
		v, err := money.ParseMajor(strings.TrimSpace(amount), currency)
		if !ok || err != nil || strings.TrimSpace(line) == "" {
			l.fail("PRESET_IMPACT", "must read like 50=pays for a public-records request;100=funds a day of reporting, got %q", item)
			continue
		}
		found := false
		for _, p := range presets {
			found = found || p == v
		}
		if !found {
			l.fail("PRESET_IMPACT", "%s is not one of PRESET_AMOUNTS", strings.TrimSpace(amount))
			continue
		}
		b.Impact[v] = strings.TrimSpace(line)
	}
	return b
}

// text reads a Markdown setting: a .env value holds one line, so "\n" in
// it starts a new one.
func (l *loader) text(name string) string {
	return strings.ReplaceAll(l.str(name, ""), `\n`, "\n")
}

// logoFile reads a logo named relative to DATA_DIR.
func (l *loader) logoFile(dataDir, name string) ([]byte, string) {
	types := map[string]string{".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".webp": "image/webp"}
	typ, ok := types[strings.ToLower(filepath.Ext(name))]
	if !ok {
		l.fail("ORG_LOGO_URL", "must be an https URL or a .png, .svg, .jpg or .webp file under DATA_DIR, got %q", name)
		return nil, ""
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dataDir, name)
	}
	data, err := os.ReadFile(path)
	switch {
	case err != nil:
		l.fail("ORG_LOGO_URL", "cannot read the logo file %s: %v", name, err)
		return nil, ""
	case len(data) > maxLogoBytes:
		l.fail("ORG_LOGO_URL", "the logo file %s is %d KB; keep it under %d KB, the page must stay light", name, len(data)>>10, maxLogoBytes>>10)
		return nil, ""
	}
	return data, typ
}

// contrastWithWhite is WCAG's contrast ratio of white on colour.
func contrastWithWhite(colour string) float64 {
	lum := 0.0
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		v, _ := strconv.ParseUint(colour[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		lum += w * c
	}
	return 1.05 / (lum + 0.05)
}
