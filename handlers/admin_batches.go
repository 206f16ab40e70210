package handlers

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/money"
)

// Batches: staff enter a bank deposit's cheques, cash, transfers and
// grants, fast and from the keyboard; the batch closes when its gifts add
// up to the deposit typed first.

type batchRow struct {
	ID, Deposited, Total, Status, Note string
}

type batchesData struct {
	adminPage
	Batches []batchRow
	// The form that opens a batch.
	Total, Currency, On, Note string
	Errors                    fieldErrors
}

type batchGiftRow struct {
	Name, Email, Amount, Method, Received, Receipt string
}

type batchData struct {
	adminPage
	ID, Currency, Deposited, Total, Entered, Remaining, Note string
	Open, Balanced                                           bool
	Gifts                                                    []batchGiftRow
	Methods                                                  []struct{ Value, Label string }
	Campaigns                                                []campaignChoice
	// The entry form, as typed (kept after an error, emptied after a gift).
	Entry       batchEntryForm
	Errors      fieldErrors
	CloseErrors fieldErrors
}

// campaignChoice is a campaign a batch's gift may count towards.
type campaignChoice struct{ ID, Name string }

type batchEntryForm struct {
	Email, Name, Line1, City, State, Postal, Country, Amount, Received, Method, Reference string
	// Stock and in kind: what was given, the day a stock was valued, and
	// (Canada, in kind) the appraiser.
	Description, ValuedOn, Appraiser string
	Campaign                         string // a campaign's id, or ""
}

func (s *Server) adminBatches(c *gin.Context) {
	d := batchesData{adminPage: s.adminBase(c), Currency: strings.ToUpper(s.cfg.Currency), On: s.now().In(s.cfg.Location).Format("2006-01-02"), Errors: fieldErrors{}}
	s.renderBatches(c, http.StatusOK, d)
}

func (s *Server) renderBatches(c *gin.Context, status int, d batchesData) {
	bs, err := s.store.Batches(c.Request.Context(), models.Page{Number: 1, Size: 100})
	if err != nil {
		s.error(c, err)
		return
	}
	for _, b := range bs {
		d.Batches = append(d.Batches, batchRow{ID: b.ID, Deposited: b.DepositedOn.In(s.cfg.Location).Format("2006-01-02"),
			Total: money.Display(b.DepositTotal, b.Currency), Status: b.Status, Note: b.Note})
	}
	s.render(c, status, "admin_batches", d)
}

