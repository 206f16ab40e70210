package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	htmltemplate "html/template"
	"strings"
	"sync"
	texttemplate "text/template"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/templates"
)

// Source is what composing reads from the ledger.
type Source interface {
	ReceiptByID(ctx context.Context, id string) (*models.Receipt, error)
	DonorByID(ctx context.Context, id string) (*models.Donor, error)
	ReceiptsOfDonor(ctx context.Context, donorID string, fy int) ([]models.Receipt, error)
	GiftsReceiptedElsewhere(ctx context.Context, donorID string, fy int) ([]models.Gift, error)
	IssueLoginToken(ctx context.Context, email string) (string, error)
	GiftByID(ctx context.Context, id string) (*models.Gift, error)
	IssueDetailsToken(ctx context.Context, giftID string) (string, error)
	MembershipByID(ctx context.Context, id string) (*models.Membership, error)
	IssueRestartToken(ctx context.Context, membershipID string) (string, error)
	GiftsOfMembership(ctx context.Context, membershipID string) ([]models.Gift, error)
}

// Settings are what every email says about the organisation and where
// its links lead.
type Settings struct {
	Org             models.Org
	Contact         string // where donors can write
	BaseURL         string
	MessageIDDomain string
	// UnsubscribeKey signs the one-click unsubscribe links of the emails
	// a donor may refuse (models.UnsubscribeSig); nil: no links.
	UnsubscribeKey []byte
	// Catalog holds the words of every language the server speaks: each
	// email is written in its reader's (see Composer.language). nil:
	// every email in English, with no Content-Language.
	Catalog *locale.Catalog
}

// Composer turns a queued message into an email.
type Composer struct {
	set  Settings
	src  Source
	docs *documents.Renderer
	cat  *locale.Catalog
	// The templates per language: their words come from the catalog,
	// through the functions each language's are parsed with.
	langs map[string]*emailSet // read-only once built
}

// emailSet is one language's templates, per kind, parsed once: the
// default language's at start (a broken template fails the start), the
// others when an email is first written in them.
type emailSet struct {
	once    sync.Once
	printer *locale.Printer
	text    map[string]*texttemplate.Template
	html    map[string]*htmltemplate.Template
	err     error
}

func (es *emailSet) load() error {
	es.once.Do(func() {
		es.text, es.html = map[string]*texttemplate.Template{}, map[string]*htmltemplate.Template{}
		for _, k := range kinds {
			t, err := texttemplate.New(k).Funcs(textFuncs(es.printer)).ParseFS(templates.Files, "email/"+k+".txt", "email/footer.txt")
			if err != nil {
				es.err = fmt.Errorf("email %s: %w", k, err)
				return
			}
			h, err := htmltemplate.New(k).Funcs(htmlFuncs(es.printer)).ParseFS(templates.Files, "email/"+k+".html", "email/footer.html")
			if err != nil {
				es.err = fmt.Errorf("email %s: %w", k, err)
				return
			}
			es.text[k], es.html[k] = t, h
		}
	})
	return es.err
}

var kinds = []string{models.EmailReceipt, models.EmailReplacement, models.EmailVoid,
	models.EmailPaymentFailed, models.EmailStatement, models.EmailSignIn, models.EmailDetailsNeeded, models.EmailRenewalNotice,
	models.EmailCancelConfirmed, models.EmailLapsed, models.EmailYearReminder, models.EmailDataReady, models.EmailEndpointDisabled}

// NewComposer parses the default language's email templates; the other
// languages' are parsed when first needed.
func NewComposer(set Settings, src Source, docs *documents.Renderer) (*Composer, error) {
	c := &Composer{set: set, src: src, docs: docs, cat: set.Catalog, langs: map[string]*emailSet{}}
	langs := locale.Languages
	if c.cat == nil {
		// No catalog: English only, its words from the English messages.
		cat, err := locale.New("en", "")
		if err != nil {
			return nil, err
		}
		c.cat, langs = cat, []string{"en"}
	}
	for _, l := range langs {
		c.langs[l] = &emailSet{printer: c.cat.Printer(l)}
	}
	def, ok := c.langs[c.cat.Default()]
	if !ok {
		def = c.langs[langs[0]]
	}
	if err := def.load(); err != nil {
		return nil, err
	}
	return c, nil
}

