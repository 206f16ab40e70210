// Package config reads the server's settings from the environment (and a
// .env file when present) into one typed struct, validated once at start.
// Nothing else reads the environment; the struct is passed down explicitly.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/joho/godotenv"
	"github.com/trustelem/zxcvbn"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// Config is every setting the server and its commands use.
type Config struct {
	Addr    string
	BaseURL *url.URL
	// BaseURLFromAddr: BASE_URL was not set, so it follows ADDR (outside
	// production); serve fills in the port once it listens on port 0.
	BaseURLFromAddr bool
	Env             string // "development" or "production"
	// Demo is DEMO=true: demo mode on a BASE_URL that is not loopback.
	Demo bool

	// MetricsAddr is where /metrics listens, apart from the public site
	// ("" when METRICS_ADDR=off); MetricsToken, when set, also serves it on
	// the main address to requests bearing it.
	MetricsAddr  string
	MetricsToken string

	DatabaseURL string // Postgres URL; empty means the embedded SQLite file
	DataDir     string

	StripeSecretKey string
	// StripeWebhookSecrets are the endpoint signing secrets (several during
	// a rotation), each a non-empty whsec_ value: an empty key would make
	// any body "verify".
	StripeWebhookSecrets []string
	StripeAPIBase        string
	// StripePortalConfiguration is the Customer Portal configuration the
	// donor page opens (made by `donations stripe setup`); "": the default.
	StripePortalConfiguration string
	PrivacyURL, TermsURL      string
	// Brand: the newsroom's logo, colour, site and appeal on its pages.
	Brand Brand

	Org models.Org

	Currency        string
	FiscalYearStart MonthDay
	Location        *time.Location
	ReceiptPrefix   string
	ReceiptRules    string // us, ca, uk or generic
	PlaceOfIssue    string
	Signatory       string
	// SignatureImage is RECEIPT_SIGNATURE_IMAGE's PNG, drawn above the
	// signatory's name on Canadian receipts.
	SignatureImage []byte

	DonationMin   int64 // minor units
	DonationMax   int64 // minor units
	PresetAmounts []int64
	Fee           money.Fee

	SecretKey       []byte // authenticates CSRF cookies; random per process when unset in development
	SecretGenerated bool

	DonateRatePerMinute int
	DonateRateBurst     int
	DonateEmailPerHour  int // checkouts one email may start per hour, after a burst
	DonateEmailBurst    int
	TrustedProxies      []string
	Challenge           Challenge
	Captcha             Captcha
	FrameAncestors      []string // origins that may embed the donate form; empty: none
	// NewsOrigins are the news site's origins: a gift's article address is
	// kept only when it is on one of them (else "other").
	NewsOrigins []string

	Tiers []models.Tier

	SMTPURL      string // empty: emails are kept as unsent
	MailFrom     string
	ContactEmail string

	ReconcileEvery  time.Duration // 0: the server does not reconcile by itself
	ReconcileWindow time.Duration

	// RenewalNoticeDays is how long before a yearly membership renews its
	// member is told (0: never); RenewalCheckEvery is how often the
	// server looks for memberships that are due a notice.
	RenewalNoticeDays int
	RenewalCheckEvery time.Duration
	// MonthlyReminder: monthly members are also reminded once a year, as
	// their membership's anniversary nears, of what they give.
	MonthlyReminder bool

	// JobRescueAfter is how long a background job may stay running before
	// another instance takes it for the work of a dead one and runs it
	// again (an export whose server was killed resumes after this). Each
	// export may run for nine tenths of it.
	JobRescueAfter time.Duration
	// InactiveDonorYears: the retention job erases donors with no gift for
	// this many years and no membership running (0: never). Its default
	// is the rule set's retention of tax records.
	InactiveDonorYears int
	// TaxRecordYears: how long an erased donor's receipts and Gift Aid
	// declarations are kept after their fiscal year (0: the rule set's).
	TaxRecordYears int
	// ShutdownDrain is how long a stopping server keeps serving while
	// /readyz says "draining", so a load balancer that checks it sends new
	// requests to the other instances first (0: stop at once).
	ShutdownDrain time.Duration

	// DefaultLanguage is the language of a visitor who has not chosen one
	// and whose browser asks for none the server speaks (DEFAULT_LANGUAGE).
	DefaultLanguage string
	// ReceiptLanguages, when it names two languages (RECEIPT_LANGUAGES=en,fr),
	// prints each Canadian receipt in both at once; empty: each receipt in
	// its donor's language.
	ReceiptLanguages []string
	// OutboundAllowLoopback lets outbound events go to a receiver on this
	// machine (OUTBOUND_ALLOW_LOOPBACK=true: an n8n beside a development
	// server, and the tests). Never in production.
	OutboundAllowLoopback bool
	// Catalog is the donor-facing words in every language, and how each
	// writes money and dates in this newsroom's country.
	Catalog *locale.Catalog

	// Paper and DateStyle override the documents' rule-set choice: ""
	// (the rule set's), "letter" or "a4"; "month-day" or "day-month".
	Paper, DateStyle string

	LogLevel  string
	LogFormat string

	// MemoryLimit is the Go runtime's soft memory limit in bytes
	// (MEMORY_LIMIT, default 64 MiB; 0: none). The collector otherwise
	// lets the heap grow to twice what is live before it runs, which on
	// the statements job was 136 MB of RSS for 45 MB live; under the limit
	// it collects sooner, and past it, it never starves the server of more
	// than half its CPU. GOMEMLIMIT in the environment wins over it.
	MemoryLimit int64
}

