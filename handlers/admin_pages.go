package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

const perPage = 50

type pager struct {
	Number, Pages int
	Prev, Next    string
}

func makePager(c *gin.Context, page int, total int64) pager {
	pages := int((total + perPage - 1) / perPage)
	if pages < 1 {
		pages = 1
	}
	p := pager{Number: page, Pages: pages}
	link := func(n int) string {
		q := c.Request.URL.Query()
		q.Set("page", strconv.Itoa(n))
		return c.Request.URL.Path + "?" + q.Encode()
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < pages {
		p.Next = link(page + 1)
	}
	return p
}

func pageParam(c *gin.Context) int {
	n, err := strconv.Atoi(c.Query("page"))
	if err != nil || n < 1 || n > 100000 {
		return 1
	}
	return n
}

type giftRow struct {
	Date, Name, Amount, Frequency, Status string
	DonorID                               string
}

func (s *Server) giftRows(gs []models.Gift) []giftRow {
	out := make([]giftRow, 0, len(gs))
	for _, g := range gs {
		r := giftRow{Name: g.Name, Amount: money.Display(g.TotalAmount, g.Currency), Frequency: g.Frequency, Status: g.Status}
		if g.PaidAt != nil {
			r.Date = g.PaidAt.In(s.cfg.Location).Format("2006-01-02")
		}
		if g.DonorID != nil {
			r.DonorID = *g.DonorID
		}
		if g.RefundedAmount > 0 && g.Status == models.GiftPaid {
			r.Status = "partly refunded (" + money.Display(g.RefundedAmount, g.Currency) + ")"
		}
		if g.DisputeStatus != "" {
			r.Status += ", dispute " + g.DisputeStatus
		}
		out = append(out, r)
	}
	return out
}

type totalRow struct {
	Currency, Gross, Refunds, Net string
	Gifts                         int64
}

func totalsOf(rows []models.SummaryRow) []totalRow {
	sum := map[string]*models.SummaryRow{}
	for _, r := range rows {
		if sum[r.Currency] == nil {
			sum[r.Currency] = &models.SummaryRow{Currency: r.Currency}
		}
		t := sum[r.Currency]
		t.Gross, t.Refunds, t.Net, t.Gifts = t.Gross+r.Gross, t.Refunds+r.Refunds, t.Net+r.Net, t.Gifts+r.Gifts
	}
	var out []totalRow
	for _, t := range sum {
		out = append(out, totalRow{Currency: strings.ToUpper(t.Currency), Gross: money.Display(t.Gross, t.Currency),
			Refunds: money.Display(t.Refunds, t.Currency), Net: money.Display(t.Net, t.Currency), Gifts: t.Gifts})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

type dashboardData struct {
	adminPage
	Month, Year               []totalRow
	FiscalYear                int
	ActiveMembers             int64
	MRR                       []string
	NewMembers, LapsedMembers int64
	Charts                    []chart // one per currency with gifts in the 24 months
	Latest                    []giftRow
}

// chart is one currency's bar chart of gross gifts per month, drawn by the
// template as SVG: every label and figure goes through html/template.
type chart struct {
	Currency, Caption string
	Width, Height     int
	Bars              []chartBar
}

type chartBar struct {
	X, Y, W, H    int
	Label, Amount string
	Tick          bool // the month is labelled under the axis
	TickX, TickY  int
}

func (s *Server) adminDashboard(c *gin.Context) {
	ctx := c.Request.Context()
	loc := s.cfg.Location
	now := s.now().In(loc)
	monthStart := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	fy := s.cfg.FiscalYearStart.FiscalYear(now, loc)
	fyStart, fyEnd := s.cfg.FiscalYearStart.Bounds(fy, loc)
	chartStart := monthStart.AddDate(0, -23, 0)
	rows, err := s.admin.Summary(ctx, chartStart, monthStart.AddDate(0, 1, 0), loc)
	if err != nil {
		s.fail(c, err)
		return
	}
	yearRows, err := s.admin.Summary(ctx, fyStart, fyEnd, loc)
	if err != nil {
		s.fail(c, err)
		return
	}
	d := dashboardData{adminPage: s.adminBase(c), FiscalYear: fy}
	var thisMonth []models.SummaryRow
	for _, r := range rows {
		if r.Month == monthStart.Format("2006-01") {
			thisMonth = append(thisMonth, r)
			d.NewMembers += r.NewMembers
			d.LapsedMembers += r.CancelledMembers
		}
	}
	d.Month, d.Year = totalsOf(thisMonth), totalsOf(yearRows)
	members, err := s.admin.ActiveMembers(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.ActiveMembers = members.Active
	for cur, v := range members.MRR {
		d.MRR = append(d.MRR, money.Display(v, cur))
	}
	sort.Strings(d.MRR)
	// The default currency first, then any other the newsroom was paid in.
	currencies := []string{s.cfg.Currency}
	for _, r := range rows {
		if !slices.Contains(currencies, r.Currency) {
			currencies = append(currencies, r.Currency)
		}
	}
	slices.Sort(currencies[1:])
	for _, cur := range currencies {
		d.Charts = append(d.Charts, giftsChart(rows, chartStart, cur))
	}
	// The latest money in, refunded since or not.
	latest, _, err := s.admin.ListGifts(ctx, models.GiftFilter{Paid: true}, models.Page{Number: 1, Size: 20})
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Latest = s.giftRows(latest)
	s.render(c, http.StatusOK, "admin_dashboard", d)
}

// giftsChart lays out gross per month as bars, readable without
// JavaScript.
func giftsChart(rows []models.SummaryRow, start time.Time, currency string) chart {
	const months, w, h, barW = 24, 720, 200, 24
	gross := make([]int64, months)
	var maxV int64
	for i := 0; i < months; i++ {
		m := start.AddDate(0, i, 0).Format("2006-01")
		for _, r := range rows {
			if r.Month == m && r.Currency == currency {
				gross[i] = r.Gross
			}
		}
		maxV = max(maxV, gross[i])
	}
	c := chart{Currency: strings.ToUpper(currency), Width: w, Height: h + 30,
		Caption: fmt.Sprintf("Highest month: %s. Hover a bar for its figure.", money.Display(maxV, currency))}
	for i, v := range gross {
		bh := 0
		if maxV > 0 {
			bh = int((v*h + maxV/2) / maxV) // integer rounding: no floats near money
		}
		x := i*(w/months) + 3
		c.Bars = append(c.Bars, chartBar{X: x, Y: h - bh, W: barW, H: bh, Label: start.AddDate(0, i, 0).Format("Jan 06"),
			Amount: money.Display(v, currency), Tick: i%3 == 0, TickX: x, TickY: h + 18})
	}
	return c
}

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
	ds, total, err := s.admin.SearchDonors(c.Request.Context(), q, models.Page{Number: page, Size: perPage})
	if err != nil {
		s.fail(c, err)
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
}

type emailRow struct{ ID, When, To, Kind, Status, Error string }

type donorData struct {
	adminPage
	Profile     profileData
	Donor       *models.Donor
	Address     string
	Notice      string
	MergeError  string
	Memberships []accountMembershipRow
	Gifts       []giftRow // the newest perPage
	GiftCount   int64
	GiftTotals  []string // per currency, of all their gifts
	Receipts    []receiptRow
	Years       []int
	Emails      []emailRow
}

type accountMembershipRow struct{ Amount, BillingInterval, Status string }

func (s *Server) adminDonor(c *gin.Context) {
	s.renderDonor(c, c.Param("id"), s.takeFlash(c), "", http.StatusOK)
}

// adminDonorProfile is staff correcting a donor's name and address.
func (s *Server) adminDonorProfile(c *gin.Context) {
	id := c.Param("id")
	p, errs := profileForm(c)
	if len(errs) > 0 {
		s.renderDonorWith(c, id, "", "", http.StatusUnprocessableEntity, &p, errs)
		return
	}
	err := s.store.UpdateDonorProfile(c.Request.Context(), id, p, currentStaff(c).Email, c.ClientIP())
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Donor not found", "There is no such donor.")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setFlash(c, "Saved the donor's name and address.")
	c.Redirect(http.StatusSeeOther, "/admin/donors/"+url.PathEscape(id))
}

// donorOrAnswer loads a donor, or answers 404 (or 500) and returns nil.
func (s *Server) donorOrAnswer(c *gin.Context, id string) *models.Donor {
	donor, err := s.admin.DonorByID(c.Request.Context(), id)
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Donor not found", "There is no such donor.")
		return nil
	}
	if err != nil {
		s.fail(c, err)
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

func (s *Server) renderDonor(c *gin.Context, id, notice, mergeErr string, status int) {
	s.renderDonorWith(c, id, notice, mergeErr, status, nil, nil)
}

// renderDonorWith renders a donor's page; typed, when not nil, is what
// the profile form held, with its errors.
func (s *Server) renderDonorWith(c *gin.Context, id, notice, mergeErr string, status int, typed *models.DonorProfile, errs fieldErrors) {
	ctx := c.Request.Context()
	donor := s.donorOrAnswer(c, id)
	if donor == nil {
		return
	}
	profile := models.DonorProfile{Name: donor.Name, Address: donor.Address}
	if typed != nil {
		profile = *typed
	}
	d := donorData{adminPage: s.adminBase(c), Donor: donor, Notice: notice, MergeError: mergeErr,
		Profile: s.profileData(c, "/admin/donors/"+url.PathEscape(donor.ID)+"/profile", "name and address", profile, errs),
		Address: strings.Trim(strings.Join([]string{donor.Address.Line1, donor.Address.City, donor.Address.PostalCode, donor.Address.Country}, ", "), ", ")}
	ms, err := s.store.MembershipsOfDonor(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	for _, m := range ms {
		d.Memberships = append(d.Memberships, accountMembershipRow{money.Display(m.Amount, m.Currency), m.BillingInterval, m.Status})
	}
	gifts, totals, err := s.admin.ListGifts(ctx, models.GiftFilter{DonorID: id}, models.Page{Number: 1, Size: perPage})
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Gifts = s.giftRows(gifts)
	for _, t := range totals {
		d.GiftCount += t.Count
		d.GiftTotals = append(d.GiftTotals, fmt.Sprintf("%d gifts, %s (refunded %s)", t.Count, money.Display(t.Amount, t.Currency), money.Display(t.Refunded, t.Currency)))
	}
	rs, err := s.store.AllReceiptsOfDonor(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	years := map[int]bool{}
	for _, r := range rs {
		st := r.Status
		if r.Status == models.ReceiptVoid {
			st = "void: " + r.VoidReason
		} else if r.Replaces != "" {
			st = "issued, replaces " + r.Replaces
		}
		d.Receipts = append(d.Receipts, receiptRow{ID: r.ID, Number: r.Number, Amount: money.Display(r.Amount, r.Currency), Status: st, Issued: r.Status == models.ReceiptIssued})
		if !years[r.FiscalYear] {
			years[r.FiscalYear] = true
			d.Years = append(d.Years, r.FiscalYear)
		}
	}
	emails, err := s.admin.DonorEmails(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Emails = emailRows(emails, s.cfg.Location)
	s.render(c, status, "admin_donor", d)
}

func emailRows(ms []models.EmailMessage, loc *time.Location) []emailRow {
	var out []emailRow
	for _, m := range ms {
		out = append(out, emailRow{ID: m.ID, When: m.CreatedAt.In(loc).Format("2006-01-02 15:04"), To: m.ToAddress, Kind: m.Kind, Status: m.Status, Error: m.LastError})
	}
	return out
}

func (s *Server) adminMerge(c *gin.Context) {
	into := c.Param("id")
	fromEmail := strings.TrimSpace(c.PostForm("from_email"))
	if !validEmail(fromEmail) {
		s.renderDonor(c, into, "", "Enter the other record's email address, like name@example.com.", http.StatusUnprocessableEntity)
		return
	}
	from, err := s.admin.DonorByEmail(c.Request.Context(), fromEmail)
	if errors.Is(err, models.ErrNotFound) {
		s.renderDonor(c, into, "", "No donor has that email.", http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	m, err := s.admin.MergeDonors(c.Request.Context(), from.ID, into, currentStaff(c).Email)
	if errors.Is(err, models.ErrConflict) || errors.Is(err, models.ErrNotFound) {
		s.renderDonor(c, into, "", "These two records cannot be merged (the same record, or one merged already).", http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "merged donors", fmt.Sprintf("%s into %s: %d gifts, %d receipts, %d memberships", from.Email, into, m.Gifts, m.Receipts, m.Memberships))
	s.renderDonor(c, into, fmt.Sprintf("Merged %s: moved %d gifts, %d receipts and %d memberships.", from.Email, m.Gifts, m.Receipts, m.Memberships), "", http.StatusOK)
}

func (s *Server) adminResend(c *gin.Context) {
	r, err := s.store.ReceiptByID(c.Request.Context(), c.Param("file"))
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Receipt not found", "There is no such receipt.")
		return
	}
	if err == nil {
		err = s.admin.ResendReceipt(c.Request.Context(), r.ID)
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "resent receipt", r.Number)
	s.renderDonor(c, deref(r.DonorID), "Receipt "+r.Number+" will be sent again.", "", http.StatusOK)
}

func (s *Server) adminVoid(c *gin.Context) {
	reason := strings.TrimSpace(c.PostForm("reason"))
	if checkText(reason, 300, true) != "" {
		s.errorPage(c, http.StatusUnprocessableEntity, "A reason is needed", "Voiding a receipt needs a reason (at most 300 characters). Go back and give one.")
		return
	}
	r, err := s.admin.VoidReceiptByHand(c.Request.Context(), c.Param("file"), "voided by staff: "+reason)
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Receipt not found", "There is no such receipt.")
		return
	}
	if errors.Is(err, models.ErrConflict) {
		s.errorPage(c, http.StatusConflict, "Already void", "This receipt is void already.")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "voided receipt", r.Number+": "+reason)
	s.renderDonor(c, deref(r.DonorID), "Receipt "+r.Number+" is void.", "", http.StatusOK)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

type giftFilterForm struct{ From, To, Status, Frequency, Min, Max, Donor string }

type giftsData struct {
	adminPage
	F                     giftFilterForm
	Statuses, Frequencies []string
	Error                 string
	Totals                []struct {
		Currency, Amount, Refunded string
		Count                      int64
	}
	Gifts []giftRow
	Pager pager
}

// parseGiftFilter reads the gifts list's filters; a bad value is reported,
// never a 500.
func (s *Server) parseGiftFilter(c *gin.Context) (models.GiftFilter, giftFilterForm, string) {
	f := giftFilterForm{From: c.Query("from"), To: c.Query("to"), Status: c.Query("status"), Frequency: c.Query("frequency"),
		Min: c.Query("min"), Max: c.Query("max"), Donor: c.Query("donor")}
	var mf models.GiftFilter
	var problems []string
	if len(f.Donor) > 64 {
		problems = append(problems, "Unknown donor.")
	} else {
		mf.DonorID = f.Donor // one donor's gifts, from their page
	}
	if f.From != "" {
		t, err := time.ParseInLocation("2006-01-02", f.From, s.cfg.Location)
		if err != nil {
			problems = append(problems, "From must be a date like 2026-01-31.")
		}
		mf.From = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation("2006-01-02", f.To, s.cfg.Location)
		if err != nil {
			problems = append(problems, "To must be a date like 2026-01-31.")
		} else {
			mf.To = t.AddDate(0, 0, 1)
		}
	}
	switch f.Status {
	case "", models.GiftPaid, models.GiftRefunded, models.GiftFailed, models.GiftProcessing:
		mf.Status = f.Status
	default:
		problems = append(problems, "Unknown status.")
	}
	switch f.Frequency {
	case "", "once", "month", "year":
		mf.Frequency = f.Frequency
	default:
		problems = append(problems, "Unknown frequency.")
	}
	for _, a := range []struct {
		raw  string
		into *int64
		name string
	}{{f.Min, &mf.Min, "Min"}, {f.Max, &mf.Max, "Max"}} {
		if a.raw != "" {
			v, err := money.ParseMajor(a.raw, s.cfg.Currency)
			if err != nil {
				problems = append(problems, a.name+" must be an amount like 25.")
			}
			*a.into = v
		}
	}
	return mf, f, strings.Join(problems, " ")
}

func (s *Server) adminGifts(c *gin.Context) {
	mf, f, problem := s.parseGiftFilter(c)
	d := giftsData{adminPage: s.adminBase(c), F: f, Error: problem,
		Statuses:    []string{"", models.GiftPaid, models.GiftRefunded, models.GiftFailed, models.GiftProcessing},
		Frequencies: []string{"", "once", "month", "year"}}
	if problem != "" {
		s.render(c, http.StatusUnprocessableEntity, "admin_gifts", d)
		return
	}
	page := pageParam(c)
	gifts, totals, err := s.admin.ListGifts(c.Request.Context(), mf, models.Page{Number: page, Size: perPage})
	if err != nil {
		s.fail(c, err)
		return
	}
	var count int64
	for _, t := range totals {
		count += t.Count
		d.Totals = append(d.Totals, struct {
			Currency, Amount, Refunded string
			Count                      int64
		}{strings.ToUpper(t.Currency), money.Display(t.Amount, t.Currency), money.Display(t.Refunded, t.Currency), t.Count})
	}
	d.Gifts, d.Pager = s.giftRows(gifts), makePager(c, page, count)
	s.render(c, http.StatusOK, "admin_gifts", d)
}

type emailsData struct {
	adminPage
	Emails []emailRow
}

func (s *Server) adminEmails(c *gin.Context) {
	var all []models.EmailMessage
	for _, st := range []string{models.EmailUnconfirmed, models.EmailUnsent, models.EmailFailed} {
		ms, err := s.admin.Emails(c.Request.Context(), st)
		if err != nil {
			s.fail(c, err)
			return
		}
		all = append(all, ms...)
	}
	s.render(c, http.StatusOK, "admin_emails", emailsData{adminPage: s.adminBase(c), Emails: emailRows(all, s.cfg.Location)})
}

func (s *Server) adminRetryEmail(c *gin.Context) {
	err := s.admin.RetryEmail(c.Request.Context(), c.Param("id"))
	if err != nil && !errors.Is(err, models.ErrConflict) {
		s.fail(c, err)
		return
	}
	s.audit(c, "retried email", c.Param("id"))
	c.Redirect(http.StatusSeeOther, "/admin/emails")
}

type staffRow struct {
	Email, Role, LastLogin string
	Disabled               bool
}

type staffData struct {
	adminPage
	Users  []staffRow
	Notice string
	Errors fieldErrors
}

func (s *Server) adminStaff(c *gin.Context) { s.renderStaff(c, "", nil, http.StatusOK) }

func (s *Server) renderStaff(c *gin.Context, notice string, errs fieldErrors, status int) {
	users, err := s.admin.StaffList(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	d := staffData{adminPage: s.adminBase(c), Notice: notice, Errors: errs}
	for _, u := range users {
		r := staffRow{Email: u.Email, Role: u.Role, Disabled: u.Disabled, LastLogin: "never"}
		if u.LastLoginAt != nil {
			r.LastLogin = u.LastLoginAt.In(s.cfg.Location).Format("2006-01-02 15:04")
		}
		d.Users = append(d.Users, r)
	}
	s.render(c, status, "admin_staff", d)
}

func (s *Server) adminAddStaff(c *gin.Context) {
	email, role, password := strings.TrimSpace(c.PostForm("email")), c.PostForm("role"), c.PostForm("password")
	errs := fieldErrors{}
	if !validEmail(email) {
		errs["email"] = "Enter an email address like name@example.com."
	}
	generated := password == ""
	if generated {
		var err error
		if password, err = models.GeneratePassword(); err != nil {
			s.fail(c, err)
			return
		}
	} else if msg := models.CheckPassword(password); msg != "" {
		errs["password"] = msg
	}
	if role != models.RoleAdmin {
		role = models.RoleStaff
	}
	if len(errs) > 0 {
		s.renderStaff(c, "", errs, http.StatusUnprocessableEntity)
		return
	}
	_, err := s.admin.AddStaff(c.Request.Context(), email, password, role)
	if errors.Is(err, models.ErrConflict) {
		s.renderStaff(c, "", fieldErrors{"email": "There is an account with this email already."}, http.StatusUnprocessableEntity)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.audit(c, "added staff", email+" as "+role)
	notice := "Added " + email + "."
	if generated {
		notice += " Their password, shown only now: " + password
	}
	s.renderStaff(c, notice, nil, http.StatusOK)
}

func (s *Server) adminDisableStaff(c *gin.Context) {
	email := strings.TrimSpace(c.PostForm("email"))
	if !validEmail(email) {
		s.renderStaff(c, "That is not an account's email address.", nil, http.StatusUnprocessableEntity)
		return
	}
	if models.NormaliseEmail(email) == currentStaff(c).Email {
		s.renderStaff(c, "You cannot disable your own account.", nil, http.StatusUnprocessableEntity)
		return
	}
	if err := s.admin.DisableStaff(c.Request.Context(), email); err != nil && !errors.Is(err, models.ErrNotFound) {
		s.fail(c, err)
		return
	}
	s.audit(c, "disabled staff", email)
	s.renderStaff(c, "Disabled "+email+".", nil, http.StatusOK)
}

type auditRow struct{ When, StaffEmail, Action, Detail, IP string }

func (s *Server) adminAudit(c *gin.Context) {
	entries, err := s.admin.AuditLog(c.Request.Context(), 500)
	if err != nil {
		s.fail(c, err)
		return
	}
	var rows []auditRow
	for _, e := range entries {
		rows = append(rows, auditRow{e.CreatedAt.In(s.cfg.Location).Format("2006-01-02 15:04:05"), e.StaffEmail, e.Action, e.Detail, e.IP})
	}
	s.render(c, http.StatusOK, "admin_audit", struct {
		adminPage
		Entries []auditRow
	}{s.adminBase(c), rows})
}
