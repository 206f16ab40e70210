package config

import (
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/models"
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
	if c.Addr != "localhost:8080" || c.BaseURL.String() != "http://localhost:8080" || c.Currency != "usd" || c.DonationMin != 500 ||
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

// TestDemoRefusesEveryInterface: demo mode lets anyone pay pretend money
// and read its mailbox, so it refuses to listen beyond this machine unless
// DEMO=true says so; production's default listens everywhere.
func TestDemoRefusesEveryInterface(t *testing.T) {
	for _, addr := range []string{":8080", "0.0.0.0:8080", "[::]:8080", "192.0.2.10:8080"} {
		_, err := Load(func(k string) string { return map[string]string{"ADDR": addr, "BASE_URL": "http://localhost:8080"}[k] })
		if err == nil || !strings.Contains(err.Error(), "ADDR") || !strings.Contains(err.Error(), "DEMO=true") {
			t.Errorf("demo on %s: %v", addr, err)
		}
		if _, err := Load(func(k string) string {
			return map[string]string{"ADDR": addr, "BASE_URL": "http://localhost:8080", "DEMO": "true"}[k]
		}); err != nil {
			t.Errorf("demo on %s with DEMO=true: %v", addr, err)
		}
	}
	for _, addr := range []string{"localhost:9000", "127.0.0.1:0", "[::1]:8080"} {
		if _, err := Load(func(k string) string { return map[string]string{"ADDR": addr}[k] }); err != nil {
			t.Errorf("demo on %s: %v", addr, err)
		}
	}
	prod, err := Load(func(k string) string {
		return map[string]string{"APP_ENV": "production", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
			"SECRET_KEY": "c2a9f0e41b7d3856e0a4f9c1d27b8e63f0a1b2c3d4e5f60718293a4b5c6d7e8f", "BASE_URL": "https://give.example.org", "ORG_NAME": "The Ledger", "ORG_TAX_ID": "12-3456789"}[k]
	})
	if err != nil || prod.Addr != ":8080" {
		t.Fatalf("production default listener: %v %v", prod, err)
	}
}

func TestMembershipTiers(t *testing.T) {
	env := map[string]string{"MEMBERSHIP_TIERS": "Supporter|60||; Insider|120|Tote bag and events|25.50"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	want := []models.Tier{{Name: "Supporter", MinPerYear: 6000}, {Name: "Insider", MinPerYear: 12000, Description: "Tote bag and events", ValuePerYear: 2550}}
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

func TestWebhookSecrets(t *testing.T) {
	load := func(secret string) (*Config, error) {
		return Load(func(k string) string {
			return map[string]string{"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": secret}[k]
		})
	}
	c, err := load(" whsec_a , whsec_b,")
	if err != nil || strings.Join(c.StripeWebhookSecrets, "|") != "whsec_a|whsec_b" {
		t.Fatalf("secrets %q, %v", c.StripeWebhookSecrets, err)
	}
	for _, bad := range []string{",", " , ", "abc", "whsec_", "whsec_x,abc"} {
		_, err := load(bad)
		if err == nil || !strings.Contains(err.Error(), "STRIPE_WEBHOOK_SECRET") {
			t.Errorf("STRIPE_WEBHOOK_SECRET=%q accepted: %v", bad, err)
		}
	}
	if _, err := load("abc"); err == nil || !strings.Contains(err.Error(), "whsec_") {
		t.Errorf("the error must say secrets start with whsec_: %v", err)
	}
}

func TestPretendMoneyNeverLooksReal(t *testing.T) {
	load := func(env map[string]string) (*Config, error) { return Load(func(k string) string { return env[k] }) }
	// Demo mode on a public address only when asked for.
	if _, err := load(map[string]string{"BASE_URL": "https://give.example.org"}); err == nil || !strings.Contains(err.Error(), "DEMO=true") {
		t.Errorf("demo mode on a public BASE_URL: %v", err)
	}
	c, err := load(map[string]string{"BASE_URL": "https://give.example.org", "DEMO": "true"})
	if err != nil || !c.DemoMode() {
		t.Errorf("DEMO=true: %v", err)
	}
	for _, base := range []string{"http://localhost:8080", "http://127.0.0.1:9000", "http://[::1]:8080", "http://news.localhost"} {
		if c, err := load(map[string]string{"BASE_URL": base}); err != nil || !c.DemoMode() {
			t.Errorf("loopback %s: %v", base, err)
		}
	}
	prod := map[string]string{"APP_ENV": "production", "BASE_URL": "https://give.example.org", "SECRET_KEY": "c2a9f0e41b7d3856e0a4f9c1d27b8e63f0a1b2c3d4e5f60718293a4b5c6d7e8f",
		"STRIPE_WEBHOOK_SECRET": "whsec_x", "ORG_NAME": "The Ledger", "ORG_TAX_ID": "12-3456789"}
	for _, key := range []string{"sk_test_abc", "rk_test_abc"} {
		prod["STRIPE_SECRET_KEY"] = key
		if _, err := load(prod); err == nil || !strings.Contains(err.Error(), "test-mode key") {
			t.Errorf("production with %s: %v", key, err)
		}
	}
	prod["STRIPE_SECRET_KEY"] = "sk_live_abc"
	if _, err := load(prod); err != nil {
		t.Errorf("production with a live key: %v", err)
	}
	prod["DEMO"] = "true"
	if _, err := load(prod); err == nil || !strings.Contains(err.Error(), "DEMO") {
		t.Errorf("DEMO=true in production: %v", err)
	}
}

func TestBaseURLFollowsAddr(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:9000": "http://127.0.0.1:9000", ":9000": "http://localhost:9000", "0.0.0.0:9000": "http://localhost:9000",
		"[::]:9000": "http://localhost:9000", "": "http://localhost:8080",
	} {
		// DEMO=true: demo mode on every interface is refused without it.
		c, err := Load(func(k string) string { return map[string]string{"ADDR": addr, "DEMO": "true"}[k] })
		if err != nil || c.BaseURL.String() != want || !c.BaseURLFromAddr {
			t.Errorf("ADDR=%q: BASE_URL %v (%v), want %s", addr, c.BaseURL, err, want)
		}
	}
	c, err := Load(func(k string) string {
		return map[string]string{"ADDR": "localhost:9000", "BASE_URL": "http://localhost:7000"}[k]
	})
	if err != nil || c.BaseURL.String() != "http://localhost:7000" || c.BaseURLFromAddr {
		t.Errorf("a set BASE_URL wins: %v %v", c.BaseURL, err)
	}
}

// TestWeakProductionKeysRefused: in production a key must be worth 128
// bits to a guesser that tries patterns and words first; the message says
// how to make a good one.
func TestWeakProductionKeysRefused(t *testing.T) {
	prod := map[string]string{"APP_ENV": "production", "BASE_URL": "https://give.example.org", "STRIPE_SECRET_KEY": "sk_live_x",
		"STRIPE_WEBHOOK_SECRET": "whsec_x", "ORG_NAME": "The Ledger", "ORG_TAX_ID": "12-3456789"}
	for _, key := range []string{"abcdefghabcdefghabcdefghabcdefgh", "password1234password1234password1234",
		"0123456789abcdef0123456789abcdef", "correcthorsebatterystaplecorrecthorse"} {
		prod["SECRET_KEY"] = key
		_, err := Load(func(k string) string { return prod[k] })
		if err == nil || !strings.Contains(err.Error(), "SECRET_KEY") || !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Errorf("production with SECRET_KEY=%s: %v", key, err)
		}
	}
	prod["SECRET_KEY"] = "c2a9f0e41b7d3856e0a4f9c1d27b8e63f0a1b2c3d4e5f60718293a4b5c6d7e8f" // openssl rand -hex 32
	if _, err := Load(func(k string) string { return prod[k] }); err != nil {
		t.Fatalf("a random key: %v", err)
	}
}

func TestWeakSecretKeyRefused(t *testing.T) {
	for _, key := range []string{strings.Repeat("a", 40), strings.Repeat("ab", 20), strings.Repeat("abc123", 6)} {
		if _, err := Load(func(k string) string { return map[string]string{"SECRET_KEY": key}[k] }); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
			t.Errorf("SECRET_KEY=%q accepted: %v", key, err)
		}
	}
	if _, err := Load(func(k string) string {
		return map[string]string{"SECRET_KEY": "c2a9f0e41b7d3856e0a4f9c1d27b8e63f0a1b2c3d4e5f60718293a4b5c6d7e8f"}[k]
	}); err != nil {
		t.Errorf("a random hex key: %v", err)
	}
}