// Challenge is the self-hosted proof of work asked of every form that
// starts a Checkout Session, and the site-wide limits around it. All of it
// is counted in the database, so every instance shares one budget.
type Challenge struct {
	// Off: no proof of work (the per-IP and per-email limits still hold).
	Off bool
	// NoJSPerHour is how many checkouts may start in an hour, across the
	// whole site, from forms sent without a solved challenge (a reader
	// without JavaScript, or a bot that does not solve).
	NoJSPerHour int
	// The circuit breaker trips when the Checkout Sessions started in the
	// last minute reach BreakerFactor times the normal rate of the past
	// week, and never below BreakerMinPerMinute.
	BreakerFactor       int
	BreakerMinPerMinute int
}

// Captcha is the optional human check on the donate form: Cloudflare
// Turnstile or hCaptcha, which share one siteverify protocol.
type Captcha struct {
	Provider  string // "", "turnstile" or "hcaptcha"
	SiteKey   string
	SecretKey string
	VerifyURL string // the provider's siteverify endpoint unless overridden
	CaptchaProvider
}

// CaptchaProvider is what the page, the CSP and the check need to know of
// one provider's widget.
type CaptchaProvider struct {
	Field   string // the form field the widget fills in with its token
	Class   string // the element class the widget's script looks for
	Script  string // the widget's script
	Origins string // what the CSP must allow for that script and its frame
	Verify  string // the provider's siteverify endpoint
}

// captchaProviders is everything known of each provider, in one place.
var captchaProviders = map[string]CaptchaProvider{
	"turnstile": {Field: "cf-turnstile-response", Class: "cf-turnstile",
		Script: "https://challenges.cloudflare.com/turnstile/v0/api.js", Origins: "https://challenges.cloudflare.com",
		Verify: "https://challenges.cloudflare.com/turnstile/v0/siteverify"},
	"hcaptcha": {Field: "h-captcha-response", Class: "h-captcha",
		Script: "https://js.hcaptcha.com/1/api.js", Origins: "https://*.hcaptcha.com https://hcaptcha.com",
		Verify: "https://api.hcaptcha.com/siteverify"},
}

// Enabled reports whether the donate form asks for the check.
func (c Captcha) Enabled() bool { return c.Provider != "" }

// MonthDay is the first day of the fiscal year.
type MonthDay struct {
	Month time.Month
	Day   int
}

// FiscalYear names the fiscal year that contains t (in loc) by the calendar
// year in which that fiscal year ends, as receipts.md and the IRS do.
func (md MonthDay) FiscalYear(t time.Time, loc *time.Location) int {
	t = t.In(loc)
	y := t.Year()
	if md.Month == time.January && md.Day == 1 {
		return y
	}
	start := time.Date(y, md.Month, md.Day, 0, 0, 0, 0, loc)
	if t.Before(start) {
		return y
	}
	return y + 1
}

// Bounds returns the first instant of fiscal year fy and the first instant
// of the next one.
func (md MonthDay) Bounds(fy int, loc *time.Location) (time.Time, time.Time) {
	startYear := fy
	if md.Month != time.January || md.Day != 1 {
		startYear = fy - 1
	}
	from := time.Date(startYear, md.Month, md.Day, 0, 0, 0, 0, loc)
	return from, from.AddDate(1, 0, 0)
}

// Production reports whether APP_ENV=production.
func (c *Config) Production() bool { return c.Env == "production" }

// DemoMode is the embedded default's payment side: no Stripe key in
// development, on a loopback BASE_URL or with DEMO=true (Load refuses
// anything else). It is never on when a key is set, nor in production.
func (c *Config) DemoMode() bool { return c.StripeSecretKey == "" && !c.Production() }

