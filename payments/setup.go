package payments

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/stripe/stripe-go/v76"
)

// What `donations stripe setup` does to a Stripe account: it checks the
// key, makes the webhook endpoint (pinned to our API version, with exactly
// the events we handle) and the Customer Portal configuration the donor
// page relies on. A second run changes nothing.

// SetupRequest is what setup needs to know of the server.
type SetupRequest struct {
	BaseURL  *url.URL
	Currency string // CURRENCY
	Rules    string // RECEIPT_RULES
	Privacy  string // PRIVACY_URL, optional
	Terms    string // TERMS_URL, optional
	PortalID string // STRIPE_PORTAL_CONFIGURATION, when already set
	DryRun   bool
	Headline string // shown at the top of the portal, e.g. "The Ledger"
}

// SetupReport says what setup found and did (or, in a dry run, would do).
type SetupReport struct {
	Account   string   // "The Ledger (US, usd, charges enabled)"
	Warnings  []string // settings that do not fit the account
	Done      []string // one line per change made or planned
	Unchanged []string
	// Secret is the new endpoint's signing secret: Stripe shows it once.
	Secret   string
	PortalID string // the portal configuration to use
}

// PermissionError is a restricted key that lacks a permission a call needs.
type PermissionError struct {
	Call, Permission string
}

func (e *PermissionError) Error() string {
	if e.Permission == "" {
		return fmt.Sprintf("the key is restricted and may not %s; give it that permission in the Dashboard (Developers → API keys)", e.Call)
	}
	return fmt.Sprintf("the key is restricted and lacks the permission %q, which %s needs; add it in the Dashboard (Developers → API keys)", e.Permission, e.Call)
}

var permissionRe = regexp.MustCompile(`[Hh]aving the '([^']+)' permission`)

// explain turns a failed call into a sentence for the person running setup.
func explain(call string, err error) error {
	var serr *stripe.Error
	if errors.As(err, &serr) && (serr.HTTPStatusCode == 403 || strings.Contains(serr.Msg, "permission")) {
		pe := &PermissionError{Call: call}
		if m := permissionRe.FindStringSubmatch(serr.Msg); m != nil {
			pe.Permission = m[1]
		}
		return pe
	}
	return fmt.Errorf("%w: %s: %v", ErrGateway, call, err)
}

// WebhookPath is where the server receives Stripe's events.
const WebhookPath = "/webhooks/stripe"

// portalReasons are the reasons a member may give when cancelling.
var portalReasons = []string{"too_expensive", "unused", "other"}

// Setup checks the key and makes the account ready for this server.
func (s *Stripe) Setup(ctx context.Context, req SetupRequest) (SetupReport, error) {
	var rep SetupReport
	if s.Live() && req.BaseURL.Scheme != "https" {
		return rep, fmt.Errorf("a live key needs an https BASE_URL (Stripe delivers live events only there), got %s", req.BaseURL)
	}
	acct, err := s.api.Accounts.Get()
	if err != nil {
		return rep, explain("read the account (Account: read)", err)
	}
	name := acct.ID
	if acct.Settings != nil && acct.Settings.Dashboard != nil && acct.Settings.Dashboard.DisplayName != "" {
		name = acct.Settings.Dashboard.DisplayName
	} else if acct.BusinessProfile != nil && acct.BusinessProfile.Name != "" {
		name = acct.BusinessProfile.Name
	}
	charges := "charges enabled"
	if !acct.ChargesEnabled {
		charges = "charges NOT enabled yet"
		rep.Warnings = append(rep.Warnings, "the account cannot take charges yet: finish its activation in the Dashboard")
	}
	rep.Account = fmt.Sprintf("%s (%s, %s, %s)", name, acct.Country, acct.DefaultCurrency, charges)
	if cur := string(acct.DefaultCurrency); cur != "" && cur != req.Currency {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("CURRENCY is %s but the account settles in %s: gifts in %s are converted, with a fee", req.Currency, cur, req.Currency))
	}
	if want := map[string]string{"us": "US", "ca": "CA", "uk": "GB"}[req.Rules]; want != "" && acct.Country != "" && acct.Country != want {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("RECEIPT_RULES=%s is for an organisation in %s, but the account is in %s", req.Rules, want, acct.Country))
	}
	if err := s.setupWebhook(ctx, req, &rep); err != nil {
		return rep, err
	}
	if err := s.setupPortal(ctx, req, &rep); err != nil {
		return rep, err
	}
	return rep, nil
}

