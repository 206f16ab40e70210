package locale

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func catalog(t *testing.T, def, region string) *Catalog {
	t.Helper()
	c, err := New(def, region)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every language holds exactly English's keys: a missing one would show
// English in the middle of a French page, an extra one is a typo.
func TestEveryLanguageHasEnglishKeys(t *testing.T) {
	c := catalog(t, "en", "US")
	en := c.Keys("en")
	if len(en) < 50 {
		t.Fatalf("English has %d keys; the message file did not load", len(en))
	}
	for _, l := range Languages[1:] {
		keys := c.Keys(l)
		for _, k := range en {
			if !slices.Contains(keys, k) {
				t.Errorf("%s lacks %q", l, k)
			}
		}
		for _, k := range keys {
			if !slices.Contains(en, k) {
				t.Errorf("%s has %q, which English lacks", l, k)
			}
		}
	}
}

// A translation that is the English text unchanged is a key nobody
// translated, unless it is a word both languages share.
func TestTranslationsDifferFromEnglish(t *testing.T) {
	c := catalog(t, "en", "US")
	same := map[string]bool{"wait.minutes": true} // "minutes" is French too
	for _, k := range c.Keys("en") {
		en := c.Printer("en").T(k)
		for _, l := range Languages[1:] {
			if got := c.Printer(l).T(k); got == en && len(en) > 12 && !same[k] {
				t.Errorf("%s %q is still English: %q", l, k, got)
			}
		}
	}
}

func TestMoneyPerLanguage(t *testing.T) {
	nb := "\u00a0"
	cases := []struct {
		lang, region, currency string
		minor                  int64
		want                   string
	}{
		{"en", "US", "usd", 123456, "$1,234.56"},
		{"en", "CA", "cad", 123456, "CA$1,234.56"},
		{"fr", "CA", "cad", 123456, "1" + nb + "234,56" + nb + "$"},
		{"fr", "CA", "usd", 123456, "1" + nb + "234,56" + nb + "$" + nb + "US"},
		{"fr", "FR", "eur", 123456, "1" + nb + "234,56" + nb + "€"},
		{"es", "US", "usd", 123456, "$1,234.56"},
		{"es", "ES", "eur", 123456, "1.234,56" + nb + "€"},
		{"es", "GB", "gbp", 2550, "25,50" + nb + "£"},
		{"fr", "CA", "cad", -500, "-5,00" + nb + "$"},
		{"fr", "CA", "jpy", 1200, "1" + nb + "200" + nb + "¥"},
		{"fr", "CA", "chf", 1200, "12,00" + nb + "CHF"},
	}
	for _, tc := range cases {
		if got := catalog(t, "en", tc.region).Printer(tc.lang).Money(tc.minor, tc.currency); got != tc.want {
			t.Errorf("%s-%s %d %s = %q, want %q", tc.lang, tc.region, tc.minor, tc.currency, got, tc.want)
		}
	}
	if got := catalog(t, "en", "CA").Printer("fr").Amount(2550, "cad"); got != "25,50" {
		t.Errorf("French amount in a field = %q, want 25,50", got)
	}
}

func TestDatesPerLanguage(t *testing.T) {
	c := catalog(t, "en", "CA")
	d := time.Date(2026, time.December, 4, 12, 0, 0, 0, time.UTC)
	first := time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ lang, got, want string }{
		{"en", c.Printer("en").Date(d), "December 4, 2026"},
		{"en", c.Printer("en").DateDayFirst(d), "4 December 2026"},
		{"fr", c.Printer("fr").Date(d), "4 décembre 2026"},
		{"fr", c.Printer("fr").Date(first), "1er janvier 2026"},
		{"es", c.Printer("es").Date(d), "4 de diciembre de 2026"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.lang, tc.got, tc.want)
		}
	}
}

// The order a language is chosen in: the donor's click, their stored
// preference, their browser, the site.
func TestChooseOrder(t *testing.T) {
	c := catalog(t, "fr", "CA")
	for _, tc := range []struct{ chosen, stored, accept, want string }{
		{"es", "en", "fr-CA", "es"},
		{"", "es", "en-US,en;q=0.9", "es"},
		{"", "", "es-MX,es;q=0.9,en;q=0.5", "es"},
		{"", "", "en-GB", "en"},
		{"", "", "de-DE", "fr"},
		{"", "", "", "fr"},
		{"xx", "yy", "zz;q=x", "fr"},
	} {
		if got := c.Choose(tc.chosen, tc.stored, tc.accept); got != tc.want {
			t.Errorf("Choose(%q, %q, %q) = %q, want %q", tc.chosen, tc.stored, tc.accept, got, tc.want)
		}
	}
	if _, err := New("de", "US"); err == nil {
		t.Error("a default language the server does not speak was accepted")
	}
}

// Plural rules are each language's: French counts 0 and 1 as one.
func TestPlurals(t *testing.T) {
	c := catalog(t, "en", "US")
	for _, tc := range []struct {
		lang  string
		count int
		want  string
	}{
		{"en", 1, "1 gift"}, {"en", 0, "0 gifts"}, {"en", 1200, "1,200 gifts"},
		{"fr", 0, "0 don"}, {"fr", 1, "1 don"}, {"fr", 2, "2 dons"}, {"fr", 1200, "1\u00a0200 dons"},
		{"es", 1, "1 donación"}, {"es", 3, "3 donaciones"},
	} {
		if got := c.Printer(tc.lang).N("count.gifts", tc.count); !strings.EqualFold(got, tc.want) {
			t.Errorf("%s %d: %q, want %q", tc.lang, tc.count, got, tc.want)
		}
	}
	if got := c.Printer("fr").T("no.such.key"); got != "no.such.key" {
		t.Errorf("a missing key came back as %q", got)
	}
}

// An amount as each language types it reads as the same number, and a
// French reader who types "25.50" gives 25.50, not 2,550.
func TestCanonicalAmounts(t *testing.T) {
	c := catalog(t, "en", "CA")
	fr, en := c.Printer("fr"), c.Printer("en")
	for _, tc := range []struct {
		p          *Printer
		typed, out string
	}{
		{fr, "25,50", "25.50"}, {fr, "1 234,50", "1234.50"}, {fr, "1\u00a0234,50 $", "1234.50$"}, {fr, "1.234,50", "1234.50"},
		{fr, "25.50", "25.50"}, {fr, "1.000", "1000"}, {fr, "25", "25"},
		{en, "1,234.50", "1,234.50"},
	} {
		if got := tc.p.Canonical(tc.typed, "cad"); got != tc.out {
			t.Errorf("%s %q → %q, want %q", tc.p.Lang(), tc.typed, got, tc.out)
		}
	}
	if fr.Decimal("2.9") != "2,9" || en.Decimal("2.9") != "2.9" {
		t.Error("decimal marks")
	}
}

// A models message a donor reads comes in their language when the
// catalog knows it, and as it is otherwise.
func TestKnownEnglish(t *testing.T) {
	c := catalog(t, "en", "US")
	if got := c.Printer("fr").Known("There is no such receipt."); got != "Ce reçu n'existe pas." {
		t.Errorf("known: %q", got)
	}
	if got := c.Printer("es").Known("Something else."); got != "Something else." {
		t.Errorf("unknown: %q", got)
	}
}
