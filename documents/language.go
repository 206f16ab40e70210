package documents

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// english is the catalog a renderer without one speaks: its English
// messages are the words documents printed before they spoke any other
// language, letter for letter.
var english = sync.OnceValues(func() (*locale.Catalog, error) { return locale.New("en", "") })

// voice is the language a document speaks, or the two a bilingual
// Canadian receipt speaks ("en,fr"), first language first.
type voice struct {
	ps []*locale.Printer
}

// inLang is a value that reads differently in each language (an amount,
// a date, a word): an argument of voice.t, worked out per language.
type inLang func(p *locale.Printer) string

// voiceOf is the voice of langs, a comma-separated list of languages the
// server speaks ("" or one it does not: English, as receipts issued
// before languages print).
func (r *Renderer) voiceOf(langs string) (voice, error) {
	cat := r.Catalog
	if cat == nil {
		var err error
		if cat, err = english(); err != nil {
			return voice{}, err
		}
	}
	var v voice
	seen := map[string]bool{}
	for _, l := range strings.Split(langs, ",") {
		l = strings.ToLower(strings.TrimSpace(l))
		if !locale.Known(l) {
			l = "en"
		}
		if !seen[l] {
			seen[l] = true
			v.ps = append(v.ps, cat.Printer(l))
		}
	}
	return v, nil
}

// defaultLanguage is what a statement for a donor who never chose a
// language speaks: the site's default, English without a catalog.
func (r *Renderer) defaultLanguage() string {
	if r.Catalog == nil {
		return "en"
	}
	return r.Catalog.Default()
}

// each is message id in every language of the voice, one per language:
// sentences, written one language after the other.
func (v voice) each(id string, args ...any) []string {
	out := make([]string, 0, len(v.ps))
	for _, p := range v.ps {
		out = append(out, p.T(id, resolve(p, args)...))
	}
	return out
}

// t is message id in the voice's languages on one line, "English /
// Français", the same text once: labels and short values.
func (v voice) t(id string, args ...any) string { return joinDistinct(v.each(id, args...)) }

// in is a value worked out per language, on one line as t puts it.
func (v voice) in(f inLang) string {
	out := make([]string, 0, len(v.ps))
	for _, p := range v.ps {
		out = append(out, f(p))
	}
	return joinDistinct(out)
}

func resolve(p *locale.Printer, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if f, ok := a.(inLang); ok {
			a = f(p)
		}
		out[i] = a
	}
	return out
}

// joinDistinct puts each language's text on one line, once when they are
// the same (a name, "Gift Aid").
func joinDistinct(parts []string) string {
	var out []string
	for _, s := range parts {
		dup := false
		for _, o := range out {
			dup = dup || o == s
		}
		if !dup {
			out = append(out, s)
		}
	}
	return strings.Join(out, " / ")
}

// first is the voice's first language ("en").
func (v voice) first() string { return v.ps[0].Lang() }

// tags are the PDF /Lang of each of the voice's languages, French in
// Canada written fr-CA; the first is the document's.
func (v voice) tags(rules string) []string {
	out := make([]string, 0, len(v.ps))
	for _, p := range v.ps {
		l := p.Lang()
		if l == "fr" && rules == "ca" {
			l = "fr-CA"
		}
		out = append(out, l)
	}
	return out
}

// sep is what stands between a field's label and its value: French sets
// a (non-breaking) space before the colon.
func (v voice) sep() string {
	if v.first() == "fr" {
		return "\u00a0: "
	}
	return ": "
}

// cash is an amount as each language writes it.
func cash(minor int64, currency string) inLang {
	return func(p *locale.Printer) string { return p.Money(minor, currency) }
}

// dateOf is a date as each language writes it, in loc; English follows the
// rule set's (or DATE_STYLE's) order.
func dateOf(t time.Time, loc *time.Location, dayFirst bool) inLang {
	return func(p *locale.Printer) string {
		if dayFirst {
			return p.DateDayFirst(t.In(loc))
		}
		return p.Date(t.In(loc))
	}
}

// message is a message that is itself an argument of another.
func message(id string, args ...any) inLang {
	return func(p *locale.Printer) string { return p.T(id, resolve(p, args)...) }
}

// decimal writes a number given with a point ("1.3712") as the language
// does ("1,3712" in French).
func decimal(s string) inLang {
	return func(p *locale.Printer) string {
		if p.Amount(1, "usd") == "0,01" {
			return strings.Replace(s, ".", ",", 1)
		}
		return s
	}
}

// amount is an amount without its currency sign ("50.00", "50,00").
func amount(minor int64, currency string) inLang {
	return func(p *locale.Printer) string { return p.Amount(minor, currency) }
}

// taxIDLabel is models.TaxIDLabel in each language.
func taxIDLabel(rules string) inLang {
	switch rules {
	case "ca", "uk", "generic":
		return message("doc.tax_id." + rules)
	}
	return message("doc.tax_id.us")
}

// paymentKind is models.PaymentKind in each language.
func paymentKind(frequency string) inLang {
	switch frequency {
	case models.FrequencyMonth, models.FrequencyYear:
		return message("doc.kind." + frequency)
	}
	return message("doc.kind.once")
}

// methodLabel is models.MethodLabel in each language, for the methods a
// receipt names under "Paid by".
func methodLabel(method string) inLang {
	switch method {
	case models.MethodCheque, models.MethodCash, models.MethodTransfer, models.MethodGrant:
		return message("doc.method." + method)
	}
	label := models.MethodLabel(method)
	return func(*locale.Printer) string { return label }
}

var (
	partialRefund = regexp.MustCompile(`^partially refunded \((.+) of (.+)\)$`)
	nonDigits     = regexp.MustCompile(`[^0-9]`)
)

// voidReason is rec.VoidReasonText in each language: the reasons the
// ledger writes are translated, amounts and all; what staff typed stays
// as they typed it.
func voidReason(rec *models.Receipt) inLang {
	english := rec.VoidReasonText()
	return func(p *locale.Printer) string {
		if p.Lang() == "en" {
			return english
		}
		switch english {
		case "refunded in full":
			return p.T("doc.void.refunded")
		case "disputed (chargeback)":
			return p.T("doc.void.disputed")
		case "dispute lost (chargeback)":
			return p.T("doc.void.dispute_lost")
		case "cancelled and replaced: corrected name and address":
			return p.T("doc.void.corrected")
		}
		if staff, ok := strings.CutPrefix(english, "voided by staff: "); ok {
			return p.T("doc.void.by_staff", "Reason", staff)
		}
		if m := partialRefund.FindStringSubmatch(english); m != nil {
			// money.Display writes every minor digit: its digits are the
			// amount in minor units.
			refunded, err1 := strconv.ParseInt(nonDigits.ReplaceAllString(m[1], ""), 10, 64)
			total, err2 := strconv.ParseInt(nonDigits.ReplaceAllString(m[2], ""), 10, 64)
			if err1 == nil && err2 == nil {
				return p.T("doc.void.partial", "Refunded", p.Money(refunded, rec.Currency), "Total", p.Money(total, rec.Currency))
			}
		}
		return english
	}
}