// LoopbackURL reports whether u names this machine only (localhost, or a
// loopback address), where pretend money cannot be mistaken for real.
func LoopbackURL(u *url.URL) bool {
	host := u.Hostname()
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Receipts are the settings receipts are issued and numbered with.
func (c *Config) Receipts() models.ReceiptSettings {
	return models.ReceiptSettings{
		Org: c.Org, Prefix: c.ReceiptPrefix, FiscalYearStart: c.FiscalYearStart, Location: c.Location,
		Tiers: c.Tiers, Rules: c.ReceiptRules, PlaceOfIssue: c.PlaceOfIssue, Signatory: c.Signatory, Signature: c.SignatureImage,
		VerifyBase:     strings.TrimRight(c.BaseURL.String(), "/") + "/receipts/verify/",
		RetentionYears: c.TaxRecordYears, DefaultLanguage: c.DefaultLanguage, Languages: c.ReceiptLanguages,
	}
}

// Region is the newsroom's country as its rule set and currency say,
// whose conventions money and dates follow where a language differs by
// country (Spanish writes $1,234.56 in the US, 1.234,56 € in Spain).
func (c *Config) Region() string {
	switch c.ReceiptRules {
	case "us":
		return "US"
	case "ca":
		return "CA"
	case "uk":
		return "GB"
	}
	return map[string]string{"usd": "US", "cad": "CA", "gbp": "GB", "aud": "AU", "nzd": "NZ", "eur": "EU"}[c.Currency]
}

// SQLitePath is where the embedded database lives.
func (c *Config) SQLitePath() string { return filepath.Join(c.DataDir, "donations.db") }

// DefaultOrgName is what receipts say until ORG_NAME is set.
const DefaultOrgName = "Your Newsroom"

// craNumber is a CRA charity registration number: nine digits, RR, four.
var craNumber = regexp.MustCompile(`^[0-9]{9}RR[0-9]{4}$`)

// Getenv looks a variable up; os.Getenv fits.
type Getenv func(string) string

// WithDotEnv returns a Getenv that prefers the real environment and falls
// back to the .env file at path, when that file exists.
func WithDotEnv(getenv Getenv, path string) (Getenv, error) {
	vals, err := godotenv.Read(path)
	if errors.Is(err, os.ErrNotExist) {
		return getenv, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return vals[k]
	}, nil
}

// Load reads and validates every setting. Its error names the variable.
func Load(getenv Getenv) (*Config, error) {
	l := loader{getenv: getenv}
	c := &Config{
		Env:             l.oneOf("APP_ENV", "development", "development", "production"),
		DatabaseURL:     l.str("DATABASE_URL", ""),
		DataDir:         l.str("DATA_DIR", "./data"),
		StripeSecretKey: l.str("STRIPE_SECRET_KEY", ""),
		StripeAPIBase:   l.str("STRIPE_API_BASE", ""),
		Org: models.Org{
			Name:    l.str("ORG_NAME", DefaultOrgName),
			TaxID:   l.str("ORG_TAX_ID", ""),
			Address: l.str("ORG_ADDRESS", ""),
		},
		Currency:            strings.ToLower(l.str("CURRENCY", "usd")),
		ReceiptPrefix:       l.str("RECEIPT_PREFIX", ""),
		ReceiptRules:        l.oneOf("RECEIPT_RULES", "us", "us", "ca", "uk", "generic"),
		PlaceOfIssue:        l.str("RECEIPT_PLACE_OF_ISSUE", ""),
		Signatory:           l.str("RECEIPT_SIGNATORY", ""),
		DonateRatePerMinute: l.positiveInt("DONATE_RATE_PER_MINUTE", 10),
		DonateRateBurst:     l.positiveInt("DONATE_RATE_BURST", 3),
		DonateEmailPerHour:  l.positiveInt("DONATE_EMAIL_PER_HOUR", 6),
		DonateEmailBurst:    l.positiveInt("DONATE_EMAIL_BURST", 3),
		LogLevel:            l.oneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		LogFormat:           l.oneOf("LOG_FORMAT", "text", "text", "json"),
		MemoryLimit:         l.size("MEMORY_LIMIT", "64MiB", 16<<20),
	}
	c.Demo = l.oneOf("DEMO", "false", "false", "true") == "true"
	// Development listens on this machine only: a first run is seen by
	// nobody else on the network. Production listens everywhere, behind
	// its proxy.
	c.Addr = l.str("ADDR", map[bool]string{true: ":8080", false: "localhost:8080"}[c.Production()])
	if l.str("BASE_URL", "") == "" && !c.Production() {
		// A first run on another port must link to that port.
		c.BaseURL, c.BaseURLFromAddr = baseURLFromAddr(c.Addr), true
	} else {
		c.BaseURL = l.baseURL("BASE_URL", "http://localhost:8080")
	}
	c.StripeWebhookSecrets = l.webhookSecrets("STRIPE_WEBHOOK_SECRET")
	c.StripePortalConfiguration = l.str("STRIPE_PORTAL_CONFIGURATION", "")
	if p := c.StripePortalConfiguration; p != "" && (!strings.HasPrefix(p, "bpc_") || strings.ContainsAny(p, " ,")) {
		l.fail("STRIPE_PORTAL_CONFIGURATION", "must be a Customer Portal configuration id (bpc_...), as `donations stripe setup` prints it")
	}
	c.PrivacyURL, c.TermsURL = l.pageURL("PRIVACY_URL"), l.pageURL("TERMS_URL")
	// Not 9090: that is Prometheus's own port, on the very machines that
	// scrape this one.
	c.MetricsAddr = l.str("METRICS_ADDR", "127.0.0.1:9740")
	if c.MetricsAddr == "off" {
		c.MetricsAddr = ""
	} else if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		l.fail("METRICS_ADDR", "must be host:port such as 127.0.0.1:9740, or off, got %q", c.MetricsAddr)
	}
	c.MetricsToken = l.str("METRICS_TOKEN", "")
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		l.fail("METRICS_TOKEN", "must be at least 32 characters (try: openssl rand -hex 32)")
	}
	if c.MetricsNeedToken() && c.MetricsToken == "" {
		// Reachable from other machines, it would show the site's traffic to
		// anyone: there, the listener asks for the token too.
		l.fail("METRICS_ADDR", "(%s) listens beyond this machine: set METRICS_TOKEN (scrapers send Authorization: Bearer <token>), or listen on 127.0.0.1", c.MetricsAddr)
	}
	if !money.Supported(c.Currency) {
		l.fail("CURRENCY", "must be a three-letter ISO 4217 code that Stripe charges in, such as usd, got %q", c.Currency)
	}
	c.FiscalYearStart = l.monthDay("FISCAL_YEAR_START", "01-01")
	c.Location = l.location("TIMEZONE", "UTC")
	c.DonationMin = l.amount("DONATION_MIN", "5", c.Currency)
	c.DonationMax = l.amount("DONATION_MAX", "25000", c.Currency)
	if c.DonationMin <= 0 {
		l.fail("DONATION_MIN", "must be more than zero")
	}
	if c.DonationMax < c.DonationMin {
		l.fail("DONATION_MAX", "must not be below DONATION_MIN")
	}
	for _, p := range strings.Split(l.str("PRESET_AMOUNTS", "10,25,50,100,250"), ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		v, err := money.ParseMajor(p, c.Currency)
		if err != nil || v < c.DonationMin || v > c.DonationMax {
			l.fail("PRESET_AMOUNTS", "%q is not an amount between DONATION_MIN and DONATION_MAX", p)
			continue
		}
		c.PresetAmounts = append(c.PresetAmounts, v)
	}
	fee, err := money.ParseFee(l.str("FEE_PERCENT", "2.9"), l.str("FEE_FIXED", "0.30"), c.Currency)
	if err != nil {
		l.fail("FEE_PERCENT/FEE_FIXED", "%v", err)
	}
	c.Fee = fee
	c.Tiers = l.tiers("MEMBERSHIP_TIERS", c.Currency)
	c.Brand = l.brand(c.DataDir, c.Currency, c.PresetAmounts)
	c.SMTPURL = l.str("SMTP_URL", "")
	c.MailFrom = l.str("MAIL_FROM", "")
	c.ContactEmail = l.str("ORG_CONTACT_EMAIL", "")
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			l.fail("SMTP_URL", "must look like smtp://user:password@host:587 or smtps://host:465")
		}
		if c.MailFrom == "" {
			l.fail("MAIL_FROM", "is required when SMTP_URL is set, e.g. \"The Ledger <receipts@example.org>\"")
		}
	}
	if c.MailFrom != "" {
		if _, err := mail.ParseAddress(c.MailFrom); err != nil {
			l.fail("MAIL_FROM", "must be an address such as receipts@example.org or \"Name <receipts@example.org>\"")
		}
	}
	if c.ContactEmail == "" && c.MailFrom != "" {
		if a, err := mail.ParseAddress(c.MailFrom); err == nil {
			c.ContactEmail = a.Address
		}
	}
	c.ReconcileEvery = l.duration("RECONCILE_EVERY", "1h", true)
	c.ReconcileWindow = l.duration("RECONCILE_WINDOW", "72h", false)
	if c.ReconcileEvery > 0 && c.ReconcileEvery < time.Minute {
		l.fail("RECONCILE_EVERY", "must be at least 1m (or off): each run lists Stripe's events")
	}
	c.RenewalNoticeDays = 30
	switch raw := l.str("RENEWAL_NOTICE_DAYS", "30"); raw {
	case "off", "0":
		c.RenewalNoticeDays = 0
	default:
		c.RenewalNoticeDays = l.positiveInt("RENEWAL_NOTICE_DAYS", 30)
		if c.RenewalNoticeDays > 90 {
			l.fail("RENEWAL_NOTICE_DAYS", "must be at most 90 (or off): a notice months ahead is forgotten by the renewal")
		}
	}
	c.RenewalCheckEvery = l.duration("RENEWAL_CHECK_EVERY", "1h", false)
	c.MonthlyReminder = l.oneOf("MONTHLY_REMINDER", "off", "on", "off") == "on"
	c.JobRescueAfter = l.duration("JOB_RESCUE_AFTER", "35m", false)
	c.ShutdownDrain = l.duration("SHUTDOWN_DRAIN", "off", true)
	if raw := l.str("TAX_RECORD_YEARS", ""); raw != "" {
		if n, err := strconv.Atoi(raw); err != nil || n < models.RetentionYears(c.ReceiptRules) || n > 100 {
			l.fail("TAX_RECORD_YEARS", "must be a number of years, at least the law's %d for RECEIPT_RULES=%s, got %q", models.RetentionYears(c.ReceiptRules), c.ReceiptRules, raw)
		} else {
			c.TaxRecordYears = n
		}
	}
	if raw := l.str("INACTIVE_DONOR_YEARS", strconv.Itoa(models.RetentionYears(c.ReceiptRules))); raw != "off" {
		if n, err := strconv.Atoi(raw); err != nil || n < 1 || n > 100 {
			l.fail("INACTIVE_DONOR_YEARS", "must be a number of years such as 7, or off, got %q", raw)
		} else {
			c.InactiveDonorYears = n
		}
	}
	if c.JobRescueAfter < 10*time.Second {
		l.fail("JOB_RESCUE_AFTER", "must be at least 10s: a live job would be taken for a dead one")
	}
	if c.MonthlyReminder && c.RenewalNoticeDays == 0 {
		l.fail("MONTHLY_REMINDER", "needs RENEWAL_NOTICE_DAYS: the reminder goes out that many days before the anniversary")
	}
	if c.ReconcileWindow > 30*24*time.Hour {
		l.fail("RECONCILE_WINDOW", "must be at most 720h: Stripe keeps events for 30 days")
	}
	if c.ReceiptPrefix != "" && strings.ContainsAny(c.ReceiptPrefix, " ,\"'\n") {
		l.fail("RECEIPT_PREFIX", "must not contain spaces, commas or quotes")
	}
	for _, p := range strings.Split(l.str("TRUSTED_PROXIES", ""), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				l.fail("TRUSTED_PROXIES", "%q is neither an IP address nor a CIDR range", p)
				continue
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}

	c.Challenge = Challenge{
		Off:                 l.oneOf("CHALLENGE", "on", "on", "off") == "off",
		NoJSPerHour:         l.positiveInt("DONATE_NOJS_PER_HOUR", 10),
		BreakerFactor:       l.positiveInt("CHECKOUT_BREAKER_FACTOR", 10),
		BreakerMinPerMinute: l.positiveInt("CHECKOUT_BREAKER_MIN", 6),
	}
	c.Captcha = l.captcha()
	c.DefaultLanguage = l.oneOf("DEFAULT_LANGUAGE", "en", locale.Languages...)
	if c.OutboundAllowLoopback = l.oneOf("OUTBOUND_ALLOW_LOOPBACK", "false", "false", "true") == "true"; c.OutboundAllowLoopback && c.Production() {
		l.fail("OUTBOUND_ALLOW_LOOPBACK", "is for development only: in production events never go to this machine's own addresses")
	}
	if raw := l.str("RECEIPT_LANGUAGES", ""); raw != "" {
		for _, lang := range strings.Split(raw, ",") {
			lang = strings.TrimSpace(strings.ToLower(lang))
			if !locale.Known(lang) || slices.Contains(c.ReceiptLanguages, lang) {
				l.fail("RECEIPT_LANGUAGES", "must be one or two of %s, each once, such as en,fr; got %q", strings.Join(locale.Languages, ", "), raw)
				break
			}
			c.ReceiptLanguages = append(c.ReceiptLanguages, lang)
		}
		if len(c.ReceiptLanguages) > 2 {
			l.fail("RECEIPT_LANGUAGES", "a receipt holds at most two languages, got %q", raw)
		}
		if len(c.ReceiptLanguages) == 2 && c.ReceiptRules != "ca" {
			l.fail("RECEIPT_LANGUAGES", "two languages on one receipt are for RECEIPT_RULES=ca (bilingual CRA receipts); %s receipts come in the donor's language", c.ReceiptRules)
		}
	}
	if catalog, err := locale.New(c.DefaultLanguage, c.Region()); err != nil {
		l.fail("DEFAULT_LANGUAGE", "%v", err)
	} else {
		c.Catalog = catalog
	}
	if p := l.str("PAPER_SIZE", ""); p != "" {
		c.Paper = l.oneOf("PAPER_SIZE", "", "letter", "a4")
	}
	if ds := l.str("DATE_STYLE", ""); ds != "" {
		c.DateStyle = l.oneOf("DATE_STYLE", "", "month-day", "day-month")
	}
	for _, o := range strings.Fields(l.str("FRAME_ANCESTORS", "")) {
		if o == "'self'" {
			c.FrameAncestors = append(c.FrameAncestors, o)
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" ||
			strings.ContainsAny(o, ";,'\"") {
			l.fail("FRAME_ANCESTORS", "%q is not an origin such as https://www.example.org (separate several with spaces)", o)
			continue
		}
		if c.Production() && u.Scheme != "https" {
			// A page served over plain http could be changed on the way to
			// frame the form under someone else's words.
			l.fail("FRAME_ANCESTORS", "%q must be https in production", o)
			continue
		}
		c.FrameAncestors = append(c.FrameAncestors, u.Scheme+"://"+u.Host)
	}
	// The news site: NEWS_SITE_ORIGINS, else ORG_WEBSITE_URL's origin and
	// the origins that may embed the form.
	news := strings.Fields(l.str("NEWS_SITE_ORIGINS", ""))
	if len(news) == 0 {
		if w, err := url.Parse(c.Brand.Website); err == nil && w.Host != "" {
			news = append(news, w.Scheme+"://"+w.Host)
		}
		for _, o := range c.FrameAncestors {
			if o != "'self'" {
				news = append(news, o)
			}
		}
	}
	for _, o := range news {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			l.fail("NEWS_SITE_ORIGINS", "%q is not an origin such as https://news.example.org (separate several with spaces)", o)
			continue
		}
		if o := strings.ToLower(u.Scheme + "://" + u.Host); !slices.Contains(c.NewsOrigins, o) {
			c.NewsOrigins = append(c.NewsOrigins, o)
		}
	}

	if key := l.str("SECRET_KEY", ""); key != "" {
		if len(key) < 32 {
			l.fail("SECRET_KEY", "must be at least 32 characters (try: openssl rand -hex 32)")
		} else if weakSecret(key) {
			l.fail("SECRET_KEY", "is too easy to guess: it repeats a few characters (try: openssl rand -hex 32)")
		} else if bits := secretBits(key); c.Production() && bits < 128 {
			l.fail("SECRET_KEY", "is too easy to guess in production: about %d bits, at least 128 needed (repeated blocks, sequences and dictionary words count for little). Make one with: openssl rand -hex 32", int(bits))
		}
		c.SecretKey = []byte(key)
	} else if c.Env == "production" {
		l.fail("SECRET_KEY", "is required when APP_ENV=production (try: openssl rand -hex 32)")
	} else {
		c.SecretGenerated = true
	}

	if c.StripeSecretKey != "" && !strings.HasPrefix(c.StripeSecretKey, "sk_") && !strings.HasPrefix(c.StripeSecretKey, "rk_") {
		l.fail("STRIPE_SECRET_KEY", "must be a secret or restricted key (sk_... or rk_...)")
	}
	if c.StripeSecretKey == "" && !c.Production() && !c.Demo && !LoopbackURL(c.BaseURL) {
		// Demo mode lets anyone "pay" and get receipts: never by accident
		// on a public address.
		l.fail("STRIPE_SECRET_KEY", "is required when BASE_URL (%s) is not a loopback address; set DEMO=true to run the demo there on purpose", c.BaseURL)
	} else if c.StripeSecretKey == "" && !c.Production() && !c.Demo && !loopbackListener(c.Addr) {
		// The same for who can reach it: anyone on the network could use
		// the demo checkout and mailbox of a server listening everywhere.
		l.fail("ADDR", "(%s) listens beyond this machine, and without STRIPE_SECRET_KEY this is demo mode: listen on localhost (ADDR=localhost:8080), or set DEMO=true to show the demo on the network on purpose", c.Addr)
	}
	if c.StripeAPIBase != "" {
		if u, err := url.Parse(c.StripeAPIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			l.fail("STRIPE_API_BASE", "must be an http(s) URL such as http://127.0.0.1:12111")
		}
	}
	if path := l.str("RECEIPT_SIGNATURE_IMAGE", ""); path != "" {
		img, err := os.ReadFile(path)
		switch {
		case err != nil:
			l.fail("RECEIPT_SIGNATURE_IMAGE", "cannot be read: %v", err)
		case len(img) > 512<<10 || !bytes.HasPrefix(img, []byte("\x89PNG\r\n\x1a\n")):
			l.fail("RECEIPT_SIGNATURE_IMAGE", "must be a PNG file of at most 512 KB")
		default:
			c.SignatureImage = img
		}
	}
	// Settings that would print invalid receipts are refused here, not
	// discovered by a donor's accountant.
	if c.ReceiptRules == "ca" {
		if c.PlaceOfIssue == "" || c.Signatory == "" || c.Org.TaxID == "" {
			l.fail("RECEIPT_RULES", "ca needs RECEIPT_PLACE_OF_ISSUE, RECEIPT_SIGNATORY and ORG_TAX_ID (the registration number) for official receipts")
		}
		if c.Org.Address == "" {
			l.fail("ORG_ADDRESS", "is required with RECEIPT_RULES=ca: an official receipt prints the charity's address as registered")
		}
		if c.Org.TaxID != "" && !craNumber.MatchString(strings.ReplaceAll(c.Org.TaxID, " ", "")) {
			l.fail("ORG_TAX_ID", "must be a CRA registration number such as 123456789RR0001 with RECEIPT_RULES=ca, got %q", c.Org.TaxID)
		}
		if c.Currency != "cad" {
			l.fail("CURRENCY", "must be cad with RECEIPT_RULES=ca: an official receipt states the amount in Canadian dollars")
		}
	}
	if c.ReceiptRules == "uk" {
		if c.Currency != "gbp" {
			l.fail("CURRENCY", "must be gbp with RECEIPT_RULES=uk: Gift Aid is claimed on gifts in pounds")
		}
		if c.Production() && c.Org.Name == DefaultOrgName {
			l.fail("ORG_NAME", "must be the charity's name in production: each Gift Aid declaration names it")
		}
	}
	if c.ReceiptRules == "us" && c.Production() {
		if c.Org.Name == DefaultOrgName {
			l.fail("ORG_NAME", "must be the organisation's legal name in production: receipts print it")
		}
		if c.Org.TaxID == "" {
			l.fail("ORG_TAX_ID", "is required with RECEIPT_RULES=us in production: receipts print the EIN")
		}
	}
	if c.Production() {
		if c.StripeSecretKey == "" {
			l.fail("STRIPE_SECRET_KEY", "is required when APP_ENV=production (demo mode is for development only)")
		}
		if c.BaseURL != nil && c.BaseURL.Scheme != "https" {
			l.fail("BASE_URL", "must be https when APP_ENV=production")
		}
		if strings.HasPrefix(c.StripeSecretKey, "sk_test_") || strings.HasPrefix(c.StripeSecretKey, "rk_test_") {
			l.fail("STRIPE_SECRET_KEY", "is a test-mode key, and APP_ENV=production takes real money: use a live key (sk_live_... or rk_live_...)")
		}
		if c.Demo {
			l.fail("DEMO", "must not be true when APP_ENV=production")
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		l.fail("DATABASE_URL", "must be a postgres:// URL, or empty for the embedded database")
	}
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return c, nil
}