type emailData struct {
	Org, OrgAddress, Contact string
	DonorName                string
	Receipt                  *models.Receipt
	Kind, Amount, GiftDate   string
	Reason                   string
	VerifyURL, AccountURL    string
	Unsubscribe              string // the one-click link, for emails that may be refused
	// ManageURL: a membership payment's receipt leads straight to the
	// membership on the donor page (change, skip payments, cancel).
	ManageURL    string
	FixURL, Link string
	Year         int
	Total        string
	Test         bool   // demo or Stripe test mode: not a receipt
	UK           bool   // an acknowledgement (uk rules), not a receipt
	Doc          string // what the document is called: receipt, or acknowledgement
	// What the donor chose: the gift apart from the fee they covered
	// ("" when none), the dedication, the public listing.
	Gift, Fee, Dedication string
	Anonymous             bool
	// A renewal notice: when the membership renews, and what it brings
	// the member (their tier's benefit), if anything.
	RenewDate, Tier, Benefit string
	// A membership ending: on what day, and the link that starts it again
	// at the same amount in one step.
	EndDate, RestartURL, Membership string
	// A yearly reminder: since when, and what the past year's payments
	// came to.
	Since, YearTotal string
	Payments         int
	// Endpoint is the address of an outbound endpoint that was disabled.
	Endpoint string
}

