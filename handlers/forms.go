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
// address_* fields: each part must be printable, and a partial address is
// no use on a receipt, so it is all or nothing.
func checkAddress(errs fieldErrors, a models.Address) {
	for field, v := range map[string]string{
		"address_line1": a.Line1, "address_city": a.City,
		"address_postal_code": a.PostalCode, "address_country": a.Country,
	} {
		if msg := checkText(v, maxAddressLen, false); msg != "" {
			errs[field] = msg
		}
	}
	if a.Line1 != "" || a.City != "" || a.PostalCode != "" || a.Country != "" {
		if a.Line1 == "" && errs["address_line1"] == "" {
			errs["address_line1"] = "Enter the street address, or leave the whole address empty."
		}
		if a.City == "" && errs["address_city"] == "" {
			errs["address_city"] = "Enter the town or city, or leave the whole address empty."
		}
		if a.Country == "" && errs["address_country"] == "" {
			errs["address_country"] = "Enter the country, or leave the whole address empty."
		}
	}
}

// profileForm reads a name and address posted from a profile form.
func profileForm(c *gin.Context) (models.DonorProfile, fieldErrors) {
	p := models.DonorProfile{Name: strings.TrimSpace(c.PostForm("name")), Address: models.Address{
		Line1: strings.TrimSpace(c.PostForm("address_line1")), City: strings.TrimSpace(c.PostForm("address_city")),
		PostalCode: strings.TrimSpace(c.PostForm("address_postal_code")), Country: strings.TrimSpace(c.PostForm("address_country")),
	}}
	errs := fieldErrors{}
	if msg := checkText(p.Name, maxNameLen, true); msg != "" {
		errs["name"] = strings.Replace(msg, "this", "the name", 1)
	}
	checkAddress(errs, p.Address)
	return p, errs
}

// addressFields are the address inputs of a form, filled with a.
func addressFields(a models.Address, errs fieldErrors) []addressField {
	return []addressField{
		{"address_line1", "Street address", "address-line1", a.Line1, errs["address_line1"]},
		{"address_city", "Town or city", "address-level2", a.City, errs["address_city"]},
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
