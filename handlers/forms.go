package handlers

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// What every form shares: errors said next to their field, text a
// person can print, email addresses, postal addresses.

// fieldErrors maps a form field's name to the sentence shown next to it.
type fieldErrors map[string]string

// errorsIn lists a form's errors for its summary ("errorsummary"), in the
// order of its fields' ids; a field's id is its name on these forms.
func errorsIn(errs fieldErrors, ids ...string) []errorLink {
	var out []errorLink
	for _, id := range ids {
		if msg, ok := errs[id]; ok {
			out = append(out, errorLink{Field: id, Message: msg})
		}
	}
	return out
}

// dict makes a map for a partial from pairs of a key and a value.
func dict(pairs ...any) map[string]any {
	m := map[string]any{}
	for i := 0; i+1 < len(pairs); i += 2 {
		if k, ok := pairs[i].(string); ok {
			m[k] = pairs[i+1]
		}
	}
	return m
}

// oneError is the summary of a form with one message, linked to the field
// to correct first.
func oneError(id, msg string) []errorLink { return []errorLink{{Field: id, Message: msg}} }

type addressField struct {
	Name, Label, Autocomplete, Value, Error string
}

func checked(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "on", "true", "yes":
		return true
	}
	return false
}

// checkAddress adds to errs what is wrong with an address typed into the
// address_* fields: each part must be printable; a partial address is no
// use on a receipt, so it is all or nothing; and where the rule set's
// receipts print the donor's address (full), every part but the second
// line is required.
func checkAddress(p *locale.Printer, errs fieldErrors, a models.Address, full bool) {
	for field, v := range map[string]string{
		"address_line1": a.Line1, "address_line2": a.Line2, "address_city": a.City, "address_state": a.State,
		"address_postal_code": a.PostalCode, "address_country": a.Country,
	} {
		if msg := checkText(p, v, maxAddressLen, false); msg != "" {
			errs[field] = msg
		}
	}
	if !full && len(a.Lines()) == 0 {
		return
	}
	// Each message says what to do: fill the part in, or (where the
	// address is optional) leave it all empty.
	how := ".optional"
	if full {
		how = ".full"
	}
	need := []struct{ field, value, key string }{
		{"address_line1", a.Line1, "address.need.line1"}, {"address_city", a.City, "address.need.city"},
		{"address_country", a.Country, "address.need.country"},
	}
	if full {
		need = append(need, struct{ field, value, key string }{"address_state", a.State, "address.need.state"},
			struct{ field, value, key string }{"address_postal_code", a.PostalCode, "address.need.postal"})
	}
	for _, n := range need {
		if n.value == "" && errs[n.field] == "" {
			errs[n.field] = p.T(n.key + how)
		}
	}
}

// addressForm reads the address_* fields of a posted form.
func addressForm(c *gin.Context) models.Address {
	f := func(k string) string { return strings.TrimSpace(c.PostForm(k)) }
	return models.Address{Line1: f("address_line1"), Line2: f("address_line2"), City: f("address_city"),
		State: f("address_state"), PostalCode: f("address_postal_code"), Country: f("address_country")}
}

// fullAddress says whether donors must give a full address: Canadian
// receipts print it.
func (s *Server) fullAddress() bool { return s.cfg.ReceiptRules == "ca" }

// profileForm reads a name and address posted from a profile form.
func (s *Server) profileForm(c *gin.Context) (models.DonorProfile, fieldErrors) {
	p := models.DonorProfile{Name: strings.TrimSpace(c.PostForm("name")), Address: addressForm(c)}
	errs := fieldErrors{}
	pr := s.printer(c)
	if msg := checkTextAs(pr, p.Name, maxNameLen, true, "form.enter.thename"); msg != "" {
		errs["name"] = msg
	}
	checkAddress(pr, errs, p.Address, s.fullAddress())
	return p, errs
}

// addressFields are the address inputs of a form, filled with a.
func addressFields(p *locale.Printer, a models.Address, errs fieldErrors) []addressField {
	return []addressField{
		{"address_line1", p.T("address.line1"), "address-line1", a.Line1, errs["address_line1"]},
		{"address_line2", p.T("address.line2"), "address-line2", a.Line2, errs["address_line2"]},
		{"address_city", p.T("address.city"), "address-level2", a.City, errs["address_city"]},
		{"address_state", p.T("address.state"), "address-level1", a.State, errs["address_state"]},
		{"address_postal_code", p.T("address.postal"), "postal-code", a.PostalCode, errs["address_postal_code"]},
		{"address_country", p.T("address.country"), "country-name", a.Country, errs["address_country"]},
	}
}

func validEmail(s string) bool {
	if len(s) > maxEmailLen || strings.ContainsAny(s, " <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return false
	}
	_, domain, ok := strings.Cut(s, "@")
	return ok && strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// checkText returns a message when v is unusable as printed text.
func checkText(p *locale.Printer, v string, max int, required bool) string {
	return checkTextAs(p, v, max, required, "form.enter")
}

// checkTextAs is checkText, saying what to enter with message empty when
// v is required and empty ("Enter your name.").
func checkTextAs(p *locale.Printer, v string, max int, required bool, empty string) string {
	switch {
	case v == "" && required:
		return p.T(empty)
	case !utf8.ValidString(v):
		return p.T("form.unreadable")
	case utf8.RuneCountInString(v) > max:
		return p.T("form.toolong", "Max", p.Number(int64(max)))
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return p.T("form.unprintable")
		}
	}
	return ""
}
