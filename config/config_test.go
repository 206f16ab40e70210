package config

import (
	"strings"
	"testing"
	"time"
)

func TestFiscalYear(t *testing.T) {
	july := MonthDay{Month: time.July, Day: 1}
	jan := MonthDay{Month: time.January, Day: 1}
	ny, _ := time.LoadLocation("America/New_York")
	cases := []struct {
		md   MonthDay
		at   time.Time
		loc  *time.Location
		want int
	}{
		{jan, time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), time.UTC, 2026},
		{july, time.Date(2026, 6, 30, 23, 59, 0, 0, time.UTC), time.UTC, 2026},
		{july, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.UTC, 2027},
		// 03:00 UTC on 1 January is still New Year's Eve in New York.
		{jan, time.Date(2027, 1, 1, 3, 0, 0, 0, time.UTC), ny, 2026},
	}
	for _, c := range cases {
		if got := c.md.FiscalYear(c.at, c.loc); got != c.want {
			t.Errorf("%v FiscalYear(%s in %s) = %d, want %d", c.md, c.at, c.loc, got, c.want)
		}
	}
	from, to := july.Bounds(2027, time.UTC)
	if !from.Equal(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)) || !to.Equal(time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Bounds(2027) = %s .. %s", from, to)
	}
}

func TestDefaultsAndDemoMode(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.BaseURL.String() != "http://localhost:8080" || c.Currency != "usd" || c.DonationMin != 500 ||
		c.DonationMax != 2500000 || len(c.PresetAmounts) != 5 || c.Fee.BasisPoints != 290 || c.Fee.FixedMinor != 30 ||
		!c.DemoMode() || c.SQLitePath() != "data/donations.db" {
		t.Fatalf("defaults: %+v", c)
	}
	withKey, err := Load(func(k string) string {
		return map[string]string{"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}[k]
	})
	if err != nil || withKey.DemoMode() {
		t.Fatalf("a Stripe key must turn demo mode off: %v", err)
	}
	_, err = Load(func(k string) string { return map[string]string{"APP_ENV": "production"}[k] })
	if err == nil || !strings.Contains(err.Error(), "STRIPE_SECRET_KEY") {
		t.Fatalf("production without keys: %v", err)
	}
}

func TestMembershipTiers(t *testing.T) {
	env := map[string]string{"MEMBERSHIP_TIERS": "Supporter|60||; Insider|120|Tote bag and events|25.50"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := []Tier{{"Supporter", 6000, "", 0}, {"Insider", 12000, "Tote bag and events", 2550}}
	if len(c.Tiers) != 2 || c.Tiers[0] != want[0] || c.Tiers[1] != want[1] {
		t.Fatalf("tiers = %+v", c.Tiers)
	}
	for _, bad := range []string{"Gold|abc|x|1", "Gold|10|x", "|10|x|1"} {
		if _, err := Load(func(k string) string { return map[string]string{"MEMBERSHIP_TIERS": bad}[k] }); err == nil || !strings.Contains(err.Error(), "MEMBERSHIP_TIERS") {
			t.Errorf("tiers %q accepted: %v", bad, err)
		}
	}
	if c.ReconcileEvery != time.Hour || c.ReconcileWindow != 72*time.Hour {
		t.Errorf("reconcile defaults: every %s over %s", c.ReconcileEvery, c.ReconcileWindow)
	}
}

func TestCaptchaAndEmbeddingSettings(t *testing.T) {
	load := func(env map[string]string) (*Config, error) { return Load(func(k string) string { return env[k] }) }
	c, err := load(map[string]string{"CAPTCHA_PROVIDER": "hcaptcha", "CAPTCHA_SITE_KEY": "pub", "CAPTCHA_SECRET_KEY": "sec",
		"FRAME_ANCESTORS": "'self' https://www.example.org/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Captcha.VerifyURL != "https://api.hcaptcha.com/siteverify" || !c.Captcha.Enabled() ||
		strings.Join(c.FrameAncestors, " ") != "'self' https://www.example.org" {
		t.Fatalf("captcha %+v, frame ancestors %q", c.Captcha, c.FrameAncestors)
	}
	for bad, name := range map[string]string{
		"CAPTCHA_PROVIDER=recaptcha":               "CAPTCHA_PROVIDER",
		"CAPTCHA_PROVIDER=turnstile":               "CAPTCHA_SITE_KEY",
		"FRAME_ANCESTORS=www.example.org":          "FRAME_ANCESTORS",
		"FRAME_ANCESTORS=https://x.org;script-src": "FRAME_ANCESTORS",
		"DONATE_EMAIL_PER_HOUR=0":                  "DONATE_EMAIL_PER_HOUR",
	} {
		k, v, _ := strings.Cut(bad, "=")
		if _, err := load(map[string]string{k: v}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming %s", bad, err, name)
		}
	}
}
