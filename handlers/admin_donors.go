package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// Donors: the search list, a donor's page, correcting their name and
// address, merging two records of one person, and their statements.

type donorRow struct{ ID, Name, Email, Since string }

type donorsData struct {
	adminPage
	Q      string
	Total  int64
	Donors []donorRow
	Pager  pager
}

func (s *Server) adminDonors(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	page := pageParam(c)
	ds, total, err := s.store.SearchDonors(c.Request.Context(), q, models.Page{Number: page, Size: perPage})
	if err != nil {
		s.error(c, err)
		return
	}
	d := donorsData{adminPage: s.adminBase(c), Q: q, Total: total, Pager: makePager(c, page, total)}
	for _, x := range ds {
		d.Donors = append(d.Donors, donorRow{ID: x.ID, Name: x.Name, Email: x.Email, Since: x.CreatedAt.In(s.cfg.Location).Format("2006-01-02")})
	}
	s.render(c, http.StatusOK, "admin_donors", d)
}

type receiptRow struct {
	ID, Number, Amount, Status string
	Issued                     bool
	// Correct is the "correct and reissue" form, filled with what the
	// receipt says now.
	Correct profileData
}

type donorData struct {
	adminPage
	Profile     profileData
	Donor       *models.Donor
	Address     string
	MergeError  string
	Memberships []accountMembershipRow
	Gifts       []giftRow // the newest perPage
	GiftCount   int64
	GiftTotals  []string // per currency, of all their gifts
	Receipts    []receiptRow
	Years       []int
	Emails      []emailRow
	// GiftAid (uk): each declaration as made, and the gifts declared for
	// whose Gift Aid is not claimed, with why.
	GiftAid        []giftAidDeclarationRow
	GiftAidRefused []string
}

// giftAidDeclarationRow is a declaration as staff check it against HMRC's
// rules: the words, the date, how it was made, whether it is in force.
type giftAidDeclarationRow struct {
	Declared, Name, Address, How, State, Wording string
}

type accountMembershipRow struct {
	Amount, BillingInterval, Status string
	// Why it ended or will end, and its failed payments.
	Ending   string
	Failures []failureRow
}

// failureRow is one failed membership payment as staff read it.
type failureRow struct {
	Invoice, Amount, FirstFailed, Attempts, Decline, NextRetry, Outcome string
}

func (s *Server) failureRows(fs []models.PaymentFailure) []failureRow {
	loc := s.cfg.Location
	var out []failureRow
	for _, f := range fs {
		r := failureRow{Invoice: f.InvoiceID, Amount: money.Display(f.Amount, f.Currency), Attempts: fmt.Sprint(f.Attempts),
			Decline: declineWords(f.DeclineCode, f.DeclineMessage), NextRetry: "—", Outcome: "Failing"}
		if f.FirstFailedAt != nil {
			r.FirstFailed = f.FirstFailedAt.In(loc).Format("2006-01-02")
		}
		switch {
		case f.RecoveredAt != nil:
			r.Outcome = "Recovered " + f.RecoveredAt.In(loc).Format("2006-01-02")
		case f.NextRetryAt != nil:
			r.NextRetry = f.NextRetryAt.In(loc).Format("2006-01-02")
		default:
			r.Outcome = "No more retries"
		}
		out = append(out, r)
	}
	return out
}

// declineWords says why a card was declined, in words, keeping Stripe's
// code for whoever looks it up.
func declineWords(code, message string) string {
	words := map[string]string{
		"insufficient_funds": "Insufficient funds", "expired_card": "Card expired", "card_declined": "Card declined",
		"generic_decline": "Declined by the bank", "do_not_honor": "Declined by the bank", "lost_card": "Card reported lost",
		"stolen_card": "Card reported stolen", "incorrect_cvc": "Wrong security code", "processing_error": "Processing error",
		"authentication_required": "The bank asked the member to confirm",
	}[code]
	switch {
	case code == "":
		return "Not given"
	case words == "":
		words = message
		if words == "" {
			words = "Declined"
		}
	}
	return words + " (" + code + ")"
}

// endingWords says why a membership ended or will end.
func endingWords(m models.Membership) string {
	why := map[string]string{
		"too_expensive": "it costs too much", "unused": "they do not use it enough", "low_quality": "unhappy with the coverage",
		"switched_service": "they support another newsroom", "missing_features": "something is missing",
		"customer_service": "unhappy with the service", "too_complex": "too complicated", "other": "another reason",
	}[m.CancelFeedback]
	if why == "" {
		why = map[string]string{"payment_failed": "payments failed", "payment_disputed": "a payment was disputed",
			"cancellation_requested": "the member cancelled"}[m.CancelReason]
	}
	switch {
	case m.Status == models.MembershipCanceled && why != "":
		return "Ended: " + why
	case m.CancelAtPeriodEnd && why != "":
		return "Ends at the period's end: " + why
	case m.CancelAtPeriodEnd:
		return "Ends at the period's end"
	case m.Paused && m.PausedUntil != nil:
		return "Paused until " + m.PausedUntil.Format("2006-01-02")
	case m.Paused:
		return "Paused"
	}
	return ""
}

