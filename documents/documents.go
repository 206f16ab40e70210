// Package documents renders receipts and year-end statements as PDF. A
// receipt renders from its frozen snapshot, never from live settings or
// donor data, so one issued years ago renders the same text today; a
// statement lists a year's frozen receipts under the organisation as the
// newest of them froze it, addressed to the donor as they are now.
//
// A receipt speaks the language it froze (English for one issued before
// languages; both of a bilingual Canadian receipt's), a statement the
// donor's: words from package locale's doc.* messages, money and dates
// as the language writes them.
//
// Text is shaped (package typeset), so names print in their own script:
// it embeds DejaVu Sans for Latin, Greek and Cyrillic; Noto Sans for
// Arabic, Hebrew, Devanagari, Bengali and Thai; Droid Sans Fallback for
// Chinese and Japanese; NanumGothic for Korean; all under free licences
// (fonts/LICENSE-*). It does no I/O but writing.
package documents

import (
	_ "embed"
	"strings"
	"sync"
	"time"

	"github.com/go-text/typesetting/language"

	"github.com/indienews/donations/documents/typeset"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVu []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuBold []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidFallback []byte
	//go:embed fonts/NanumGothic.ttf
	nanumGothic []byte
	//go:embed fonts/NotoSansArabic-Regular.ttf
	notoArabic []byte
	//go:embed fonts/NotoSansHebrew-Regular.ttf
	notoHebrew []byte
	//go:embed fonts/NotoSansDevanagari-Regular.ttf
	notoDevanagari []byte
	//go:embed fonts/NotoSansBengali-Regular.ttf
	notoBengali []byte
	//go:embed fonts/NotoSansThai-Regular.ttf
	notoThai []byte
)

// fontSet is every font documents draw with, in the order letters look
// for one: the script's own, DejaVu, then the fallbacks.
func fontSet() (*typeset.Fonts, error) {
	return typeset.NewFonts(
		typeset.FontFile{Name: "DejaVuSans", Data: dejaVu},
		typeset.FontFile{Name: "DejaVuSans-Bold", Data: dejaVuBold},
		typeset.FontFile{Name: "NotoSansArabic", Data: notoArabic, Scripts: []language.Script{language.Arabic}},
		typeset.FontFile{Name: "NotoSansHebrew", Data: notoHebrew, Scripts: []language.Script{language.Hebrew}},
		typeset.FontFile{Name: "NotoSansDevanagari", Data: notoDevanagari, Scripts: []language.Script{language.Devanagari}},
		typeset.FontFile{Name: "NotoSansBengali", Data: notoBengali, Scripts: []language.Script{language.Bengali}},
		typeset.FontFile{Name: "NotoSansThai", Data: notoThai, Scripts: []language.Script{language.Thai}},
		typeset.FontFile{Name: "DroidSansFallback", Data: droidFallback,
			Scripts: []language.Script{language.Han, language.Hiragana, language.Katakana}},
		typeset.FontFile{Name: "NanumGothic", Data: nanumGothic, Scripts: []language.Script{language.Hangul}},
	)
}

// Renderer writes PDFs; VerifyBase is the public address receipts point
// auditors to (BASE_URL + /receipts/verify/). Dates print in each
// receipt's frozen time zone, or in Location (TIMEZONE) for receipts from
// before zones were kept.
type Renderer struct {
	VerifyBase string
	Location   *time.Location
	// Paper ("letter" or "a4") and DateStyle ("month-day" or "day-month")
	// override what each document's rule set chooses ("": the rule set's:
	// US Letter and "December 4, 2026" for us, A4 and "4 December 2026"
	// for ca and uk).
	Paper, DateStyle string
	// Catalog holds the words documents print in each language (a
	// receipt in the one it froze, a statement in the donor's); nil:
	// English only, as before languages.
	Catalog *locale.Catalog
	zones   sync.Map // time zone name -> *time.Location, loaded once

	fontsOnce sync.Once
	fonts     *typeset.Fonts
	fontsErr  error
}

// loadFonts prepares the fonts on the first document, not at start.
func (r *Renderer) loadFonts() (*typeset.Fonts, error) {
	r.fontsOnce.Do(func() { r.fonts, r.fontsErr = fontSet() })
	return r.fonts, r.fontsErr
}

// LocationOf is the time zone rec's dates print in.
func (r *Renderer) LocationOf(rec *models.Receipt) *time.Location {
	if rec.TimeZone == "" {
		return r.Location
	}
	if loc, ok := r.zones.Load(rec.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc := rec.Location(r.Location)
	r.zones.Store(rec.TimeZone, loc)
	return loc
}

// VerifyURL is the verification address printed on rec: the one frozen at
// issue, or today's for a receipt issued before addresses were kept.
func (r *Renderer) VerifyURL(rec *models.Receipt) string {
	if rec.VerifyURL != "" {
		return rec.VerifyURL
	}
	return r.VerifyBase + rec.VerificationCode
}

// New returns a renderer whose receipts link to baseURL's verify page and
// whose dates print in loc (nil: UTC) when a receipt froze none.
func New(baseURL string, loc *time.Location) *Renderer {
	if loc == nil {
		loc = time.UTC
	}
	return &Renderer{VerifyBase: strings.TrimRight(baseURL, "/") + "/receipts/verify/", Location: loc}
}
