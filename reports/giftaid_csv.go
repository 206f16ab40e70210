package reports

import (
	"encoding/csv"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// GiftAidColumns are the columns of HMRC's Charities Online Gift Aid
// schedule spreadsheet, in its order, so the rows paste into it as they are.
var GiftAidColumns = []string{
	"Title", "First name or initial", "Last name", "House name or number", "Postcode",
	"Aggregated donations", "Sponsored event", "Donation date", "Amount",
}

// GiftAidScheduleRows is the most rows one schedule sheet takes; a longer
// claim goes in several.
const GiftAidScheduleRows = 1000

// WriteGiftAidSchedule writes a claim's donations as the schedule's rows:
// names as HMRC takes them (a double-barrelled surname with a space for its
// hyphen, each at most 35 characters, a title at most 4), the postcode in
// capitals with its space (X for a donor outside the UK), the date as
// DD/MM/YY in loc, the amount with two decimals and no sign. Boxes that do
// not apply (aggregated donations, sponsored event) are left empty, never
// 0.00 or n/a. Adjustments (refunds of gifts claimed before) are not rows:
// the claim reports them apart.
func WriteGiftAidSchedule(w io.Writer, lines []models.GiftAidLine, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(GiftAidColumns); err != nil {
		return err
	}
	for _, l := range lines {
		if l.Claim.Kind != models.GiftAidDonation {
			continue
		}
		d := l.Declaration
		row := []string{
			Text(clip(d.Title, 4)), Text(clip(d.FirstName, 35)), Text(clip(strings.ReplaceAll(d.LastName, "-", " "), 35)),
			Text(clip(d.House, 40)), Text(d.Postcode), "", "",
			l.Claim.DonationDate.In(loc).Format("02/01/06"), money.FormatMajor(l.Claim.Amount, "gbp"),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
