package handlers

import (
	"fmt"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
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
func checkAddress(errs fieldErrors, a models.Address, full bool) {
	for field, v := range map[string]string{
		"address_line1": a.Line1, "address_line2": a.Line2, "address_city": a.City, "address_state": a.State,
		"address_postal_code": a.PostalCode, "address_country": a.Country,
	} {
		if msg := checkText(v, maxAddressLen, false); msg != "" {
			errs[field] = msg
		}
	}
	if !full && len(a.Lines()) == 0 {
		return
	}
	orEmpty := ", or leave the whole address empty."
	if full {
		orEmpty = ": your receipt must show your full address."
	}
	need := []struct{ field, value, what string }{
		{"address_line1", a.Line1, "Enter the street address"}, {"address_city", a.City, "Enter the town or city"},
		{"address_country", a.Country, "Enter the country"},
	}
	if full {
		need = append(need, struct{ field, value, what string }{"address_state", a.State, "Enter the province or state"},
			struct{ field, value, what string }{"address_postal_code", a.PostalCode, "Enter the postal code"})
	}
	for _, n := range need {
		if n.value == "" && errs[n.field] == "" {
			errs[n.field] = n.what + orEmpty
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
	if msg := checkText(p.Name, maxNameLen, true); msg != "" {
		errs["name"] = strings.Replace(msg, "this", "the name", 1)
	}
	checkAddress(errs, p.Address, s.fullAddress())
	return p, errs
}

// addressFields are the address inputs of a form, filled with a.
func addressFields(a models.Address, errs fieldErrors) []addressField {
	return []addressField{
		{"address_line1", "Street address", "address-line1", a.Line1, errs["address_line1"]},
		{"address_line2", "Apartment, suite or floor (if any)", "address-line2", a.Line2, errs["address_line2"]},
		{"address_city", "Town or city", "address-level2", a.City, errs["address_city"]},
		{"address_state", "Province or state", "address-level1", a.State, errs["address_state"]},
		{"address_postal_code", "Postal code", "postal-code", a.PostalCode, errs["address_postal_code"]},
		{"address_country", "Country", "country-name", a.Country, errs["address_country"]},
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
func checkText(v string, max int, required bool) string {
	switch {
	case v == "" && required:
		return "Enter this."
	case !utf8.ValidString(v):
		return "This contains characters we cannot read."
	case utf8.RuneCountInString(v) > max:
		return fmt.Sprintf("This is too long (at most %d characters).", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return "This contains characters we cannot print."
		}
	}
	return ""
}
