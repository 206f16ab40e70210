package documents

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
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

var partialRefund = regexp.MustCompile(`^partially refunded \((.+) of (.+)\)$`)

// VoidReason is rec's void reason in p's language, for the receipt and
// for the email that says it is void. The ledger writes reasons in
// English; those it writes itself are translated, amounts reprinted, and
// a note staff typed is given as they typed it.
func VoidReason(p *locale.Printer, rec *models.Receipt) string {
	text := rec.VoidReasonText()
	if p.Lang() == "en" {
		return text
	}
	switch text {
	case "refunded in full":
		return p.T("doc.void.refunded")
	case "disputed (chargeback)":
		return p.T("doc.void.disputed")
	case "dispute lost (chargeback)":
		return p.T("doc.void.dispute_lost")
	case "cancelled and replaced: corrected name and address":
		return p.T("doc.void.corrected")
	}
	if note, ok := strings.CutPrefix(text, "voided by staff: "); ok {
		return p.T("doc.void.by_staff", "Reason", note)
	}
	if m := partialRefund.FindStringSubmatch(text); m != nil {
		return p.T("doc.void.partial", "Refunded", reprint(p, m[1], rec.Currency), "Total", reprint(p, m[2], rec.Currency))
	}
	return text
}

// reprint writes an amount money.Display wrote in currency in p's
// language; one in another currency (a converted gift's) stays as it is.
func reprint(p *locale.Printer, shown, currency string) string {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, shown)
	minor, err := strconv.ParseInt(digits, 10, 64)
	if err != nil || money.Display(minor, currency) != shown {
		return shown
	}
	return p.Money(minor, currency)
}

// voidReason is VoidReason in each language a receipt prints.
func voidReason(rec *models.Receipt) inLang {
	return func(p *locale.Printer) string { return VoidReason(p, rec) }
}
