package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
)

// A donor's data rights on their page: see what the newsroom holds, take
// a copy, and have it erased, within what tax law keeps.

type dataRow struct{ What, Detail string }

type accountDataPage struct {
	page
	Email string
	// What the newsroom holds, section by section, in words.
	Profile, Gifts, Memberships, Receipts, Declarations, Emails []dataRow
	// The erasure: what goes now, what is kept and until when, which
	// memberships end.
	Active    []string
	KeptUntil string
	KeptCount int
	Notice    string // what is wrong with the confirmation
	Flash     string // what the last step did
}

// donorData reads the signed-in donor's file and lays it out for people.
func (s *Server) donorData(c *gin.Context, donor *models.Donor) (*accountDataPage, *models.DonorFile, error) {
	f, err := s.store.DonorFileOf(c.Request.Context(), donor.ID)
	if err != nil {
		return nil, nil, err
	}
	loc := s.cfg.Location
	p := s.printer(c)
	day := func(t time.Time) string { return t.In(loc).Format("2006-01-02") }
	d := &accountDataPage{page: s.basePage(c), Email: donor.Email}
	d.Profile = []dataRow{{p.T("data.email"), f.Donor.Email}, {p.T("data.name"), f.Donor.Name},
		{p.T("data.address"), strings.Join(f.Donor.Address.Lines(), ", ")}, {p.T("data.since"), day(f.Donor.CreatedAt)}}
	for _, g := range f.Gifts {
		what := p.T("data.gift", "Date", day(g.CreatedAt), "Amount", p.Money(g.TotalAmount, g.Currency),
			"Kind", dataWord(p, "data.kind.", g.Frequency, models.PaymentKind(g.Frequency)), "Status", dataWord(p, "data.gift.", g.Status, g.Status))
		detail := strings.Join(g.Address.Lines(), ", ")
		if g.DedicationName != "" {
			detail = strings.TrimPrefix(detail+"; "+dedicationLine(p, donateForm{DedicationType: g.DedicationType, DedicationName: g.DedicationName}), "; ")
		}
		d.Gifts = append(d.Gifts, dataRow{what, detail})
	}
	for _, m := range f.Memberships {
		every := perInterval(p, m.Amount, m.Currency, m.BillingInterval)
		d.Memberships = append(d.Memberships, dataRow{every, dataWord(p, "data.membership.", m.Status, m.Status)})
		if m.Status == "active" || m.Status == "trialing" || m.Status == "past_due" {
			d.Active = append(d.Active, every)
		}
	}
	years := s.cfg.Receipts().RetentionYears
	if years == 0 {
		years = models.RetentionYears(s.cfg.ReceiptRules)
	}
	var keep time.Time
	for _, r := range f.Receipts {
		d.Receipts = append(d.Receipts, dataRow{p.T("data.receipt", "Number", r.Number, "Date", day(r.GiftDate), "Amount", p.Money(r.Amount, r.Currency)),
			dataWord(p, "data.receipt.", r.Status, r.Status)})
		_, end := s.cfg.FiscalYearStart.Bounds(r.FiscalYear, loc)
		if k := end.AddDate(years, 0, 0); k.After(keep) {
			keep = k
		}
		d.KeptCount++
	}
	for _, decl := range f.Declarations {
		d.Declarations = append(d.Declarations, dataRow{p.T("data.declared", "Date", day(decl.DeclaredAt)), decl.FirstName + " " + decl.LastName + ", " + decl.Postcode})
		if k := s.now().AddDate(6, 0, 0); k.After(keep) {
			keep = k
		}
		d.KeptCount++
	}
	for _, e := range f.Emails {
		d.Emails = append(d.Emails, dataRow{p.T("data.sent", "Date", day(e.CreatedAt), "Kind", dataWord(p, "data.emailkind.", e.Kind, e.Kind)),
			dataWord(p, "data.email.", e.Status, e.Status)})
	}
	if !keep.IsZero() {
		d.KeptUntil = p.DateDayFirst(keep.In(loc))
	}
	return d, f, nil
}

// dataWord is a value the ledger holds (a status, a kind) in the donor's
// words: the message prefix+value, or fallback for a value no message
// names (the ledger's own word, as English shows it).
func dataWord(p *locale.Printer, prefix, value, fallback string) string {
	if value == "" {
		return fallback
	}
	if w := p.T(prefix + value); w != prefix+value {
		return w
	}
	return fallback
}

// perInterval is a membership's amount and how often it is paid: "$15.00
// per month".
func perInterval(p *locale.Printer, minor int64, currency, interval string) string {
	amount := p.Money(minor, currency)
	switch interval {
	case models.FrequencyMonth, models.FrequencyYear:
		return p.T("data.per."+interval, "Amount", amount)
	}
	return amount + " per " + interval
}

// accountData shows the donor everything held about them.
func (s *Server) accountData(c *gin.Context) { s.renderDonorData(c, "account_data") }

// accountErase shows what erasure removes now and what the law keeps.
func (s *Server) accountErase(c *gin.Context) { s.renderDonorData(c, "account_erase") }