// createBatch opens a batch for the deposit the form names.
func (s *Server) createBatch(c *gin.Context) {
	d := batchesData{adminPage: s.adminBase(c), Errors: fieldErrors{}, Total: strings.TrimSpace(c.PostForm("total")),
		Currency: strings.ToUpper(strings.TrimSpace(c.PostForm("currency"))), On: strings.TrimSpace(c.PostForm("on")), Note: strings.TrimSpace(c.PostForm("note"))}
	cur := strings.ToLower(d.Currency)
	if !money.Supported(cur) {
		d.Errors["currency"] = "Enter the deposit's currency as its code, such as USD."
	}
	total, err := money.ParseMajor(d.Total, cur)
	if err != nil || total <= 0 {
		d.Errors["total"] = "Enter the deposit slip's total, such as 1250.00."
	}
	on, err := time.ParseInLocation("2006-01-02", d.On, s.cfg.Location)
	if err != nil {
		d.Errors["on"] = "Enter the day it was banked, such as 2026-12-04."
	}
	if len(d.Note) > 200 || strings.ContainsRune(d.Note, 0) {
		d.Errors["note"] = "Keep the note under 200 characters."
	}
	if len(d.Errors) > 0 {
		s.renderBatches(c, http.StatusUnprocessableEntity, d)
		return
	}
	b, err := s.store.CreateBatch(c.Request.Context(), total, cur, on, d.Note, actor(c))
	if err != nil {
		s.error(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/admin/batches/"+b.ID)
}

func (s *Server) adminBatch(c *gin.Context) {
	s.renderBatch(c, http.StatusOK, batchEntryForm{Method: models.MethodCheque}, fieldErrors{}, fieldErrors{})
}

// batchOrAnswer is the batch the path names; otherwise it answers (404,
// or the error) and returns nil.
func (s *Server) batchOrAnswer(c *gin.Context) *models.BatchView {
	v, err := s.store.BatchByID(c.Request.Context(), c.Param("id"))
	if errors.Is(err, models.ErrNotFound) {
		s.errorPage(c, http.StatusNotFound, "Batch not found", "There is no such batch.")
		return nil
	}
	if err != nil {
		s.error(c, err)
		return nil
	}
	return v
}

// renderBatch shows a batch, its running total and its entry form.
func (s *Server) renderBatch(c *gin.Context, status int, entry batchEntryForm, errs, closeErrs fieldErrors) {
	v := s.batchOrAnswer(c)
	if v == nil {
		return
	}
	if entry.Received == "" {
		entry.Received = v.DepositedOn.In(s.cfg.Location).Format("2006-01-02")
	}
	d := batchData{adminPage: s.adminBase(c), ID: v.ID, Currency: strings.ToUpper(v.Currency), Note: v.Note,
		Deposited: v.DepositedOn.In(s.cfg.Location).Format("2006-01-02"), Total: money.Display(v.DepositTotal, v.Currency),
		Entered: money.Display(v.Entered, v.Currency), Remaining: money.Display(v.Remaining(), v.Currency),
		Open: v.Status == models.BatchOpen, Balanced: v.Remaining() == 0, Methods: models.OfflineMethods,
		Entry: entry, Errors: errs, CloseErrors: closeErrs}
	camps, err := s.store.Campaigns(c.Request.Context())
	if err != nil {
		s.error(c, err)
		return
	}
	for _, camp := range camps {
		if camp.Open(s.now()) || camp.ID == entry.Campaign {
			d.Campaigns = append(d.Campaigns, campaignChoice{ID: camp.ID, Name: camp.Name})
		}
	}
	for _, g := range v.Gifts {
		method := models.MethodLabel(g.Method)
		if g.MethodReference != "" {
			method += " " + g.MethodReference
		}
		receipt := g.ReceiptNumber
		if receipt == "" {
			receipt = "none (" + noReceiptWhy(g.Method) + ")"
		}
		d.Gifts = append(d.Gifts, batchGiftRow{Name: g.Name, Email: g.Email, Amount: money.Display(g.TotalAmount, g.Currency), Method: method,
			Received: g.PaidAt.In(s.cfg.Location).Format("2006-01-02"), Receipt: receipt})
	}
	s.render(c, status, "admin_batch", d)
}

// noReceiptWhy says why a batch's gift has no receipt.
func noReceiptWhy(method string) string {
	if method == models.MethodGrant {
		return "a fund's grant: thank the fund, which is the donor"
	}
	return "waiting for the donor's details"
}

// addToBatch records one gift from the entry form.
func (s *Server) addToBatch(c *gin.Context) {
	v := s.batchOrAnswer(c)
	if v == nil {
		return
	}
	f := batchEntryForm{}
	for field, dst := range map[string]*string{"email": &f.Email, "name": &f.Name, "line1": &f.Line1, "city": &f.City, "state": &f.State,
		"postal": &f.Postal, "country": &f.Country, "amount": &f.Amount, "received": &f.Received, "method": &f.Method, "reference": &f.Reference,
		"description": &f.Description, "valued_on": &f.ValuedOn, "appraiser": &f.Appraiser, "campaign": &f.Campaign} {
		*dst = strings.TrimSpace(c.PostForm(field))
	}
	errs := fieldErrors{}
	if !validEmail(f.Email) {
		errs["email"] = "Enter the donor's email address, such as reader@example.com."
	}
	if f.Name == "" || len(f.Name) > 200 {
		errs["name"] = "Enter the donor's name, as the receipt will print it."
	}
	goodsUS := f.Method == models.MethodInKind && (s.cfg.ReceiptRules == "" || s.cfg.ReceiptRules == "us")
	amount, err := money.ParseMajor(f.Amount, v.Currency)
	switch {
	case goodsUS:
		amount = 0 // described, not valued: the donor values goods
	case err != nil || amount <= 0:
		errs["amount"] = "Enter the amount, such as 50.00 (for shares or goods, their value)."
	}
	var valuedOn time.Time
	if f.ValuedOn != "" {
		if valuedOn, err = time.ParseInLocation("2006-01-02", f.ValuedOn, s.cfg.Location); err != nil {
			errs["valued_on"] = "Enter the day the shares were valued, such as 2026-12-04."
		}
	}
	if (f.Method == models.MethodStock || f.Method == models.MethodInKind) && f.Description == "" {
		errs["description"] = "Describe what was given: the security and the number of shares, or the goods."
	}
	if f.Method == models.MethodInKind && s.cfg.ReceiptRules == "ca" && f.Appraiser == "" {
		errs["appraiser"] = "Enter the appraiser's name and address: the CRA asks for them on the receipt."
	}
	received, err := time.ParseInLocation("2006-01-02", f.Received, s.cfg.Location)
	if err != nil || received.After(s.now()) {
		errs["received"] = "Enter the day the gift was received, such as 2026-12-04 (not a day to come)."
	}
	if models.MethodLabel(f.Method) == "" {
		errs["method"] = "Choose how the gift was paid."
	}
	if f.Method == models.MethodCheque && f.Reference == "" {
		errs["reference"] = "Enter the cheque's number."
	}
	for _, p := range []string{f.Line1, f.City, f.State, f.Postal, f.Country, f.Reference, f.Description, f.Appraiser} {
		if len(p) > 200 || strings.ContainsRune(p, 0) {
			errs["line1"] = "Keep each part of the address under 200 characters."
		}
	}
	if len(errs) > 0 {
		s.renderBatch(c, http.StatusUnprocessableEntity, f, errs, fieldErrors{})
		return
	}
	e := models.BatchEntry{Email: f.Email, Name: f.Name, Amount: amount, ReceivedOn: received, Method: f.Method, Reference: f.Reference,
		Description: f.Description, ValuedOn: valuedOn, Appraiser: f.Appraiser, CampaignID: f.Campaign,
		Address: models.Address{Line1: f.Line1, City: f.City, State: f.State, PostalCode: f.Postal, Country: strings.ToUpper(f.Country)}}
	g, r, err := s.store.AddToBatch(c.Request.Context(), v.ID, e, actor(c))
	var known *models.Error
	switch {
	case errors.As(err, &known):
		errs["amount"] = known.Message
		s.renderBatch(c, http.StatusUnprocessableEntity, f, errs, fieldErrors{})
		return
	case err != nil:
		s.error(c, err)
		return
	}
	msg := "Entered " + money.Display(g.TotalAmount, g.Currency) + " from " + g.Name
	if r != nil {
		msg += ": receipt " + r.Number + "."
	} else {
		msg += ": no receipt (" + noReceiptWhy(g.Method) + ")."
	}
	s.setFlash(c, msg)
	c.Redirect(http.StatusSeeOther, "/admin/batches/"+v.ID+"#email")
}

// closeBatch closes a batch whose gifts match its deposit.
func (s *Server) closeBatch(c *gin.Context) {
	err := s.store.CloseBatch(c.Request.Context(), c.Param("id"), actor(c))
	var known *models.Error
	switch {
	case errors.Is(err, models.ErrNotFound):
		s.errorPage(c, http.StatusNotFound, "Batch not found", "There is no such batch.")
	case errors.As(err, &known):
		s.renderBatch(c, http.StatusUnprocessableEntity, batchEntryForm{Method: models.MethodCheque}, fieldErrors{}, fieldErrors{"close": known.Message})
	case err != nil:
		s.error(c, err)
	default:
		s.setFlash(c, "Batch closed. Its gifts now change only by voiding a receipt and issuing another.")
		c.Redirect(http.StatusSeeOther, "/admin/batches/"+c.Param("id"))
	}
}