func (s *Server) adminDonor(c *gin.Context) {
	s.renderDonor(c, c.Param("id"), "", http.StatusOK)
}

// adminDonorProfile is staff correcting a donor's name and address.
func (s *Server) adminDonorProfile(c *gin.Context) {
	id := c.Param("id")
	p, errs := s.profileForm(c)
	if len(errs) > 0 {
		s.renderDonorWith(c, id, "", http.StatusUnprocessableEntity, &p, errs)
		return
	}
	by := actor(c)
	if err := s.store.UpdateDonorProfile(c.Request.Context(), id, p, &by); err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, "Saved the donor's name and address.")
	c.Redirect(http.StatusSeeOther, "/admin/donors/"+url.PathEscape(id))
}

// donorOrAnswer loads a donor, or answers 404 (or 500) and returns nil.
func (s *Server) donorOrAnswer(c *gin.Context, id string) *models.Donor {
	donor, err := s.store.DonorByID(c.Request.Context(), id)
	if err != nil {
		s.error(c, err)
		return nil
	}
	if donor.MergedInto != nil {
		// An old link to a merged record leads to the person's record.
		c.Redirect(http.StatusSeeOther, "/admin/donors/"+url.PathEscape(*donor.MergedInto))
		c.Abort()
		return nil
	}
	return donor
}

func (s *Server) renderDonor(c *gin.Context, id, mergeErr string, status int) {
	s.renderDonorWith(c, id, mergeErr, status, nil, nil)
}

// renderDonorWith renders a donor's page; typed, when not nil, is what
// the profile form held, with its errors.
func (s *Server) renderDonorWith(c *gin.Context, id, mergeErr string, status int, typed *models.DonorProfile, errs fieldErrors) {
	ctx := c.Request.Context()
	donor := s.donorOrAnswer(c, id)
	if donor == nil {
		return
	}
	profile := models.DonorProfile{Name: donor.Name, Address: donor.Address}
	if typed != nil {
		profile = *typed
	}
	d := donorData{adminPage: s.adminBase(c), Donor: donor, MergeError: mergeErr,
		Profile: s.profileData(c, "/admin/donors/"+url.PathEscape(donor.ID)+"/profile", "name and address", profile, errs),
		Address: strings.Trim(strings.Join([]string{donor.Address.Line1, donor.Address.City, donor.Address.PostalCode, donor.Address.Country}, ", "), ", ")}
	ms, err := s.store.MembershipsOfDonor(ctx, id)
	if err != nil {
		s.error(c, err)
		return
	}
	for _, m := range ms {
		fs, err := s.store.FailuresOfMembership(ctx, m.ID)
		if err != nil {
			s.error(c, err)
			return
		}
		d.Memberships = append(d.Memberships, accountMembershipRow{Amount: money.Display(m.Amount, m.Currency),
			BillingInterval: giftKind(m.BillingInterval), Status: membershipStatus(m.Status), Ending: endingWords(m), Failures: s.failureRows(fs)})
	}
	gifts, totals, err := s.store.ListGifts(ctx, models.GiftFilter{DonorID: id}, models.Page{Number: 1, Size: perPage})
	if err != nil {
		s.error(c, err)
		return
	}
	fees, err := s.store.FeesOfGifts(ctx, gifts)
	if err != nil {
		s.error(c, err)
		return
	}
	d.Gifts = s.giftRows(gifts, fees)
	for _, t := range totals {
		d.GiftCount += t.Count
		d.GiftTotals = append(d.GiftTotals, fmt.Sprintf("%d gifts, %s (refunded %s)", t.Count, money.Display(t.Amount, t.Currency), money.Display(t.Refunded, t.Currency)))
	}
	rs, err := s.store.AllReceiptsOfDonor(ctx, id)
	if err != nil {
		s.error(c, err)
		return
	}
	years := map[int]bool{}
	for _, r := range rs {
		st := "Issued"
		if r.Status == models.ReceiptVoid {
			st = "Void: " + r.VoidReasonText()
		} else if r.Replaces != "" {
			st = "Issued, replaces " + r.Replaces
		}
		row := receiptRow{ID: r.ID, Number: r.Number, Amount: money.Display(r.Amount, r.Currency), Status: st, Issued: r.Status == models.ReceiptIssued}
		if row.Issued {
			row.Correct = s.profileData(c, "/admin/receipts/"+url.PathEscape(r.ID)+"/correct", "and reissue", models.DonorProfile{
				Name: r.DonorName, Address: r.DonorAddress()}, nil)
			row.Correct.IDPrefix = "correct-" + r.ID + "-"
		}
		d.Receipts = append(d.Receipts, row)
		if !years[r.FiscalYear] {
			years[r.FiscalYear] = true
			d.Years = append(d.Years, r.FiscalYear)
		}
	}
	for _, r := range rs {
		if r.GiftAidNote != "" && r.Status == models.ReceiptIssued {
			d.GiftAidRefused = append(d.GiftAidRefused, r.Number+" ("+money.Display(r.Amount, r.Currency)+"): "+r.GiftAidNote+".")
		}
	}
	if err := s.donorGiftAid(c, &d, id); err != nil {
		s.error(c, err)
		return
	}
	emails, err := s.store.DonorEmails(ctx, id)
	if err != nil {
		s.error(c, err)
		return
	}
	d.Emails = emailRows(emails, s.cfg.Location)
	s.render(c, status, "admin_donor", d)
}