// renderDonorData renders one of the data pages of the signed-in donor.
func (s *Server) renderDonorData(c *gin.Context, name string) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	d, _, err := s.donorData(c, donor)
	if err != nil {
		s.error(c, err)
		return
	}
	d.Flash = s.takeFlash(c)
	s.render(c, http.StatusOK, name, d)
}

// sendDonorFile writes a donor's file as a zip download (staff, for a
// donor who wrote in).
func (s *Server) sendDonorFile(c *gin.Context, donorID string) {
	f, err := s.store.DonorFileOf(c.Request.Context(), donorID)
	if err != nil {
		s.error(c, err)
		return
	}
	var buf bytes.Buffer
	if err := s.docs.WriteDonorFile(&buf, f); err != nil {
		s.error(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="donor-file.zip"`)
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
}

// accountDataExport starts making the donor's file as a job; the link to
// it comes by email, to the account's address, when it is ready.
func (s *Server) accountDataExport(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	_, _, err := s.store.StartExport(c.Request.Context(), models.Actor{Email: "the donor", IP: c.ClientIP()}, models.DonorFileExport(donor.ID))
	if err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, s.printer(c).T("data.making", "Email", donor.Email))
	c.Redirect(http.StatusSeeOther, "/account/data")
}

// accountDataFile gives the signed-in donor their finished file; anyone
// else's looks exactly like a missing one.
func (s *Server) accountDataFile(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	ctx := c.Request.Context()
	e, err := s.store.ExportByID(ctx, c.Param("id"))
	if err != nil || e.Kind != models.ExportDonorFile || e.Params != models.DonorFileExport(donor.ID).Params {
		s.error(c, models.Errorf(models.ErrNotFound, "%s", s.printer(c).T("data.nofile")))
		return
	}
	if e.Status != models.ExportDone {
		p := s.printer(c)
		s.errorPage(c, http.StatusConflict, p.T("data.notready.title"), p.T("data.notready"))
		return
	}
	attachment(c, e.FileName, e.ContentType)
	c.Header("Cache-Control", "private, no-store")
	c.Header("Content-Length", strconv.FormatInt(e.Size, 10))
	c.Status(http.StatusOK)
	if err := s.store.WriteExportFile(ctx, e, c.Writer); err != nil {
		s.logger(c).Error("sending a donor's file", "export", e.ID, "err", err)
	}
}

// accountEraseConfirm erases the signed-in donor: their Stripe customers
// first (which ends their memberships and keeps no card), then the
// ledger, then their session.
func (s *Server) accountEraseConfirm(c *gin.Context) {
	donor := s.requireDonor(c)
	if donor == nil {
		return
	}
	if c.PostForm("confirm") != "yes" {
		d, _, err := s.donorData(c, donor)
		if err != nil {
			s.error(c, err)
			return
		}
		d.Notice = s.printer(c).T("erase.tick")
		s.render(c, http.StatusUnprocessableEntity, "account_erase", d)
		return
	}
	if _, err := s.erase(c, donor.ID, models.Actor{Email: "the donor", IP: c.ClientIP()}, "asked on their page"); err != nil {
		s.error(c, err)
		return
	}
	s.setSessionCookie(c, "", -1)
	s.render(c, http.StatusOK, "account_erased", s.basePage(c))
}

// erase deletes the donor's Stripe customers, then erases them in the
// ledger. A Stripe that cannot be reached erases nothing, so the donor
// (or staff) can ask again.
func (s *Server) erase(c *gin.Context, donorID string, by models.Actor, reference string) (*models.Erasure, error) {
	ctx := c.Request.Context()
	customers, err := s.store.StripeCustomersOf(ctx, donorID)
	if err != nil {
		return nil, err
	}
	for _, id := range customers {
		if err := s.gateway.DeleteCustomer(ctx, id); err != nil {
			return nil, fmt.Errorf("erasing donor %s: %w", donorID, err)
		}
	}
	return s.store.EraseDonor(ctx, donorID, by, reference)
}

// adminErase erases a donor who wrote in: staff record the request they
// checked (the audit log keeps it).
func (s *Server) adminErase(c *gin.Context) {
	ref := strings.TrimSpace(c.PostForm("reference"))
	if ref == "" || len(ref) > 300 {
		s.setFlash(c, "Say which request this is, and how the donor's identity was checked (up to 300 characters).")
		c.Redirect(http.StatusSeeOther, "/admin/donors/"+c.Param("id")+"#erase")
		return
	}
	e, err := s.erase(c, c.Param("id"), actor(c), ref)
	var known *models.Error
	switch {
	case errors.As(err, &known):
		s.setFlash(c, known.Message)
	case err != nil:
		s.error(c, err)
		return
	default:
		s.setFlash(c, fmt.Sprintf("Erased: the donor is now %s. %d tax records are kept, sealed, until %s.", e.Name, e.Kept, e.KeepUntil.In(s.cfg.Location).Format("2 January 2006")))
	}
	c.Redirect(http.StatusSeeOther, "/admin/donors/"+c.Param("id"))
}

// adminDonorFile gives staff a donor's file, for a donor who wrote in.
func (s *Server) adminDonorFile(c *gin.Context) {
	if err := s.store.AuditDonorFile(c.Request.Context(), c.Param("id"), actor(c)); err != nil {
		s.error(c, err)
		return
	}
	s.sendDonorFile(c, c.Param("id"))
}
