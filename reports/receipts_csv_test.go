package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/indienews/donations/models"
)

func TestTextNeutralisesFormulas(t *testing.T) {
	cases := map[string]string{
		"Ann Donor":               "Ann Donor",
		"=HYPERLINK(\"x\",\"y\")": "'=HYPERLINK(\"x\",\"y\")",
		"+1 555":                  "'+1 555",
		"-2+3":                    "'-2+3",
		"@SUM(A1)":                "'@SUM(A1)",
		"\t=1":                    "'\t=1",
		"\r=1":                    "'\r=1",
		"  =1":                    "'  =1",
		"\uFF1D1+1":               "'\uFF1D1+1",
		"":                        "",
		"Zoë Łukasz 王芳":           "Zoë Łukasz 王芳",
		"O'Brien - editor":        "O'Brien - editor",
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzText: whatever a donor types as their name, the CSV cell never
// starts with something a spreadsheet runs as a formula.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Ann", "=1+1", "+1", "-1", "@SUM(A1)", "\t=x", " =x", "\uFF1Dx", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		trimmed := strings.TrimLeft(out, " ")
		if trimmed == "" {
			return
		}
		r, _ := utf8.DecodeRuneInString(trimmed)
		if strings.ContainsRune("=+-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20", r) {
			t.Fatalf("Text(%q) = %q starts with a formula character", s, out)
		}
		if out != s && out != "'"+s {
			t.Fatalf("Text(%q) = %q changed more than a prefix", s, out)
		}
	})
}

// oneReceipt is a ReceiptSource of a single receipt.
type oneReceipt struct{ r models.Receipt }

func (o oneReceipt) EachReceipt(_ context.Context, _ models.ReceiptPeriod, fn func(*models.Receipt) error) error {
	return fn(&o.r)
}

// FuzzReceiptsCSV writes a receipt whose every text field is arbitrary and
// whose amounts are any int64, then reads the file back: one header and one
// row of as many cells, no cell a spreadsheet runs as a formula, and each
// text cell is the field itself (or it with the one-quote prefix).
func FuzzReceiptsCSV(f *testing.F) {
	f.Add("Ann Donor", "ann@example.com", "1 Main St", "=HYPERLINK(\"x\")", "usd", "partially refunded", int64(2500), int64(-3))
	f.Add("Zoë \"Q\"\n王芳", "+1@x", "\r\n,", "@SUM(A1)", "jpy", "-", int64(0), int64(1<<62))
	f.Fuzz(func(t *testing.T, name, email, line1, city, currency, reason string, amount, fee int64) {
		r := models.Receipt{Number: "2026-000001", Status: models.ReceiptVoid, DonorName: name, DonorEmail: email,
			DonorAddressLine1: line1, DonorAddressCity: city, Currency: currency, VoidReason: reason,
			Amount: amount, FeeCovered: fee, DeductibleAmount: amount - fee, Frequency: "once"}
		var buf bytes.Buffer
		if err := WriteReceiptsCSV(context.Background(), &buf, oneReceipt{r}, models.ReceiptPeriod{FiscalYear: 2026}, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(&buf).ReadAll()
		if err != nil {
			t.Fatalf("the file does not parse back: %v\n%q", err, buf.String())
		}
		if len(rows) != 2 || len(rows[1]) != len(ReceiptColumns) {
			t.Fatalf("%d rows, %d cells", len(rows), len(rows[len(rows)-1]))
		}
		for i, cell := range rows[1] {
			trimmed := strings.TrimLeft(cell, " ")
			if r, _ := utf8.DecodeRuneInString(trimmed); trimmed != "" && strings.ContainsRune("=+@\t\r\n\uFF1D\uFF0B\uFF20", r) {
				t.Fatalf("column %s is a formula: %q", ReceiptColumns[i], cell)
			}
		}
		// csv.Reader turns \r\n inside a quoted cell into \n: compare so.
		for col, want := range map[int]string{5: name, 6: email, 7: line1, 8: city, 19: reason} {
			want = strings.ReplaceAll(want, "\r\n", "\n")
			if got := rows[1][col]; got != want && got != "'"+want {
				t.Fatalf("column %s: %q, want %q", ReceiptColumns[col], got, want)
			}
		}
	})
}
