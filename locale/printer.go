package locale

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/indienews/donations/money"
)

// Printer writes messages, numbers, money and dates in one language.
type Printer struct {
	lang   string
	region string
	loc    *i18n.Localizer
	known  map[string]string
}

// Known is an English text from code that speaks only English (a models
// error a donor reads) in this language, when the catalog has it under a
// "known." key; otherwise the text as it is.
func (p *Printer) Known(english string) string {
	if k, ok := p.known[english]; ok {
		return p.T(k)
	}
	return english
}

// Lang is the printer's language ("fr").
func (p *Printer) Lang() string { return p.lang }

// T is message id with its {{.Name}} fields filled from args, given as
// name, value pairs. An id no file has comes back as itself, which the
// key test and the page tests catch.
func (p *Printer) T(id string, args ...any) string {
	return p.localize(id, nil, args)
}

// N is message id in the plural form count takes in this language (French
// says "1 don", "0 don"; English "0 gifts"), with {{.Count}} set to count.
func (p *Printer) N(id string, count int, args ...any) string {
	return p.localize(id, count, append(args, "Count", p.Number(int64(count))))
}

func (p *Printer) localize(id string, count any, args []any) string {
	var data map[string]any
	if len(args) > 0 {
		data = make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name, _ := args[i].(string)
			data[name] = args[i+1]
		}
	}
	s, err := p.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if err != nil && s == "" {
		return id
	}
	return s
}

// style is how a language writes numbers and where the currency goes.
type style struct {
	group, decimal string
	symbolAfter    bool
}

// nbsp keeps "1 234,56 $" on one line, and every PDF font has it.
const nbsp = "\u00a0"

func (p *Printer) style(currency string) style {
	switch p.lang {
	case "fr":
		return style{group: nbsp, decimal: ",", symbolAfter: true}
	case "es":
		// Spanish in the Americas writes $1,234.56; in Spain and the
		// euro area 1.234,56 €.
		if strings.EqualFold(currency, "eur") || p.region == "ES" || p.region == "GB" {
			return style{group: ".", decimal: ",", symbolAfter: true}
		}
	}
	return style{group: ",", decimal: "."}
}

// symbol is the currency's sign in this language: a dollar is plain "$" in
// the country that uses it and named otherwise ("$ US" in Montreal).
func (p *Printer) symbol(currency string) string {
	c := strings.ToLower(currency)
	if p.lang == "en" {
		return map[string]string{"usd": "$", "cad": "CA$", "aud": "A$", "eur": "€", "gbp": "£", "jpy": "¥", "nzd": "NZ$"}[c]
	}
	home := map[string]string{"usd": "US", "cad": "CA", "aud": "AU", "nzd": "NZ"}
	switch c {
	case "eur":
		return "€"
	case "gbp":
		return "£"
	case "jpy":
		return "¥"
	case "usd", "cad", "aud", "nzd":
		if home[c] == p.region {
			return "$"
		}
		if p.lang == "fr" {
			return "$" + nbsp + home[c]
		}
		return home[c] + "$"
	}
	return ""
}