// Live reports whether the key moves real money.
func (s *Stripe) Live() bool {
	return strings.HasPrefix(s.key, "sk_live_") || strings.HasPrefix(s.key, "rk_live_")
}

func (s *Stripe) setupWebhook(ctx context.Context, req SetupRequest, rep *SetupReport) error {
	endpointURL := strings.TrimRight(req.BaseURL.String(), "/") + WebhookPath
	want := HandledEvents()
	lp := &stripe.WebhookEndpointListParams{}
	lp.Context = ctx
	lp.Limit = stripe.Int64(100)
	var found []*stripe.WebhookEndpoint
	it := s.api.WebhookEndpoints.List(lp)
	for it.Next() {
		if e := it.WebhookEndpoint(); e.URL == endpointURL {
			found = append(found, e)
		}
	}
	if err := it.Err(); err != nil {
		return explain("list webhook endpoints (Webhook Endpoints: read)", err)
	}
	var keep *stripe.WebhookEndpoint
	for _, e := range found {
		if e.APIVersion == APIVersion && keep == nil {
			keep = e
			continue
		}
		// Its version cannot be changed: it goes, and one pinned to ours
		// replaces it, so there is never more than one for the URL.
		why := "a duplicate for the same address"
		if e.APIVersion != APIVersion {
			why = fmt.Sprintf("pinned to API version %q, not %s", e.APIVersion, APIVersion)
		}
		rep.Done = append(rep.Done, fmt.Sprintf("delete webhook endpoint %s at %s (%s)", e.ID, e.URL, why))
		if req.DryRun {
			continue
		}
		p := &stripe.WebhookEndpointParams{}
		p.Context = ctx
		if _, err := s.api.WebhookEndpoints.Del(e.ID, p); err != nil {
			return explain("delete a webhook endpoint (Webhook Endpoints: write)", err)
		}
	}
	if keep == nil {
		rep.Done = append(rep.Done, fmt.Sprintf("create webhook endpoint at %s, API version %s, for %d events: %s",
			endpointURL, APIVersion, len(want), strings.Join(want, ", ")))
		if req.DryRun {
			return nil
		}
		p := &stripe.WebhookEndpointParams{URL: stripe.String(endpointURL), APIVersion: stripe.String(APIVersion),
			EnabledEvents: stripe.StringSlice(want), Description: stripe.String("donations server")}
		p.Context = ctx
		e, err := s.api.WebhookEndpoints.New(p)
		if err != nil {
			return explain("create a webhook endpoint (Webhook Endpoints: write)", err)
		}
		rep.Secret = e.Secret
		return nil
	}
	have := slices.Clone(keep.EnabledEvents)
	slices.Sort(have)
	if slices.Equal(have, want) && keep.Status != "disabled" {
		rep.Unchanged = append(rep.Unchanged, fmt.Sprintf("webhook endpoint %s at %s (API version %s, %d events)", keep.ID, endpointURL, APIVersion, len(want)))
		return nil
	}
	rep.Done = append(rep.Done, fmt.Sprintf("update webhook endpoint %s: enable it, and subscribe it to exactly %s", keep.ID, strings.Join(want, ", ")))
	if req.DryRun {
		return nil
	}
	p := &stripe.WebhookEndpointParams{EnabledEvents: stripe.StringSlice(want), Disabled: stripe.Bool(false)}
	p.Context = ctx
	if _, err := s.api.WebhookEndpoints.Update(keep.ID, p); err != nil {
		return explain("update a webhook endpoint (Webhook Endpoints: write)", err)
	}
	return nil
}

