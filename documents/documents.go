// Package documents renders receipts and year-end statements as PDF. A
// receipt renders from its frozen snapshot, never from live settings or
// donor data, so one issued years ago renders the same text today; a
// statement lists a year's frozen receipts under the organisation as the
// newest of them froze it, addressed to the donor as they are now. It embeds
// its fonts (DejaVu Sans for Latin, Greek and Cyrillic; Droid Sans Fallback
// for Chinese, Japanese and Korean), both under free licences, so names
// such as "Zoë Łukasz 王芳" print correctly. It does no I/O but writing.
package documents

import (
	_ "embed"
	"strings"
	"sync"
	"time"

	"github.com/indienews/donations/models"
)

var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVu []byte
	//go:embed fonts/DejaVuSans-Bold.ttf
	dejaVuBold []byte
	//go:embed fonts/DroidSansFallbackFull.ttf
	droidFallback []byte
)

// Renderer writes PDFs; VerifyBase is the public address receipts point
// auditors to (BASE_URL + /receipts/verify/). Dates print in each
// receipt's frozen time zone, or in Location (TIMEZONE) for receipts from
// before zones were kept.
type Renderer struct {
	VerifyBase string
	Location   *time.Location
	zones      sync.Map // time zone name -> *time.Location, loaded once
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
