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
	"embed"
	"strings"
	"sync"
	"time"

	"github.com/go-text/typesetting/language"
	"github.com/klauspost/compress/zstd"

	"github.com/indienews/donations/documents/typeset"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// fontFiles are the fonts, each compressed with zstd -19 (4.8 MB in the
// binary instead of 11 MB; see docs/performance.md).
//
//go:embed fonts/*.ttf.zst
var fontFiles embed.FS

// fontSet is every font documents draw with, in the order letters look
// for one: the script's own, DejaVu, then the fallbacks. Each is unpacked
// when a document first needs it.
func fontSet() (*typeset.Fonts, error) {
	// One decoder for every font: DecodeAll is safe from many goroutines,
	// and with a concurrency of 1 it starts no goroutine of its own.
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
	if err != nil {
		return nil, err
	}
	packed := func(name, file string, scripts ...language.Script) typeset.FontFile {
		return typeset.FontFile{Name: name, Scripts: scripts, Open: func() ([]byte, error) { return unpackFont(dec, file) }}
	}
	return typeset.NewFonts(
		packed("DejaVuSans", "DejaVuSans"),
		packed("DejaVuSans-Bold", "DejaVuSans-Bold"),
		packed("NotoSansArabic", "NotoSansArabic-Regular", language.Arabic),
		packed("NotoSansHebrew", "NotoSansHebrew-Regular", language.Hebrew),
		packed("NotoSansDevanagari", "NotoSansDevanagari-Regular", language.Devanagari),
		packed("NotoSansBengali", "NotoSansBengali-Regular", language.Bengali),
		packed("NotoSansThai", "NotoSansThai-Regular", language.Thai),
		packed("DroidSansFallback", "DroidSansFallbackFull", language.Han, language.Hiragana, language.Katakana),
		packed("NanumGothic", "NanumGothic", language.Hangul),
	)
}

// unpackFont is fonts/FILE.ttf.zst, unpacked.
func unpackFont(dec *zstd.Decoder, file string) ([]byte, error) {
	b, err := fontFiles.ReadFile("fonts/" + file + ".ttf.zst")
	if err != nil {
		return nil, err
	}
	return dec.DecodeAll(b, nil)
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