func TestMetricsSettings(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil || c.MetricsAddr != "127.0.0.1:9740" || c.MetricsToken != "" {
		t.Fatalf("metrics defaults: %q %q %v", c.MetricsAddr, c.MetricsToken, err)
	}
	c, err = Load(func(k string) string { return map[string]string{"METRICS_ADDR": "off"}[k] })
	if err != nil || c.MetricsAddr != "" {
		t.Fatalf("METRICS_ADDR=off: %q %v", c.MetricsAddr, err)
	}
	for bad, name := range map[string]string{"METRICS_ADDR=9090": "METRICS_ADDR", "METRICS_TOKEN=short": "METRICS_TOKEN"} {
		k, v, _ := strings.Cut(bad, "=")
		if _, err := Load(func(x string) string { return map[string]string{k: v}[x] }); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
}

// TestProductionGuardGaps: a metrics listener other machines can reach
// needs the token, and a production form is framed only by https pages.
func TestProductionGuardGaps(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:9090", ":9090", "192.0.2.7:9090"} {
		_, err := Load(func(k string) string { return map[string]string{"METRICS_ADDR": addr}[k] })
		if err == nil || !strings.Contains(err.Error(), "METRICS_TOKEN") {
			t.Errorf("METRICS_ADDR=%s without a token: %v", addr, err)
		}
		c, err := Load(func(k string) string {
			return map[string]string{"METRICS_ADDR": addr, "METRICS_TOKEN": "3c9a0f1b7e5d42a8b6c1e0f9d8a7b6c5"}[k]
		})
		if err != nil || !c.MetricsNeedToken() {
			t.Errorf("METRICS_ADDR=%s with a token: %v", addr, err)
		}
	}
	if c, _ := Load(func(string) string { return "" }); c.MetricsNeedToken() {
		t.Error("the loopback default asks for a token")
	}
	prod := map[string]string{"APP_ENV": "production", "BASE_URL": "https://give.example.org", "STRIPE_SECRET_KEY": "sk_live_x",
		"STRIPE_WEBHOOK_SECRET": "whsec_x", "ORG_NAME": "The Ledger", "ORG_TAX_ID": "12-3456789",
		"SECRET_KEY": "c2a9f0e41b7d3856e0a4f9c1d27b8e63f0a1b2c3d4e5f60718293a4b5c6d7e8f", "FRAME_ANCESTORS": "https://www.example.org http://news.example.org"}
	if _, err := Load(func(k string) string { return prod[k] }); err == nil || !strings.Contains(err.Error(), `"http://news.example.org" must be https`) {
		t.Errorf("an http frame ancestor in production: %v", err)
	}
	prod["FRAME_ANCESTORS"] = "https://www.example.org"
	if _, err := Load(func(k string) string { return prod[k] }); err != nil {
		t.Errorf("https frame ancestor in production: %v", err)
	}
}

