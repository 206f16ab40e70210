package money

import (
	"errors"
	"testing"
)

func TestParseMajor(t *testing.T) {
	cases := []struct {
		in, cur string
		want    int64
		err     error
	}{
		{"25", "usd", 2500, nil},
		{"25.00", "usd", 2500, nil},
		{"25.5", "usd", 2550, nil},
		{"1,000", "usd", 100000, nil},
		{"1,000.99", "usd", 100099, nil},
		{" $12.50 ", "usd", 1250, nil},
		{".50", "usd", 50, nil},
		{"25.000", "usd", 2500, nil},
		{"1000", "jpy", 1000, nil},
		{"", "usd", 0, ErrEmpty},
		{"abc", "usd", 0, ErrMalformed},
		{"1,00", "usd", 0, ErrMalformed},
		{"1.2.3", "usd", 0, ErrMalformed},
		{"-5", "usd", 0, ErrNegative},
		{"- 5", "usd", 0, ErrNegative},
		{"£20", "gbp", 2000, nil},
		{"20 €", "eur", 2000, nil},
		{"1e3", "usd", 0, ErrMalformed},
		{"25.001", "usd", 0, ErrPrecision},
		{"25.5", "jpy", 0, ErrPrecision},
		{"9999999999999", "usd", 0, ErrTooLarge},
	}
	// Another currency's sign is refused, not read as the form's own.
	for _, c := range [][2]string{{"€20", "usd"}, {"20€", "usd"}, {"£5", "eur"}, {"$5", "gbp"}} {
		var other *OtherCurrencyError
		if _, err := ParseMajor(c[0], c[1]); !errors.As(err, &other) {
			t.Errorf("ParseMajor(%q, %s): %v, want another currency", c[0], c[1], err)
		}
	}
	for _, c := range cases {
		got, err := ParseMajor(c.in, c.cur)
		if !errors.Is(err, c.err) || got != c.want {
			t.Errorf("ParseMajor(%q, %s) = %d, %v; want %d, %v", c.in, c.cur, got, err, c.want, c.err)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		minor         int64
		cur           string
		plain, people string
	}{
		{1250, "usd", "12.50", "$12.50"},
		{5, "usd", "0.05", "$0.05"},
		{0, "usd", "0.00", "$0.00"},
		{123456789, "usd", "1234567.89", "$1,234,567.89"},
		{1000, "jpy", "1000", "¥1,000"},
		{250000, "chf", "2500.00", "2,500.00 CHF"},
	}
	for _, c := range cases {
		if got := FormatMajor(c.minor, c.cur); got != c.plain {
			t.Errorf("FormatMajor(%d, %s) = %q, want %q", c.minor, c.cur, got, c.plain)
		}
		if got := Display(c.minor, c.cur); got != c.people {
			t.Errorf("Display(%d, %s) = %q, want %q", c.minor, c.cur, got, c.people)
		}
	}
}

func TestCoverAmount(t *testing.T) {
	f, err := ParseFee("2.9", "0.30", "usd")
	if err != nil {
		t.Fatal(err)
	}
	if f.BasisPoints != 290 || f.FixedMinor != 30 {
		t.Fatalf("ParseFee = %+v", f)
	}
	// $25 gift: total = ceil(2530/0.971) = 2606 cents, so the cover is 106.
	if got := f.CoverAmount(2500); got != 106 {
		t.Errorf("CoverAmount(2500) = %d, want 106", got)
	}
	// The newsroom must receive at least the whole gift after the fee.
	for gift := int64(100); gift < 1_000_000; gift += 977 {
		total := gift + f.CoverAmount(gift)
		fee := (total*f.BasisPoints+9999)/10000 + f.FixedMinor
		if total-fee < gift-1 {
			t.Fatalf("gift %d: total %d leaves %d after fee %d", gift, total, total-fee, fee)
		}
	}
	for _, bad := range [][2]string{{"abc", "0.30"}, {"100", "0.30"}, {"2.9", "x"}, {"2.999", "0.30"}} {
		if _, err := ParseFee(bad[0], bad[1], "usd"); err == nil {
			t.Errorf("ParseFee(%q, %q) accepted", bad[0], bad[1])
		}
	}
}

// FuzzParseMajor: any text either parses to an amount that prints back to
// the same value, or is refused with one of our errors; never a panic.
func FuzzParseMajor(f *testing.F) {
	for _, s := range []string{"25", "25.00", "1,000", "$1,000.99", "", "abc", "1e9", "-5", "９９", "0.001", "99999999999999999999"} {
		f.Add(s, "usd")
	}
	f.Add("1000", "jpy")
	f.Fuzz(func(t *testing.T, s, cur string) {
		v, err := ParseMajor(s, cur)
		if err != nil {
			if v != 0 {
				t.Fatalf("error %v with value %d", err, v)
			}
			return
		}
		if v < 0 {
			t.Fatalf("negative amount %d from %q", v, s)
		}
		back, err := ParseMajor(FormatMajor(v, cur), cur)
		if err != nil || back != v {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, v, FormatMajor(v, cur), back, err)
		}
	})
}

func TestSupportedCurrencies(t *testing.T) {
	for _, c := range []string{"usd", "eur", "cad", "gbp", "jpy", "krw"} {
		if !Supported(c) {
			t.Errorf("%s not supported", c)
		}
	}
	for _, c := range []string{"", "USD", "zzz", "<b>", "us", "usdd", "kwd", "x\x00y"} {
		if Supported(c) {
			t.Errorf("%q supported", c)
		}
	}
}

// TestConvert: Stripe's exchange_rate is per major unit, so converting
// between currencies with different decimals scales, and rounds half away
// from zero in exact arithmetic.
func TestConvert(t *testing.T) {
	for _, c := range []struct {
		minor      int64
		from, rate string
		to         string
		want       int64
	}{
		{1000, "eur", "1.234", "usd", 1234},  // Stripe's own example
		{5000, "usd", "1.3712", "cad", 6856}, // 68.56
		{5000, "jpy", "0.009", "cad", 4500},  // ¥5,000 → CA$45.00
		{4500, "cad", "111.1111", "jpy", 5000},
		{1, "usd", "1.5", "cad", 2},   // 1.5 rounds up
		{-1, "usd", "1.5", "cad", -2}, // and away from zero
		{3333, "gbp", "1.70015", "cad", 5667},
	} {
		got, err := Convert(c.minor, c.from, c.rate, c.to)
		if err != nil || got != c.want {
			t.Errorf("Convert(%d %s at %s to %s) = %d, %v; want %d", c.minor, c.from, c.rate, c.to, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "0", "-1.2", "abc", "1/0"} {
		if _, err := Convert(100, "usd", bad, "cad"); err == nil {
			t.Errorf("rate %q accepted", bad)
		}
	}
}