type loader struct {
	getenv Getenv
	errs   []error
}

func (l *loader) fail(name, format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf("%s %s", name, fmt.Sprintf(format, args...)))
}

func (l *loader) str(name, def string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

func (l *loader) oneOf(name, def string, allowed ...string) string {
	v := l.str(name, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	l.fail(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
	return def
}

func (l *loader) positiveInt(name string, def int) int {
	raw := l.str(name, strconv.Itoa(def))
	n, err := strconv.Atoi(raw)
	if err != nil || n <= 0 {
		l.fail(name, "must be a whole number above zero, got %q", raw)
		return def
	}
	return n
}

// size is a size such as "64MiB" or "200MB"; "off" or "0" is none.
// Below least is refused: a limit under what the server needs at rest
// would have the collector run without end.
func (l *loader) size(name, def string, least int64) int64 {
	raw := l.str(name, def)
	if raw == "off" || raw == "0" {
		return 0
	}
	n, err := humanize.ParseBytes(raw)
	if err != nil || n < uint64(least) || n > math.MaxInt64 {
		l.fail(name, "must be a size of at least %s such as 64MiB or 1GiB, or off, got %q", humanize.IBytes(uint64(least)), raw)
		return 0
	}
	return int64(n)
}

func (l *loader) amount(name, def, currency string) int64 {
	raw := l.str(name, def)
	v, err := money.ParseMajor(raw, currency)
	if err != nil {
		l.fail(name, "must be an amount in major units such as 5 or 5.00, got %q", raw)
	}
	return v
}

func (l *loader) baseURL(name, def string) *url.URL {
	raw := strings.TrimRight(l.str(name, def), "/")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		l.fail(name, "must be an absolute http(s) URL without a query, got %q", raw)
		u, _ = url.Parse(def)
	}
	return u
}

func (l *loader) monthDay(name, def string) MonthDay {
	raw := l.str(name, def)
	t, err := time.Parse("01-02", raw)
	if err != nil || t.Day() > 28 && t.Month() == time.February {
		l.fail(name, "must be MM-DD (such as 07-01), got %q", raw)
		return MonthDay{Month: time.January, Day: 1}
	}
	return MonthDay{Month: t.Month(), Day: t.Day()}
}

func (l *loader) location(name, def string) *time.Location {
	raw := l.str(name, def)
	loc, err := time.LoadLocation(raw)
	if err != nil {
		l.fail(name, "must be an IANA time zone such as America/New_York, got %q", raw)
		return time.UTC
	}
	return loc
}

func (l *loader) duration(name, def string, zeroOK bool) time.Duration {
	raw := l.str(name, def)
	if zeroOK && (raw == "0" || raw == "off") {
		return 0
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		l.fail(name, "must be a duration such as 1h or 30m%s, got %q", map[bool]string{true: " (or off)"}[zeroOK], raw)
		return 0
	}
	return d
}

// tiers reads "Name|min per year|benefit description|value per year",
// separated by semicolons, amounts in major units.
func (l *loader) tiers(name, currency string) []models.Tier {
	raw := l.str(name, "")
	var out []models.Tier
	for _, entry := range strings.Split(raw, ";") {
		if strings.TrimSpace(entry) == "" {
			continue
		}
		parts := strings.Split(entry, "|")
		if len(parts) != 4 || strings.TrimSpace(parts[0]) == "" {
			l.fail(name, "entry %q must be Name|minimum per year|benefit description|benefit value per year", entry)
			continue
		}
		minimum, err1 := money.ParseMajor(parts[1], currency)
		value, err2 := int64(0), error(nil)
		if v := strings.TrimSpace(parts[3]); v != "" {
			value, err2 = money.ParseMajor(v, currency)
		}
		if err1 != nil || err2 != nil {
			l.fail(name, "entry %q: amounts must be numbers in major units", entry)
			continue
		}
		desc := strings.TrimSpace(parts[2])
		switch {
		case desc != "" && value == 0:
			// It would print "no goods or services" for goods it names.
			l.fail(name, "entry %q: a tier whose benefits are described needs their fair market value per year", entry)
			continue
		case desc == "" && value > 0:
			// It would print ", valued at $X" with nothing before it.
			l.fail(name, "entry %q: a tier with a benefit value needs the benefits described", entry)
			continue
		}
		out = append(out, models.Tier{Name: strings.TrimSpace(parts[0]), MinPerYear: minimum, Description: strings.TrimSpace(parts[2]), ValuePerYear: value})
	}
	return out
}

func (l *loader) captcha() Captcha {
	if l.str("CAPTCHA_PROVIDER", "") == "" {
		return Captcha{}
	}
	c := Captcha{Provider: l.oneOf("CAPTCHA_PROVIDER", "turnstile", "turnstile", "hcaptcha")}
	c.SiteKey, c.SecretKey = l.str("CAPTCHA_SITE_KEY", ""), l.str("CAPTCHA_SECRET_KEY", "")
	c.CaptchaProvider = captchaProviders[c.Provider]
	c.VerifyURL = l.str("CAPTCHA_VERIFY_URL", c.CaptchaProvider.Verify)
	if c.SiteKey == "" || strings.ContainsAny(c.SiteKey, "\"'<> ") {
		l.fail("CAPTCHA_SITE_KEY", "is required when CAPTCHA_PROVIDER is set: the public key from the provider's dashboard")
	}
	if c.SecretKey == "" {
		l.fail("CAPTCHA_SECRET_KEY", "is required when CAPTCHA_PROVIDER is set")
	}
	if u, err := url.Parse(c.VerifyURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.fail("CAPTCHA_VERIFY_URL", "must be an http(s) URL")
	}
	return c
}

// Documents is the PDF renderer these settings make: links to this
// server, dates in TIMEZONE, the paper and date style chosen, and the
// words of each language the server speaks.
func (c *Config) Documents() *documents.Renderer {
	r := documents.New(c.BaseURL.String(), c.Location)
	r.Paper, r.DateStyle, r.Catalog = c.Paper, c.DateStyle, c.Catalog
	return r
}

// ForServing checks what only the web server needs: the commands run with
// a Stripe key alone (`donations stripe setup` is how the webhook secret
// is made).
func (c *Config) ForServing() error {
	if c.StripeSecretKey != "" && len(c.StripeWebhookSecrets) == 0 {
		return errors.New("STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set (whsec_... from the webhook endpoint; `donations stripe setup` makes one and prints it)")
	}
	return nil
}

// pageURL reads an optional absolute http(s) URL of a page people open.
func (l *loader) pageURL(name string) string {
	raw := l.str(name, "")
	if raw == "" {
		return ""
	}
	if u, err := url.Parse(raw); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.ContainsAny(raw, "\"'<> ") {
		l.fail(name, "must be an absolute http(s) URL such as https://www.example.org/privacy, got %q", raw)
		return ""
	}
	return raw
}

// MetricsNeedToken: METRICS_ADDR listens beyond this machine, so its
// /metrics asks for METRICS_TOKEN as the public one does.
func (c *Config) MetricsNeedToken() bool {
	return c.MetricsAddr != "" && !loopbackListener(c.MetricsAddr)
}

// loopbackListener reports whether addr listens on this machine only.
func loopbackListener(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	return LoopbackURL(&url.URL{Host: net.JoinHostPort(host, "0")})
}

// baseURLFromAddr is the address a browser on this machine reaches ADDR at.
func baseURLFromAddr(addr string) *url.URL {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		return &url.URL{Scheme: "http", Host: "localhost:8080"}
	}
	if ip, err := netip.ParseAddr(host); host == "" || (err == nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return &url.URL{Scheme: "http", Host: net.JoinHostPort(host, port)}
}

// webhookSecrets reads the comma-separated signing secrets: each trimmed,
// empty pieces dropped, and every one a whsec_ value.
func (l *loader) webhookSecrets(name string) []string {
	raw := l.str(name, "")
	if raw == "" {
		return nil
	}
	var out []string
	for _, s := range strings.Split(raw, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			continue
		case !strings.HasPrefix(s, "whsec_") || len(s) <= len("whsec_"):
			l.fail(name, "must hold signing secrets that start with whsec_ (as Stripe shows them), separated by commas; one does not")
			return nil
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		l.fail(name, "holds no secret: give the whsec_... signing secret of your webhook endpoint")
	}
	return out
}

// secretBits estimates how many guesses a key would take, in bits, as
// zxcvbn counts them: patterns such as repeats, sequences, keyboard rows
// and dictionary words are guessed first, so they add little.
func secretBits(key string) float64 {
	return math.Log2(max(zxcvbn.PasswordStrength(key, nil).Guesses, 1))
}

// weakSecret reports a key anyone could guess: one made of a handful of
// characters repeated ("aaaa...", "abab...").
func weakSecret(key string) bool {
	distinct := map[rune]bool{}
	for _, r := range key {
		distinct[r] = true
	}
	return len(distinct) < 8
}