// adminMerge merges another record (found by its email) into this donor,
// then shows the result on the donor's page (post, redirect, get).
func (s *Server) adminMerge(c *gin.Context) {
	into := c.Param("id")
	fromEmail := strings.TrimSpace(c.PostForm("from_email"))
	if !validEmail(fromEmail) {
		s.renderDonor(c, into, "Enter the other record's email address, like name@example.com.", http.StatusUnprocessableEntity)
		return
	}
	m, err := s.store.MergeDonors(c.Request.Context(), fromEmail, into, actor(c))
	if errors.Is(err, models.ErrConflict) || (errors.Is(err, models.ErrNotFound) && models.Message(err) == "No donor has that email.") {
		// A mistake in the form: said next to it.
		s.renderDonor(c, into, models.Message(err), http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		s.error(c, err)
		return
	}
	s.setFlash(c, fmt.Sprintf("Merged %s: moved %d gifts, %d receipts and %d memberships.", m.FromEmail, m.Gifts, m.Receipts, m.Memberships))
	c.Redirect(http.StatusSeeOther, "/admin/donors/"+url.PathEscape(into))
}

// adminDonorStatement is one donor's statement of a fiscal year.
func (s *Server) adminDonorStatement(c *gin.Context) {
	fy, err := strconv.Atoi(strings.TrimSuffix(c.Param("file"), ".pdf"))
	if err != nil || fy < 1900 || fy > 9999 {
		s.error(c, models.Errorf(models.ErrNotFound, "There is no such statement."))
		return
	}
	donor := s.donorOrAnswer(c, c.Param("id"))
	if donor == nil {
		return
	}
	st, err := documents.StatementOf(c.Request.Context(), s.store, s.cfg.Org, donor, fy)
	var buf bytes.Buffer
	if err == nil {
		err = s.docs.Statement(&buf, st)
	}
	if err != nil {
		s.error(c, err)
		return
	}
	if !s.auditDownload(c, "downloaded statement", fmt.Sprintf("%s %d", donor.Email, fy)) {
		return
	}
	s.sendPDF(c, fmt.Sprintf("statement-%d-%s.pdf", fy, donor.ID), buf.Bytes())
}

// donorGiftAid fills the donor page's Gift Aid declarations.
func (s *Server) donorGiftAid(c *gin.Context, d *donorData, donorID string) error {
	ds, gifts, err := s.store.GiftAidDeclarationsOf(c.Request.Context(), donorID)
	if err != nil {
		return err
	}
	day := func(t time.Time) string { return t.In(s.cfg.Location).Format("2 January 2006, 15:04") }
	for _, decl := range ds {
		row := giftAidDeclarationRow{Declared: day(decl.DeclaredAt), Wording: decl.Wording,
			Name:    strings.TrimSpace(strings.Join([]string{decl.Title, decl.FirstName, decl.LastName}, " ")),
			Address: decl.Address + " (house " + decl.House + ", postcode " + decl.Postcode + ")", State: "In force"}
		if g := gifts[decl.ID]; g != nil {
			row.How = "Ticked on the donate form with a gift of " + money.Display(g.TotalAmount, g.Currency)
			if decl.ConfirmedAt != nil {
				row.How += ", confirmed by its payment on " + day(*decl.ConfirmedAt)
			}
		} else {
			row.How = "Made without a gift"
		}
		if decl.CancelledAt != nil {
			row.State = "Cancelled by the donor on " + day(*decl.CancelledAt) + " (gifts before stay claimable)"
		}
		d.GiftAid = append(d.GiftAid, row)
	}
	return nil
}
