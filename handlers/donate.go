package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
	"github.com/indienews/donations/payments"
)

// The donate page and its submission, which sends the donor to Checkout.

// csrfPlaceholder stands for the per-request CSRF field in the cached
// donate page; it cannot occur in anything the page prints.
const csrfPlaceholder = "\x00csrf-field\x00"

// cachedPage is a page rendered once, on its first request.
type cachedPage struct {
	once sync.Once
	body []byte
}

// donateForm shows the form, with a preset chosen. The empty form is the
// same for everyone but its CSRF field, and it is the busiest page when an
// article goes viral: it is rendered once, and each request only puts its
// own token in.
func (s *Server) donateForm(c *gin.Context) {
	// A campaign's form, or one opened from an article or a tagged link,
	// is made for its request; the plain form is the same for everyone.
	if slug, from := strings.TrimSpace(c.Query("campaign")), s.attributionOf(s.queryAttribution(c)); slug != "" || !from.empty() {
		s.campaignDonate(c, slug, from)
		return
	}
	cached := s.donatePages[s.lang(c)]
	cached.once.Do(func() {
		f := donateForm{Frequency: models.FrequencyOnce}
		if len(s.cfg.PresetAmounts) > 1 {
			f.Amount = strings.TrimSuffix(strings.TrimSuffix(money.FormatMajor(s.cfg.PresetAmounts[1], s.cfg.Currency), "00"), ".")
		}
		d := s.donateData(c, f, nil)
		d.CSRFField = template.HTML(csrfPlaceholder)
		t, _ := s.pages.page(s.lang(c), "donate")
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, "layout", d); err != nil {
			s.logger(c).Error("rendering the donate page", "err", err)
			return
		}
		cached.body = buf.Bytes()
	})
	if cached.body == nil {
		s.error(c, fmt.Errorf("donate page unavailable"))
		return
	}
	// The page goes out in three writes around the form's token, not
	// copied whole to put it in: 20 KB less to allocate and copy per view.
	head, tail, _ := bytes.Cut(cached.body, []byte(csrfPlaceholder))
	// Not no-store: the browser may keep the page in its back/forward
	// cache, so a reader who looks at an article and comes back finds the
	// form as they left it. Its token stays valid: it is checked against
	// the CSRF cookie, which lives on. no-cache: a fresh load asks again.
	c.Header("Cache-Control", "private, no-cache")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(http.StatusOK)
	for _, part := range [][]byte{head, []byte(csrfField(c)), tail} {
		if _, err := c.Writer.Write(part); err != nil {
			return // the reader left
		}
	}
}

// donateSubmit validates the form, stores a pending gift and sends the
// donor to Checkout. Nothing is recorded as paid here: only events do that.
func (s *Server) donateSubmit(c *gin.Context) {
	f := s.parseDonateForm(c)
	v, errs := s.validateDonation(s.printer(c), f)
	if errs != nil {
		s.render(c, http.StatusUnprocessableEntity, "donate", s.donateData(c, f, errs))
		return
	}
	ctx := c.Request.Context()
	if s.captcha != nil {
		ok, err := s.captcha.verify(ctx, c.PostForm(s.cfg.Captcha.Field), c.ClientIP())
		if err != nil {
			s.logger(c).Error("captcha check", "err", err)
			d := s.donateData(c, f, nil)
			d.Notice = s.printer(c).T("donate.notice.captcha")
			s.render(c, http.StatusServiceUnavailable, "donate", d)
			return
		}
		if !ok {
			s.render(c, http.StatusUnprocessableEntity, "donate",
				s.donateData(c, f, fieldErrors{"captcha": s.printer(c).T("donate.error.captcha")}))
			return
		}
	}
	if r, ok := s.admitOrRefuse(c, f.Email); !ok {
		if r != nil {
			d := s.donateData(c, f, nil)
			if r.field != "" {
				d = s.donateData(c, f, fieldErrors{r.field: r.message(s.printer(c))})
			} else {
				d.Notice = r.message(s.printer(c))
			}
			// What the reader typed stays: a refusal is not their mistake to redo.
			s.render(c, r.status, "donate", d)
		}
		return
	}
	g := &models.Gift{
		Frequency: f.Frequency, Amount: v.amount, FeeAmount: v.fee, Currency: s.cfg.Currency,
		Email: f.Email, Name: f.Name,
		Address:        f.Address,
		DedicationType: f.DedicationType, DedicationName: f.DedicationName, Anonymous: f.Anonymous,
		CampaignID: s.giftCampaign(c, f.Campaign), FromOrganisation: f.FromOrganisation,
		DeclineBenefits: f.DeclineBenefits && f.Frequency != models.FrequencyOnce,
		SourceURL:       f.From.Article, UTMSource: f.From.UTMSource, UTMMedium: f.From.UTMMedium, UTMCampaign: f.From.UTMCampaign,
		Language: s.lang(c),
	}
	var decl *models.GiftAidDeclaration
	if s.cfg.ReceiptRules == "uk" && f.GiftAid {
		decl = models.NewGiftAidDeclaration(f.Email, f.GiftAidTitle, f.GiftAidFirstName, f.GiftAidLastName, f.Address, s.cfg.Org.Name)
	}
	// Checkout names what the gift is: its dedication, and the membership
	// tier it reaches with its benefits (or that they are declined).
	description := dedicationLine(s.printer(c), f)
	if b := benefitsLine(s.printer(c), s.cfg.Tiers, g); b != "" {
		description = strings.TrimPrefix(description+". "+b, ". ")
	}
	url, err := s.startCheckout(c, g, decl, description)
	if errors.Is(err, errGateway) {
		d := s.donateData(c, f, nil)
		d.Notice = s.printer(c).T("donate.notice.gateway")
		s.render(c, http.StatusServiceUnavailable, "donate", d)
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, url)
}