// Compose builds the email for m.
func (c *Composer) Compose(ctx context.Context, m *models.EmailMessage) (Message, error) {
	d := emailData{Org: c.set.Org.Name, OrgAddress: c.set.Org.Address, Contact: c.set.Contact,
		AccountURL: c.set.BaseURL + "/account", Link: m.Link}
	out := Message{To: m.ToAddress, MessageID: c.messageID(m.DedupeKey)}
	lang := c.language(ctx, m)
	if m.Kind == models.EmailEndpointDisabled {
		lang = "en" // to an admin, about the staff area, which is English
	}
	p := c.cat.Printer(lang)
	if c.set.Catalog != nil {
		out.Language = lang
	}
	switch m.Kind {
	case models.EmailReceipt, models.EmailReplacement, models.EmailVoid:
		if m.ReceiptID == nil {
			return Message{}, fmt.Errorf("message %s has no receipt", m.ID)
		}
		r, err := c.src.ReceiptByID(ctx, *m.ReceiptID)
		if err != nil {
			return Message{}, err
		}
		d.Receipt, d.DonorName = r, r.DonorName
		out.Cause = GiftCause(r.GiftID)
		if r.Frequency != models.FrequencyOnce && m.Kind == models.EmailReceipt {
			if g, err := c.src.GiftByID(ctx, r.GiftID); err == nil && g.MembershipID != nil {
				d.ManageURL = d.AccountURL + "#membership-" + *g.MembershipID
			}
		}
		d.Gift, d.Dedication, d.Anonymous = p.Money(r.Amount-r.FeeCovered, r.Currency), dedication(p, r), r.Anonymous
		if r.FeeCovered > 0 {
			d.Fee = p.Money(r.FeeCovered, r.Currency)
		}
		d.UK, d.Doc = strings.HasPrefix(r.WordingVersion, "uk-"), p.T("email.doc.receipt")
		if d.UK {
			d.Doc = p.T("email.doc.acknowledgement")
		}
		d.Amount, d.GiftDate = p.Money(r.Amount, r.Currency), p.Date(r.GiftDate.In(c.docs.LocationOf(r)))
		d.Test = !r.Livemode
		d.Kind = paymentKind(p, r.Frequency)
		d.VerifyURL = c.docs.VerifyURL(r)
		switch m.Kind {
		case models.EmailReplacement:
			d.Reason = p.T("email.reason.default")
			if old, err := c.replaced(ctx, r); err == nil && old != nil {
				d.Reason = documents.VoidReason(p, old)
			}
		case models.EmailVoid:
			d.Reason = documents.VoidReason(p, r)
		}
		var pdf bytes.Buffer
		if err := c.docs.Receipt(&pdf, r); err != nil {
			return Message{}, err
		}
		name := "receipt-"
		if d.UK {
			name = "acknowledgement-"
		}
		out.Attachments = []Attachment{{Name: name + r.Number + ".pdf", Data: pdf.Bytes()}}
	case models.EmailPaymentFailed:
		d.FixURL = m.Link
		if d.FixURL == "" {
			d.FixURL = d.AccountURL
		}
		if m.DonorID != nil {
			if donor, err := c.src.DonorByID(ctx, *m.DonorID); err == nil {
				d.DonorName = donor.Name
			}
		}
	case models.EmailRenewalNotice:
		if m.MembershipID == nil {
			return Message{}, fmt.Errorf("renewal notice %s has no membership", m.ID)
		}
		ms, err := c.src.MembershipByID(ctx, *m.MembershipID)
		if err != nil {
			return Message{}, err
		}
		// Read at sending, so it states what will be charged: an amount
		// changed since the notice was queued shows as changed.
		d.Amount = p.Money(ms.Amount, ms.Currency)
		if ms.CurrentPeriodEnd != nil {
			d.RenewDate = p.Date(ms.CurrentPeriodEnd.In(c.docs.Location))
		}
		d.Tier, d.Benefit = ms.TierName, ms.BenefitDescription
		if m.DonorID != nil {
			if donor, err := c.src.DonorByID(ctx, *m.DonorID); err == nil {
				d.DonorName = donor.Name
			}
		}
	case models.EmailYearReminder:
		if m.MembershipID == nil {
			return Message{}, fmt.Errorf("reminder %s has no membership", m.ID)
		}
		ms, err := c.src.MembershipByID(ctx, *m.MembershipID)
		if err != nil {
			return Message{}, err
		}
		gifts, err := c.src.GiftsOfMembership(ctx, ms.ID)
		if err != nil {
			return Message{}, err
		}
		var total int64
		yearAgo := m.CreatedAt.AddDate(-1, 0, 0)
		for _, g := range gifts {
			if g.Status == models.GiftPaid && g.PaidAt != nil && g.PaidAt.After(yearAgo) {
				total += g.TotalAmount
				d.Payments++
			}
		}
		d.Amount, d.YearTotal = p.Money(ms.Amount, ms.Currency), p.Money(total, ms.Currency)
		if ms.StartedAt != nil {
			d.Since = monthYear(p, ms.StartedAt.In(c.docs.Location))
		}
		if m.DonorID != nil {
			if donor, err := c.src.DonorByID(ctx, *m.DonorID); err == nil {
				d.DonorName = donor.Name
			}
		}
	case models.EmailCancelConfirmed, models.EmailLapsed:
		if m.MembershipID == nil {
			return Message{}, fmt.Errorf("%s message %s has no membership", m.Kind, m.ID)
		}
		ms, err := c.src.MembershipByID(ctx, *m.MembershipID)
		if err != nil {
			return Message{}, err
		}
		d.Amount = p.Money(ms.Amount, ms.Currency)
		d.Membership = p.T("email.membership.month")
		if ms.BillingInterval == models.FrequencyYear {
			d.Membership = p.T("email.membership.year")
		}
		end := ms.EndedAt
		if end == nil {
			end = ms.CurrentPeriodEnd
		}
		if end != nil {
			d.EndDate = p.Date(end.In(c.docs.Location))
		}
		if m.DonorID != nil {
			if donor, err := c.src.DonorByID(ctx, *m.DonorID); err == nil {
				d.DonorName = donor.Name
			}
		}
		token, err := c.src.IssueRestartToken(ctx, ms.ID)
		if err != nil {
			return Message{}, err
		}
		d.RestartURL = c.set.BaseURL + "/donate/restart/" + token
	case models.EmailStatement:
		if m.DonorID == nil {
			return Message{}, fmt.Errorf("statement message %s has no donor", m.ID)
		}
		donor, err := c.src.DonorByID(ctx, *m.DonorID)
		if err != nil {
			return Message{}, err
		}
		st, err := documents.StatementOf(ctx, c.src, c.set.Org, donor, m.FiscalYear)
		if err != nil {
			return Message{}, err
		}
		d.DonorName, d.Year, d.Total, d.Test = donor.Name, m.FiscalYear, totalText(p, st), st.Test()
		var pdf bytes.Buffer
		if err := c.docs.Statement(&pdf, st); err != nil {
			return Message{}, err
		}
		out.Attachments = []Attachment{{Name: fmt.Sprintf("statement-%d.pdf", m.FiscalYear), Data: pdf.Bytes()}}
	case models.EmailDataReady:
		d.Link = c.set.BaseURL + m.Link
	case models.EmailEndpointDisabled:
		d.Link, d.Endpoint = c.set.BaseURL+m.Link, m.Subject
	case models.EmailSignIn:
		// The token is made now, at sending, so it exists in the clear only
		// in this email; a retried send makes a new one.
		token, err := c.src.IssueLoginToken(ctx, m.ToAddress)
		if err != nil {
			return Message{}, err
		}
		d.Link = c.set.BaseURL + "/account/sign-in/" + token
	case models.EmailDetailsNeeded:
		if m.GiftID == nil {
			return Message{}, fmt.Errorf("details request %s has no gift", m.ID)
		}
		g, err := c.src.GiftByID(ctx, *m.GiftID)
		if err != nil {
			return Message{}, err
		}
		d.DonorName, d.Test = g.Name, !g.Livemode
		d.Amount, d.Kind = p.Money(g.TotalAmount, g.Currency), paymentKind(p, g.Frequency)
		if g.PaidAt != nil {
			d.GiftDate = p.Date(g.PaidAt.In(c.docs.Location))
		}
		// Like a sign-in link, made at sending: in the clear only here.
		token, err := c.src.IssueDetailsToken(ctx, g.ID)
		if err != nil {
			return Message{}, err
		}
		d.Link = c.set.BaseURL + "/donate/details/" + token
	default:
		return Message{}, fmt.Errorf("unknown email kind %q", m.Kind)
	}
	var subject, text, html bytes.Buffer
	if topic := models.TopicOf(m.Kind); topic != "" && len(c.set.UnsubscribeKey) > 0 {
		donorID := ""
		if m.DonorID != nil {
			donorID = *m.DonorID
		} else if m.MembershipID != nil {
			if ms, err := c.src.MembershipByID(ctx, *m.MembershipID); err == nil && ms.DonorID != nil {
				donorID = *ms.DonorID
			}
		}
		if donorID != "" {
			d.Unsubscribe = c.set.BaseURL + "/unsubscribe/" + donorID + "/" + topic + "/" + models.UnsubscribeSig(c.set.UnsubscribeKey, donorID, topic)
			out.Unsubscribe = d.Unsubscribe
		}
	}
	set, ok := c.langs[lang]
	if !ok {
		set = c.langs["en"] // a composer made without a catalog speaks English only
	}
	if err := set.load(); err != nil {
		return Message{}, err
	}
	t := set.text[m.Kind]
	if t == nil {
		return Message{}, fmt.Errorf("no email of kind %q", m.Kind)
	}
	if err := t.ExecuteTemplate(&subject, "subject", d); err != nil {
		return Message{}, err
	}
	if err := t.ExecuteTemplate(&text, "text", d); err != nil {
		return Message{}, err
	}
	if err := set.html[m.Kind].ExecuteTemplate(&html, "html", d); err != nil {
		return Message{}, err
	}
	if out.Cause == "" && m.MembershipID != nil {
		// A membership's notices belong to whoever started it.
		if ms, err := c.src.MembershipByID(ctx, *m.MembershipID); err == nil && ms.GiftID != nil {
			out.Cause = GiftCause(*ms.GiftID)
		}
	}
	switch {
	case m.Kind == models.EmailSignIn:
		out.Cause = CauseSignIn
	case m.Kind == models.EmailDetailsNeeded && m.GiftID != nil:
		out.Cause = GiftCause(*m.GiftID)
	}
	out.Subject = strings.TrimSpace(subject.String())
	if d.Test {
		out.Subject = p.T("email.test_prefix") + " " + out.Subject
	}
	out.Text = strings.TrimSpace(text.String()) + "\n"
	out.HTML = html.String()
	return out, nil
}

// replaced is the receipt r replaces, for the reason it was voided.
func (c *Composer) replaced(ctx context.Context, r *models.Receipt) (*models.Receipt, error) {
	if r.DonorID == nil || r.Replaces == "" {
		return nil, nil
	}
	rs, err := c.src.ReceiptsOfDonor(ctx, *r.DonorID, r.FiscalYear)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].Number == r.Replaces {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// messageID is stable per dedupe key: a repeated send carries the same id.
func (c *Composer) messageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	domain := c.set.MessageIDDomain
	if domain == "" {
		domain = "donations.invalid"
	}
	return hex.EncodeToString(sum[:16]) + "@" + domain
}