// portalFits reports whether a portal configuration offers what the donor
// page promises: changing the card, cancelling at the period's end with a
// reason, and the invoice history.
func portalFits(c *stripe.BillingPortalConfiguration) bool {
	f := c.Features
	return c.Active && f != nil && f.PaymentMethodUpdate != nil && f.PaymentMethodUpdate.Enabled &&
		f.InvoiceHistory != nil && f.InvoiceHistory.Enabled &&
		f.SubscriptionCancel != nil && f.SubscriptionCancel.Enabled && f.SubscriptionCancel.Mode == "at_period_end" &&
		f.SubscriptionCancel.CancellationReason != nil && f.SubscriptionCancel.CancellationReason.Enabled
}

func (s *Stripe) setupPortal(ctx context.Context, req SetupRequest, rep *SetupReport) error {
	lp := &stripe.BillingPortalConfigurationListParams{Active: stripe.Bool(true)}
	lp.Context = ctx
	lp.Limit = stripe.Int64(100)
	var fits []*stripe.BillingPortalConfiguration
	it := s.api.BillingPortalConfigurations.List(lp)
	for it.Next() {
		if c := it.BillingPortalConfiguration(); portalFits(c) {
			fits = append(fits, c)
		}
	}
	if err := it.Err(); err != nil {
		return explain("list Customer Portal configurations (Customer portal: read)", err)
	}
	// The one already named in the settings, then the default, then any.
	slices.SortStableFunc(fits, func(a, b *stripe.BillingPortalConfiguration) int {
		rank := func(c *stripe.BillingPortalConfiguration) int {
			switch {
			case c.ID == req.PortalID:
				return 0
			case c.IsDefault:
				return 1
			}
			return 2
		}
		return rank(a) - rank(b)
	})
	if len(fits) > 0 {
		rep.PortalID = fits[0].ID
		rep.Unchanged = append(rep.Unchanged, fmt.Sprintf("Customer Portal configuration %s (card, cancel at period end with a reason, invoices)", fits[0].ID))
		return nil
	}
	rep.Done = append(rep.Done, "create a Customer Portal configuration: update the card, cancel at the period's end with a reason, see invoices")
	if req.DryRun {
		return nil
	}
	p := &stripe.BillingPortalConfigurationParams{
		DefaultReturnURL: stripe.String(strings.TrimRight(req.BaseURL.String(), "/") + "/account"),
		BusinessProfile:  &stripe.BillingPortalConfigurationBusinessProfileParams{Headline: stripe.String(req.Headline)},
		Features: &stripe.BillingPortalConfigurationFeaturesParams{
			PaymentMethodUpdate: &stripe.BillingPortalConfigurationFeaturesPaymentMethodUpdateParams{Enabled: stripe.Bool(true)},
			InvoiceHistory:      &stripe.BillingPortalConfigurationFeaturesInvoiceHistoryParams{Enabled: stripe.Bool(true)},
			SubscriptionCancel: &stripe.BillingPortalConfigurationFeaturesSubscriptionCancelParams{
				Enabled: stripe.Bool(true), Mode: stripe.String("at_period_end"),
				CancellationReason: &stripe.BillingPortalConfigurationFeaturesSubscriptionCancelCancellationReasonParams{
					Enabled: stripe.Bool(true), Options: stripe.StringSlice(portalReasons)},
			},
		},
	}
	if req.Privacy != "" {
		p.BusinessProfile.PrivacyPolicyURL = stripe.String(req.Privacy)
	}
	if req.Terms != "" {
		p.BusinessProfile.TermsOfServiceURL = stripe.String(req.Terms)
	}
	p.Context = ctx
	c, err := s.api.BillingPortalConfigurations.New(p)
	if err != nil {
		return explain("create a Customer Portal configuration (Customer portal: write)", err)
	}
	rep.PortalID = c.ID
	return nil
}