func TestSettingsThatPrintInvalidReceiptsAreRefused(t *testing.T) {
	ca := map[string]string{"RECEIPT_RULES": "ca", "CURRENCY": "cad", "ORG_ADDRESS": "12 Rue Saint-Paul, Montréal QC H2Y 1Z5",
		"ORG_TAX_ID": "123456789RR0001", "RECEIPT_PLACE_OF_ISSUE": "Montréal, Québec", "RECEIPT_SIGNATORY": "Jeanne Trésorière"}
	load := func(base map[string]string, k, v string) error {
		env := map[string]string{}
		for a, b := range base {
			env[a] = b
		}
		env[k] = v
		_, err := Load(func(x string) string { return env[x] })
		return err
	}
	if err := load(ca, "DATA_DIR", "./data"); err != nil {
		t.Fatalf("valid ca settings: %v", err)
	}
	for _, c := range []struct{ k, v, name string }{
		{"ORG_ADDRESS", "", "ORG_ADDRESS"}, {"ORG_TAX_ID", "12-3456789", "ORG_TAX_ID"}, {"ORG_TAX_ID", "123456789RC0001", "ORG_TAX_ID"},
		{"CURRENCY", "usd", "CURRENCY"},
	} {
		if err := load(ca, c.k, c.v); err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("ca with %s=%q: %v", c.k, c.v, err)
		}
	}
	prod := map[string]string{"APP_ENV": "production", "BASE_URL": "https://give.example.org", "SECRET_KEY": "c2a9f0e41b7d3856e0a4f9c1d27b8e63f0a1b2c3d4e5f60718293a4b5c6d7e8f",
		"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x", "ORG_NAME": "The Ledger", "ORG_TAX_ID": "12-3456789"}
	if err := load(prod, "RECEIPT_RULES", "us"); err != nil {
		t.Fatalf("valid us production settings: %v", err)
	}
	for _, c := range []struct{ k, v, name string }{{"ORG_NAME", "", "ORG_NAME"}, {"ORG_TAX_ID", "", "ORG_TAX_ID"}} {
		if err := load(prod, c.k, c.v); err == nil || !strings.Contains(err.Error(), c.name) {
			t.Errorf("us production with %s=%q: %v", c.k, c.v, err)
		}
	}
	for _, tiers := range []string{"Insider|120|Tote bag|", "Insider|120|Tote bag|0", "Insider|120||25"} {
		if err := load(nil, "MEMBERSHIP_TIERS", tiers); err == nil || !strings.Contains(err.Error(), "MEMBERSHIP_TIERS") {
			t.Errorf("tiers %q accepted: %v", tiers, err)
		}
	}
}