// errGateway: Checkout could not be created; nothing was kept.
var errGateway = errors.New("checkout unavailable")

// startCheckout stores a pending gift and creates its Checkout session,
// and returns where to send the donor. When Stripe cannot be reached the
// gift is removed again, so no half-made gift remains, and the error is
// errGateway.
func (s *Server) startCheckout(c *gin.Context, g *models.Gift, decl *models.GiftAidDeclaration, description string) (string, error) {
	ctx := c.Request.Context()
	if err := s.store.CreateGiftWithDeclaration(ctx, g, decl); err != nil {
		return "", fmt.Errorf("creating gift: %w", err)
	}
	base := s.cfg.BaseURL.String()
	req := payments.CheckoutRequest{
		GiftID: g.ID, Email: g.Email, Currency: g.Currency, AmountTotal: g.TotalAmount,
		ProductName: s.printer(c).T("checkout.product", "Org", s.cfg.Org.Name),
		Locale:      s.printer(c).CheckoutLocale(),
		Description: description,
		SuccessURL:  base + "/donate/thanks?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:   base + "/donate",
		// Canadian receipts print the donor's full address: Checkout asks
		// for it too (the billing address), for gifts from elsewhere.
		BillingAddress: s.fullAddress(),
		Metadata: map[string]string{
			"gift_id": g.ID, "frequency": g.Frequency,
			"fee_amount": fmt.Sprint(g.FeeAmount), "anonymous": fmt.Sprint(g.Anonymous),
			"dedication_type": g.DedicationType, "dedication_name": g.DedicationName,
		},
	}
	if g.Frequency != models.FrequencyOnce {
		req.Interval = g.Frequency
		req.ProductName = map[string]string{models.FrequencyMonth: "Monthly", models.FrequencyYear: "Yearly"}[g.Frequency] + " membership of " + s.cfg.Org.Name
	}
	sess, err := s.gateway.CreateCheckout(ctx, req)
	if err != nil {
		s.metrics.checkouts.WithLabelValues("error").Inc()
		s.logger(c).Error("creating checkout session", "gift_id", g.ID, "err", err)
		// The gift never reached Stripe: remove it so no half-made gift remains.
		if derr := s.store.DiscardUnstartedGift(ctx, g.ID); derr != nil {
			s.logger(c).Error("discarding unstarted gift", "gift_id", g.ID, "err", derr)
		}
		return "", errGateway
	}
	if err := s.store.AttachCheckoutSession(ctx, g.ID, sess.ID); err != nil {
		return "", fmt.Errorf("attaching checkout session: %w", err)
	}
	s.metrics.checkouts.WithLabelValues("created").Inc()
	s.door.started(ctx, s.logger(c))
	s.ownMail(c, g.ID)
	s.logger(c).Info("checkout session created", "gift_id", g.ID, "session_id", sess.ID, "amount", g.TotalAmount, "currency", g.Currency)
	return sess.URL, nil
}