// Money writes an amount in minor units for people: "$1,234.56" in
// English, "1 234,56 $" in French in Canada, "1.234,56 €" in Spanish.
// English matches money.Display.
func (p *Printer) Money(minor int64, currency string) string {
	if p.lang == "en" {
		return money.Display(minor, currency)
	}
	st := p.style(currency)
	neg := minor < 0
	if neg {
		minor = -minor
	}
	plain := money.FormatMajor(minor, currency)
	whole, frac, hasPoint := strings.Cut(plain, ".")
	out := group(whole, st.group)
	if hasPoint {
		out += st.decimal + frac
	}
	sym := p.symbol(currency)
	switch {
	case sym == "":
		out += nbsp + strings.ToUpper(currency)
	case st.symbolAfter:
		out += nbsp + sym
	default:
		out = sym + out
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Number writes a whole number with this language's grouping ("12 500").
func (p *Printer) Number(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := group(strconv.FormatInt(n, 10), p.style("").group)
	if neg {
		s = "-" + s
	}
	return s
}

// Amount writes an amount without its currency, as a person types it in a
// field ("25,50" in French).
func (p *Printer) Amount(minor int64, currency string) string {
	plain := money.FormatMajor(minor, currency)
	if st := p.style(currency); st.decimal != "." {
		plain = strings.Replace(plain, ".", st.decimal, 1)
	}
	return plain
}

func group(digits, sep string) string {
	var b strings.Builder
	for i, r := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}

var months = map[string][12]string{
	"fr": {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"},
	"es": {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre", "noviembre", "diciembre"},
}

// Month is a month's name in this language, in lower case where the
// language writes it so ("décembre").
func (p *Printer) Month(m time.Month) string {
	if names, ok := months[p.lang]; ok {
		return names[m-1]
	}
	return m.String()
}

// Date writes a day as this language writes it in a sentence: "December
// 4, 2026", "4 décembre 2026" (1er for the first), "4 de diciembre de
// 2026". t is already in the time zone that decides the day.
func (p *Printer) Date(t time.Time) string { return p.date(t, false) }

// DateDayFirst is Date, with English written day first ("4 December
// 2026") as in Canada and the UK.
func (p *Printer) DateDayFirst(t time.Time) string { return p.date(t, true) }

func (p *Printer) date(t time.Time, dayFirst bool) string {
	switch p.lang {
	case "fr":
		day := strconv.Itoa(t.Day())
		if t.Day() == 1 {
			day = "1er"
		}
		return day + " " + p.Month(t.Month()) + " " + strconv.Itoa(t.Year())
	case "es":
		return strconv.Itoa(t.Day()) + " de " + p.Month(t.Month()) + " de " + strconv.Itoa(t.Year())
	}
	if dayFirst {
		return t.Format("2 January 2006")
	}
	return t.Format("January 2, 2006")
}

// DecimalComma reports whether this language writes amounts of currency
// with a decimal comma ("25,50").
func (p *Printer) DecimalComma(currency string) bool { return p.style(currency).decimal == "," }

// Decimal writes a plain decimal ("2.9") with this language's mark ("2,9").
func (p *Printer) Decimal(plain string) string {
	if p.DecimalComma("") {
		return strings.Replace(plain, ".", ",", 1)
	}
	return plain
}

// Canonical turns an amount as a reader of this language types it into
// the plain form money.ParseMajor reads: "1 234,50" and "1.234,50" become
// "1234.50" where the comma is the decimal mark. A reader who types the
// English way ("25.50") is understood too: a point followed by one or two
// digits is a decimal point, never a thousands separator, so nobody pays a
// hundred times what they meant.
func (p *Printer) Canonical(typed, currency string) string {
	if !p.DecimalComma(currency) {
		return typed
	}
	s := strings.NewReplacer(" ", "", nbsp, "", "\u202f", "").Replace(strings.TrimSpace(typed))
	if strings.Contains(s, ",") {
		return strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
	}
	if thousands.MatchString(s) {
		return strings.ReplaceAll(s, ".", "")
	}
	return s
}

// thousands is a number grouped with points: "1.000", "12.500.000".
var thousands = regexp.MustCompile(`^[^0-9]*[0-9]{1,3}(\.[0-9]{3})+[^0-9]*$`)

// CheckoutLocale is the language Stripe Checkout speaks, among those it
// knows: Canadian French, Latin-American Spanish outside Spain, British
// English in the UK.
func (p *Printer) CheckoutLocale() string {
	switch {
	case p.lang == "fr" && p.region == "CA":
		return "fr-CA"
	case p.lang == "es" && p.region != "ES" && p.region != "EU" && p.region != "GB":
		return "es-419"
	case p.lang == "en" && p.region == "GB":
		return "en-GB"
	}
	return p.lang
}

// DayMonth is a day of this year: "December 4", "4 décembre", "4 de
// diciembre".
func (p *Printer) DayMonth(t time.Time) string {
	switch p.lang {
	case "fr":
		if t.Day() == 1 {
			return "1er " + p.Month(t.Month())
		}
		return strconv.Itoa(t.Day()) + " " + p.Month(t.Month())
	case "es":
		return strconv.Itoa(t.Day()) + " de " + p.Month(t.Month())
	}
	return t.Format("January 2")
}