// TestPaperAndDateStyleSettings: empty leaves the choice to each
// document's rule set; a value must be one the renderer knows.
func TestPaperAndDateStyleSettings(t *testing.T) {
	c, err := Load(func(k string) string { return map[string]string{"PAPER_SIZE": "a4", "DATE_STYLE": "day-month"}[k] })
	if err != nil || c.Paper != "a4" || c.DateStyle != "day-month" || c.Documents().Paper != "a4" || c.Documents().DateStyle != "day-month" {
		t.Fatalf("set: %+v %v", c, err)
	}
	if c, err := Load(func(string) string { return "" }); err != nil || c.Paper != "" || c.DateStyle != "" {
		t.Fatalf("unset: %v", err)
	}
	for k, v := range map[string]string{"PAPER_SIZE": "legal", "DATE_STYLE": "iso"} {
		if _, err := Load(func(x string) string { return map[string]string{k: v}[x] }); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s accepted: %v", k, v, err)
		}
	}
}

// TestTaxRecordYears: a newsroom may keep erased donors' tax records
// longer than the law asks, never shorter; the store receives it.
func TestTaxRecordYears(t *testing.T) {
	load := func(years string) (*Config, error) {
		return Load(func(k string) string { return map[string]string{"TAX_RECORD_YEARS": years, "DATA_DIR": t.TempDir()}[k] })
	}
	if _, err := load("3"); err == nil || !strings.Contains(err.Error(), "TAX_RECORD_YEARS") || !strings.Contains(err.Error(), "at least the law's 7") {
		t.Fatalf("three years under US rules: %v", err)
	}
	c, err := load("10")
	if err != nil || c.Receipts().RetentionYears != 10 {
		t.Fatalf("ten years: %+v %v", c, err)
	}
}

// TestLanguageSettings: the default language, bilingual receipts (two
// languages, Canadian rules only) and each language's own appeal.
func TestLanguageSettings(t *testing.T) {
	env := func(kv ...string) Getenv {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := Load(env())
	if err != nil || c.DefaultLanguage != "en" || c.ReceiptLanguages != nil || c.Catalog == nil || c.Catalog.Default() != "en" {
		t.Fatalf("defaults: %v %+v", err, c)
	}
	c, err = Load(env("DEFAULT_LANGUAGE", "fr", "APPEAL_TEXT", "Votre don", "APPEAL_TEXT_ES", "Su donación", "THANK_YOU_TEXT_EN", "Thanks"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Catalog.Default() != "fr" || c.Brand.AppealIn("es") != "Su donación" || c.Brand.AppealIn("en") != "Votre don" ||
		c.Brand.AppealIn("fr") != "Votre don" || c.Brand.ThankYouIn("en") != "Thanks" || c.Brand.ThankYouIn("fr") != "" {
		t.Errorf("per-language texts: %+v", c.Brand)
	}
	c, err = Load(env("RECEIPT_RULES", "ca", "CURRENCY", "cad", "ORG_TAX_ID", "123456789RR0001", "RECEIPT_PLACE_OF_ISSUE", "Montréal, QC",
		"RECEIPT_SIGNATORY", "A. Tremblay", "ORG_ADDRESS", "1 rue X", "RECEIPT_LANGUAGES", "en, fr"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.ReceiptLanguages, ",") != "en,fr" || c.Region() != "CA" {
		t.Errorf("bilingual: %v %s", c.ReceiptLanguages, c.Region())
	}
	for _, bad := range [][]string{
		{"DEFAULT_LANGUAGE", "de"},
		{"RECEIPT_LANGUAGES", "en,de"},
		{"RECEIPT_LANGUAGES", "en,en"},
		{"RECEIPT_LANGUAGES", "en,fr"}, // US rules: one language per receipt
		{"RECEIPT_LANGUAGES", "en,fr,es", "RECEIPT_RULES", "ca"},
	} {
		_, err := Load(env(bad...))
		if err == nil || !strings.Contains(err.Error(), bad[0]) {
			t.Errorf("%v: %v, want an error naming %s", bad, err, bad[0])
		}
	}
}

func TestMemoryLimitSetting(t *testing.T) {
	for raw, want := range map[string]int64{"": 64 << 20, "off": 0, "0": 0, "200MiB": 200 << 20, "1GiB": 1 << 30, "100MB": 100_000_000} {
		c, err := Load(func(k string) string { return map[string]string{"MEMORY_LIMIT": raw}[k] })
		if err != nil || c.MemoryLimit != want {
			t.Errorf("MEMORY_LIMIT=%q: %d, want %d (%v)", raw, c.MemoryLimit, want, err)
		}
	}
	for _, raw := range []string{"lots", "8MiB", "-5MiB"} {
		_, err := Load(func(k string) string { return map[string]string{"MEMORY_LIMIT": raw}[k] })
		if err == nil || !strings.Contains(err.Error(), "MEMORY_LIMIT") || !strings.Contains(err.Error(), "64MiB") {
			t.Errorf("MEMORY_LIMIT=%q accepted: %v", raw, err)
		}
	}
}
