package mail

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// language is the one m is written in: a receipt's own (frozen at issue;
// "" is English, the only language receipts had before), else the
// donor's choice, else the language of the page they gave on, else the
// site's default. With no catalog, English.
func (c *Composer) language(ctx context.Context, m *models.EmailMessage) string {
	if c.set.Catalog == nil {
		return "en"
	}
	donorID, giftID := m.DonorID, m.GiftID
	receiptLang := ""
	isReceipt := false
	switch m.Kind {
	case models.EmailReceipt, models.EmailReplacement, models.EmailVoid:
		if m.ReceiptID == nil {
			break
		}
		r, err := c.src.ReceiptByID(ctx, *m.ReceiptID)
		if err != nil {
			break
		}
		isReceipt, receiptLang = true, r.Language
		if donorID == nil {
			donorID = r.DonorID
		}
	}
	if m.MembershipID != nil && (donorID == nil || giftID == nil) {
		if ms, err := c.src.MembershipByID(ctx, *m.MembershipID); err == nil {
			if donorID == nil {
				donorID = ms.DonorID
			}
			if giftID == nil {
				giftID = ms.GiftID
			}
		}
	}
	donorLang := ""
	if donorID != nil {
		if d, err := c.src.DonorByID(ctx, *donorID); err == nil {
			donorLang = d.Language
		}
	}
	if isReceipt {
		return receiptLanguage(receiptLang, donorLang)
	}
	if locale.Known(donorLang) {
		return donorLang
	}
	if giftID != nil {
		if g, err := c.src.GiftByID(ctx, *giftID); err == nil && locale.Known(g.Language) {
			return g.Language
		}
	}
	return c.cat.Default()
}

// receiptLanguage is the language of the email that carries a receipt
// frozen in lang: that one; of a bilingual receipt ("en,fr"), the donor's
// if it is one of the two, else the first.
func receiptLanguage(lang, donorLang string) string {
	if lang == "" {
		return "en"
	}
	langs := strings.Split(lang, ",")
	for _, l := range langs {
		if l == donorLang && locale.Known(l) {
			return l
		}
	}
	for _, l := range langs {
		if locale.Known(l) {
			return l
		}
	}
	return "en"
}

// textFuncs are the words of p's language for the text templates:
// t "key" "Name" value... is a message, n "key" count ... its plural.
func textFuncs(p *locale.Printer) map[string]any {
	return map[string]any{
		"t": func(id string, args ...any) string { return p.T(id, stringArgs(args, nil)...) },
		"n": func(id string, count int, args ...any) string { return p.N(id, count, stringArgs(args, nil)...) },
	}
}

// htmlFuncs are textFuncs for the HTML templates: a message is HTML (its
// text is ours, and may hold markup), the values filled into it are
// escaped as html/template escapes text, unless they are HTML already
// (strong, link, or another message).
func htmlFuncs(p *locale.Printer) htmltemplate.FuncMap {
	return htmltemplate.FuncMap{
		"t": func(id string, args ...any) htmltemplate.HTML {
			return htmltemplate.HTML(p.T(id, stringArgs(args, escapeHTML)...))
		},
		"n": func(id string, count int, args ...any) htmltemplate.HTML {
			return htmltemplate.HTML(p.N(id, count, stringArgs(args, escapeHTML)...))
		},
		"strong": func(v any) htmltemplate.HTML {
			return htmltemplate.HTML("<strong>" + htmlOf(v) + "</strong>")
		},
		"link": link,
	}
}

// stringArgs writes a message's name, value pairs as strings, each value
// through esc (nil: as it is) unless it is HTML.
func stringArgs(args []any, esc func(string) string) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if i%2 == 0 {
			out[i] = a
			continue
		}
		if h, ok := a.(htmltemplate.HTML); ok {
			out[i] = string(h)
			continue
		}
		s := fmt.Sprint(a)
		if esc != nil {
			s = esc(s)
		}
		out[i] = s
	}
	return out
}

func htmlOf(v any) string {
	if h, ok := v.(htmltemplate.HTML); ok {
		return string(h)
	}
	return escapeHTML(fmt.Sprint(v))
}

// escapeHTML escapes text exactly as html/template does between tags, so
// a message's values read as they did when the templates held the words.
var escapeHTML = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;",
	"<", "&lt;", ">", "&gt;").Replace

var linkTemplate = htmltemplate.Must(htmltemplate.New("link").Parse(`<a href="{{.URL}}">{{.Text}}</a>`))

// link is an <a> to url, its text text (a string, or HTML such as a
// message), escaped by html/template itself.
func link(url string, text any) (htmltemplate.HTML, error) {
	var b bytes.Buffer
	err := linkTemplate.Execute(&b, struct {
		URL  string
		Text any
	}{url, text})
	return htmltemplate.HTML(b.String()), err
}

// paymentKind is models.PaymentKind in p's language.
func paymentKind(p *locale.Printer, frequency string) string {
	switch frequency {
	case models.FrequencyMonth, models.FrequencyYear:
		return p.T("email.kind." + frequency)
	}
	return p.T("email.kind.once")
}

// dedication is models.DedicationText in p's language.
func dedication(p *locale.Printer, r *models.Receipt) string {
	switch r.DedicationType {
	case "honor", "memory":
		return p.T("email.dedication."+r.DedicationType, "Name", r.DedicationName)
	}
	return ""
}

// monthYear is a month of a year, as a sentence writes it ("February
// 2025", "février 2025", "febrero de 2025").
func monthYear(p *locale.Printer, t time.Time) string {
	switch p.Lang() {
	case "en":
		return t.Format("January 2006")
	case "es":
		return p.Month(t.Month()) + " de " + strconv.Itoa(t.Year())
	}
	return p.Month(t.Month()) + " " + strconv.Itoa(t.Year())
}

// totalText is documents.Statement.TotalText in p's language.
func totalText(p *locale.Printer, st documents.Statement) string {
	if p.Lang() == "en" {
		return st.TotalText()
	}
	totals := st.Total()
	switch len(totals) {
	case 0:
		cur := "usd"
		switch {
		case len(st.Receipts) > 0:
			cur = st.Receipts[0].Currency
		case st.Rules == "ca":
			cur = "cad"
		case st.Rules == "uk":
			cur = "gbp"
		}
		return p.Money(0, cur)
	case 1:
		for cur, v := range totals {
			return p.Money(v, cur)
		}
	}
	curs := make([]string, 0, len(totals))
	for cur := range totals {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	parts := make([]string, len(curs))
	for i, cur := range curs {
		parts[i] = p.Money(totals[cur], cur) + " (" + strings.ToUpper(cur) + ")"
	}
	return strings.Join(parts, "; ")
}
