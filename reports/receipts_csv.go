// Package reports writes the finance reports (CSV today) from the ledger.
// It formats; it never queries beyond the store's streaming methods, and it
// neutralises spreadsheet formulas in every text cell it writes.
package reports

import (
	"context"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// ReceiptColumns is the receipts report's header, the same in the command's
// export and the staff area's download.
var ReceiptColumns = []string{
	"number", "status", "issued_at", "gift_date", "fiscal_year",
	"donor_name", "donor_email",
	"donor_address_line1", "donor_address_city", "donor_address_postal_code", "donor_address_country",
	"frequency", "amount", "currency", "deductible_amount", "fee_covered", "benefit_value",
	"stripe_payment_id", "replaces", "void_reason", "voided_at",
	"donor_address_line2", "donor_address_state",
	"original_amount", "original_currency", "exchange_rate",
	"gift_amount", "dedication_type", "dedication_name", "anonymous",
	"method", "method_reference", "description", "appraiser",
}

// ReceiptSource streams receipts; *models.Store satisfies it.
type ReceiptSource interface {
	EachReceipt(ctx context.Context, p models.ReceiptPeriod, fn func(*models.Receipt) error) error
}

const flushEvery = 256

// WriteReceiptsCSV writes an RFC 4180 CSV of the period's receipts, oldest
// first, one row at a time so memory stays flat whatever the year's size.
// Times are RFC 3339 in each receipt's frozen time zone (loc, TIMEZONE, for
// receipts from before zones were kept), so the date a person reads is the
// receipt's.
func WriteReceiptsCSV(ctx context.Context, w io.Writer, src ReceiptSource, p models.ReceiptPeriod, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	zones := map[string]*time.Location{"": loc}
	cw := csv.NewWriter(w)
	if err := cw.Write(ReceiptColumns); err != nil {
		return err
	}
	row := make([]string, len(ReceiptColumns))
	n := 0
	err := src.EachReceipt(ctx, p, func(r *models.Receipt) error {
		zone, ok := zones[r.TimeZone]
		if !ok {
			zone = r.Location(loc)
			zones[r.TimeZone] = zone
		}
		// A converted gift: what the donor paid, and Stripe's rate.
		original := ""
		if r.Converted() {
			original = money.FormatMajor(r.OriginalAmount, r.OriginalCurrency)
		}
		voidedAt := ""
		if r.VoidedAt != nil {
			voidedAt = r.VoidedAt.In(zone).Format(time.RFC3339)
		}
		row = append(row[:0],
			Text(r.Number), Text(r.Status), r.IssuedAt.In(zone).Format(time.RFC3339), r.GiftDate.In(zone).Format(time.RFC3339),
			strconv.Itoa(r.FiscalYear),
			Text(r.DonorName), Text(r.DonorEmail),
			Text(r.DonorAddressLine1), Text(r.DonorAddressCity), Text(r.DonorAddressPostalCode), Text(r.DonorAddressCountry),
			Text(r.Frequency), money.FormatMajor(r.Amount, r.Currency), Text(r.Currency),
			money.FormatMajor(r.DeductibleAmount, r.Currency), money.FormatMajor(r.FeeCovered, r.Currency),
			money.FormatMajor(r.BenefitValue, r.Currency),
			Text(r.StripePaymentID), Text(r.Replaces), Text(r.VoidReasonText()), voidedAt,
			Text(r.DonorAddressLine2), Text(r.DonorAddressState),
			original, Text(r.OriginalCurrency), Text(r.ExchangeRate),
			// The gift apart from the card fee the donor chose to cover.
			money.FormatMajor(r.Amount-r.FeeCovered, r.Currency), Text(r.DedicationType), Text(r.DedicationName), yesNo(r.Anonymous),
			// How it came: card (Stripe), or what staff entered in a batch.
			Text(methodOf(r.Method)), Text(r.MethodReference), Text(r.Description), Text(r.Appraiser),
		)
		if err := cw.Write(row); err != nil {
			return err
		}
		// Hand rows on in batches, so a streamed download starts at once
		// without a write per row.
		if n++; n%flushEvery == 0 {
			cw.Flush()
			return cw.Error()
		}
		return nil
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// methodOf names a receipt's method in the CSV: "card" for Stripe's.
func methodOf(m string) string {
	if m == "" || m == models.MethodStripe {
		return "card"
	}
	return m
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Text neutralises a text cell for spreadsheets: a cell that starts with
// = + - @ (or a tab or carriage return, which some programs strip first, or
// their full-width forms) is read as a formula, so it is prefixed with an
// apostrophe, as OWASP advises.
func Text(s string) string {
	t := strings.TrimLeft(s, " ")
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '\n', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20':
		return "'" + s
	}
	return s
}

// ParsePeriod reads a report's period as people give it, on the command
// line or in the staff area: a fiscal year, or a first and a last date
// (inclusive) read in loc. The label names it in file names.
func ParsePeriod(year, from, to string, loc *time.Location) (models.ReceiptPeriod, string, error) {
	switch {
	case year != "" && (from != "" || to != ""):
		return models.ReceiptPeriod{}, "", errors.New("give either a fiscal year or a date range, not both")
	case year != "":
		y, err := strconv.Atoi(year)
		if err != nil || y < 1900 || y > 9999 {
			return models.ReceiptPeriod{}, "", errors.New("the fiscal year must be a year such as 2026")
		}
		return models.ReceiptPeriod{FiscalYear: y}, year, nil
	case from != "" && to != "":
		f, err1 := time.ParseInLocation("2006-01-02", from, loc)
		t, err2 := time.ParseInLocation("2006-01-02", to, loc)
		if err1 != nil || err2 != nil {
			return models.ReceiptPeriod{}, "", errors.New("dates must look like 2026-01-31")
		}
		if t.Before(f) {
			return models.ReceiptPeriod{}, "", errors.New("the end must not be before the start")
		}
		return models.ReceiptPeriod{From: f, To: t.AddDate(0, 0, 1)}, from + "_" + to, nil
	}
	return models.ReceiptPeriod{}, "", errors.New("choose a fiscal year, or a first and a last date")
}

// CountedReceipts wraps src so that each receipt read calls each: long
// exports show their progress with it. An error from each stops the
// report.
func CountedReceipts(src ReceiptSource, each func() error) ReceiptSource {
	return countedReceipts{src, each}
}

type countedReceipts struct {
	src  ReceiptSource
	each func() error
}

func (c countedReceipts) EachReceipt(ctx context.Context, p models.ReceiptPeriod, fn func(*models.Receipt) error) error {
	return c.src.EachReceipt(ctx, p, func(r *models.Receipt) error {
		if err := fn(r); err != nil {
			return err
		}
		return c.each()
	})
}
