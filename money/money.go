// Package money holds amounts as int64 minor units with an ISO 4217 currency
// code, and converts between what a person types and what Stripe expects.
// It must never use floating point: every conversion is integer arithmetic.
package money

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Amount is an amount of money in a currency's minor units (cents for usd).
type Amount struct {
	Minor    int64
	Currency string // lower-case ISO 4217, as Stripe writes it
}

// zeroDecimal lists Stripe's zero-decimal currencies: for these the "minor
// unit" Stripe expects is the major unit.
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true,
	"krw": true, "mga": true, "pyg": true, "rwf": true, "ugx": true, "vnd": true,
	"vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// Exponent is the number of decimal places Stripe uses for currency.
func Exponent(currency string) int {
	if zeroDecimal[strings.ToLower(currency)] {
		return 0
	}
	return 2
}

// supported lists the ISO 4217 codes Stripe charges in (its presentment
// currencies), minus the three-decimal ones (bhd, jod, kwd, omr, tnd),
// whose minor units this package does not model. An event in any other
// currency is refused: it did not come from Stripe as Stripe is.
var supported = setOf(`usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd
		bwp byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq gyd
		hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt
		mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr
		sek sgd shp sle sos srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw`)

func setOf(words string) map[string]bool {
	out := map[string]bool{}
	for _, w := range strings.Fields(words) {
		out[w] = true
	}
	return out
}

// Supported reports whether code is an ISO 4217 currency Stripe charges in
// and this package formats: the currencies the ledger accepts.
func Supported(code string) bool { return supported[code] }

// ValidCurrency reports whether code looks like an ISO 4217 code.
func ValidCurrency(code string) bool {
	if len(code) != 3 {
		return false
	}
	for _, r := range code {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// Errors from ParseMajor; the form shows each as a sentence next to the field.
var (
	ErrEmpty     = errors.New("enter an amount")
	ErrMalformed = errors.New("enter an amount as a number, like 25 or 25.00")
	ErrPrecision = errors.New("too many digits after the decimal point")
	ErrTooLarge  = errors.New("that amount is too large")
	ErrNegative  = errors.New("an amount cannot be negative")
)

// OtherCurrencyError: the amount carries another currency's sign ("€20"
// on a form in dollars), which would otherwise be read as the form's.
type OtherCurrencyError struct{ Sign string }

func (e *OtherCurrencyError) Error() string {
	return "the amount is in another currency (" + e.Sign + ")"
}

// currencySigns are the signs people type before or after an amount.
const currencySigns = "$€£¥₹₩₽₺₪₫₱฿"

// maxMajorDigits keeps every parsed amount far inside int64 even after fees.
const maxMajorDigits = 12

// ParseMajor reads an amount typed by a person in major units ("25",
// "25.00", "1,000", "$ 1,000.5") and returns minor units for currency.
// Thousands separators are commas; the decimal separator is a point.
func ParseMajor(s, currency string) (int64, error) {
	s = strings.TrimSpace(s)
	own := Display(0, currency)
	for _, r := range s {
		if strings.ContainsRune(currencySigns, r) && !strings.ContainsRune(own, r) {
			return 0, &OtherCurrencyError{Sign: string(r)}
		}
	}
	s = strings.Trim(s, currencySigns+" ")
	if s == "" {
		return 0, ErrEmpty
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, ErrNegative
	}
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint && strings.Contains(frac, ".") {
		return 0, ErrMalformed
	}
	if strings.Contains(intPart, ",") {
		// Commas must group thousands exactly: "1,000" yes, "1,00" no.
		groups := strings.Split(intPart, ",")
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return 0, ErrMalformed
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, ErrMalformed
			}
		}
		intPart = strings.Join(groups, "")
	}
	if intPart == "" {
		intPart = "0"
	}
	if !allDigits(intPart) || (hasPoint && !allDigits(frac)) || (hasPoint && frac == "" && intPart == "") {
		return 0, ErrMalformed
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart) > maxMajorDigits {
		return 0, ErrTooLarge
	}
	exp := Exponent(currency)
	// Trailing zeros beyond the currency's precision are harmless ("25.000").
	frac = strings.TrimRight(frac, "0")
	if len(frac) > exp {
		return 0, ErrPrecision
	}
	frac += strings.Repeat("0", exp-len(frac))
	digits := intPart + frac
	if digits == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return 0, ErrTooLarge
	}
	return n, nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// FormatMajor writes minor units as a plain decimal in major units
