package models

import "testing"

func TestUKPostcodeAndHouse(t *testing.T) {
	for in, want := range map[string]string{"s19 2bd": "S19 2BD", "SW1A1AA": "SW1A 1AA", " ec1a  1bb ": "EC1A 1BB", "M1 1AE": "M1 1AE",
		"12345": "", "SW1A 1A": "", "": "", "H2Y 1Z5": ""} {
		got, ok := UKPostcode(in)
		if got != want || ok != (want != "") {
			t.Errorf("UKPostcode(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for in, want := range map[string]string{"12A High Street": "12A", "3, Mill Lane": "3", "Rose Cottage, Mill Lane": "Rose Cottage",
		"Flat 4, 10 Downing St": "Flat 4, 10", "Flat 2, 10 High St": "Flat 2, 10", "flat 2b, Rose Court, Mill Lane": "flat 2b, Rose Court",
		"Apartment 7, 221B Baker Street": "Apartment 7, 221B", "Flat 2": "Flat 2", "Flatley House, Mill Lane": "Flatley House", "": ""} {
		if got := HouseOf(in); got != want {
			t.Errorf("HouseOf(%q) = %q, want %q", in, got, want)
		}
	}
	for _, c := range []struct {
		amount, limit int64
	}{{10000, 2500}, {4000, 1000}, {20000, 3000}, {100000, 7000}} {
		if got := giftAidLimit(c.amount); got != c.limit {
			t.Errorf("giftAidLimit(%d) = %d, want %d", c.amount, got, c.limit)
		}
	}
	decl := NewGiftAidDeclaration("A@B.com", "", "Ann", "Lee", Address{Line1: "1 Rue X", City: "Paris", PostalCode: "75001", Country: "FR"}, "The Ledger")
	if decl.Postcode != "X" || decl.Email != "a@b.com" {
		t.Errorf("a donor outside the UK: %+v", decl)
	}
}
