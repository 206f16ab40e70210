package reports

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
)

// TestGiftAidScheduleAsHMRCTakesIt: the rows paste into HMRC's schedule:
// its nine columns in order, a double-barrelled surname with a space, the
// postcode in capitals, DD/MM/YY, the amount without a sign, the boxes that
// do not apply left empty, adjustments left out, formulas neutralised.
func TestGiftAidScheduleAsHMRCTakesIt(t *testing.T) {
	london, _ := time.LoadLocation("Europe/London")
	decl := models.GiftAidDeclaration{Title: "Ms", FirstName: "Jo", LastName: "Smith-Jones", House: "12A", Postcode: "S19 2BD"}
	evil := models.GiftAidDeclaration{FirstName: "=cmd|' /C calc'!A0", LastName: strings.Repeat("Long", 12), House: "Rose Cottage", Postcode: "X"}
	lines := []models.GiftAidLine{
		{Claim: models.GiftAidClaim{Kind: models.GiftAidDonation, Amount: 20000, DonationDate: time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC)}, Declaration: decl},
		{Claim: models.GiftAidClaim{Kind: models.GiftAidDonation, Amount: 505, DonationDate: time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)}, Declaration: evil},
		{Claim: models.GiftAidClaim{Kind: models.GiftAidAdjustment, Amount: -2000, DonationDate: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}, Declaration: decl},
	}
	var buf bytes.Buffer
	if err := WriteGiftAidSchedule(&buf, lines, london); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		GiftAidColumns,
		// 23:30 UTC on March 31 is April 1 in London (summer time).
		{"Ms", "Jo", "Smith Jones", "12A", "S19 2BD", "", "", "01/04/26", "200.00"},
		{"", "'=cmd|' /C calc'!A0", strings.Repeat("Long", 12)[:35], "Rose Cottage", "X", "", "", "01/12/26", "5.05"},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %q", len(rows), len(want), rows)
	}
	for i := range want {
		if strings.Join(rows[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want[i])
		}
	}
}