// ("12.50"), the form used in CSV reports.
func FormatMajor(minor int64, currency string) string {
	exp := Exponent(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	s := strconv.FormatInt(minor, 10)
	if exp > 0 {
		if len(s) <= exp {
			s = strings.Repeat("0", exp-len(s)+1) + s
		}
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

var symbols = map[string]string{"usd": "$", "cad": "CA$", "aud": "A$", "eur": "€", "gbp": "£", "jpy": "¥", "nzd": "NZ$"}

// Display writes an amount for people: "$1,250.00", or "1,250.00 CHF" for a
// currency without a symbol we know.
func Display(minor int64, currency string) string {
	plain := FormatMajor(minor, currency)
	intPart, frac, hasPoint := strings.Cut(plain, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if hasPoint {
		out += "." + frac
	}
	if sym, ok := symbols[strings.ToLower(currency)]; ok {
		out = sym + out
	} else {
		out = out + " " + strings.ToUpper(currency)
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Fee describes a card processor's price: a percentage in basis points
// (2.9% is 290) plus a fixed amount in minor units.
type Fee struct {
	BasisPoints int64
	FixedMinor  int64
}

// ParseFee reads FEE_PERCENT ("2.9") and FEE_FIXED ("0.30") without floats.
func ParseFee(percent, fixed, currency string) (Fee, error) {
	bp, err := parseDecimal(percent, 2)
	if err != nil || bp >= 10000 {
		return Fee{}, fmt.Errorf("percentage %q must be a number from 0 to 99.99", percent)
	}
	fx, err := ParseMajor(fixed, currency)
	if err != nil {
		return Fee{}, fmt.Errorf("fixed fee %q: %v", fixed, err)
	}
	return Fee{BasisPoints: bp, FixedMinor: fx}, nil
}

// parseDecimal reads a non-negative decimal with at most places decimals and
// returns it scaled by 10^places.
func parseDecimal(s string, places int) (int64, error) {
	s = strings.TrimSpace(s)
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" || !allDigits(intPart) || !allDigits(frac) || len(frac) > places || len(intPart) > 6 {
		return 0, ErrMalformed
	}
	frac += strings.Repeat("0", places-len(frac))
	digits := strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return 0, nil
	}
	return strconv.ParseInt(digits, 10, 64)
}

// CoverAmount is what a donor adds so that, after the processor takes its
// fee from the total, the newsroom receives the whole gift:
// total = ceil((gift + fixed) / (1 - pct)), and the cover is total - gift.
func (f Fee) CoverAmount(gift int64) int64 {
	if gift <= 0 {
		return 0
	}
	num := (gift + f.FixedMinor) * 10000
	den := 10000 - f.BasisPoints
	total := (num + den - 1) / den
	return total - gift
}

// Convert turns minor units of from into minor units of to at rate, a
// decimal string as Stripe gives a balance transaction's exchange_rate:
// one major unit of from is rate major units of to. The result rounds
// half away from zero, in exact rational arithmetic.
func Convert(minor int64, from, rate, to string) (int64, error) {
	r, ok := new(big.Rat).SetString(strings.TrimSpace(rate))
	if !ok || r.Sign() <= 0 {
		return 0, fmt.Errorf("exchange rate %q is not a positive decimal", rate)
	}
	v := new(big.Rat).Mul(new(big.Rat).SetInt64(minor), r)
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(Exponent(to)-Exponent(from)))), nil))
	if Exponent(to) > Exponent(from) {
		v.Mul(v, scale)
	} else {
		v.Quo(v, scale)
	}
	// Round half away from zero: add or take a half, then truncate.
	half := big.NewRat(1, 2)
	if v.Sign() < 0 {
		v.Sub(v, half)
	} else {
		v.Add(v, half)
	}
	q := new(big.Int).Quo(v.Num(), v.Denom())
	if !q.IsInt64() {
		return 0, fmt.Errorf("converting %d %s at %s overflows", minor, from, rate)
	}
	return q.Int64(), nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
