package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/outbound"
)

// Webhook endpoints (admins only): the newsroom's other tools that get
// signed events. A secret is shown once, in the flash after creating or
// rotating, and never again.

type endpointRow struct {
	ID, URL, Description, Types, Status, DisabledReason string
	Open, Delivered, Failed                             int64
}

type webhooksData struct {
	adminPage
	Endpoints []endpointRow
	// The add form, kept when it is refused.
	URL, Description string
	Chosen           map[string]bool
	EventTypes       []string
	Errors           fieldErrors
}

func (s *Server) adminWebhooks(c *gin.Context) {
	s.renderWebhooks(c, webhooksData{}, http.StatusOK)
}

func (s *Server) renderWebhooks(c *gin.Context, d webhooksData, status int) {
	list, err := s.store.OutboundEndpoints(c.Request.Context())
	if err != nil {
		s.error(c, err)
		return
	}
	d.adminPage, d.EventTypes = s.adminBase(c), models.EventTypes
	for _, e := range list {
		d.Endpoints = append(d.Endpoints, endpointRow{ID: e.ID, URL: e.URL, Description: e.Description, Types: typesText(e.EventTypes),
			Status: e.Status, DisabledReason: e.DisabledReason, Open: e.Open, Delivered: e.Delivered, Failed: e.Failed})
	}
	s.render(c, status, "admin_webhooks", d)
}

func typesText(types string) string {
	if types == "" {
		return "all events"
	}
	return strings.ReplaceAll(types, " ", ", ")
}

// endpointURLProblem says, in a sentence, why raw may not be an endpoint,
// or "". The client checks every address again when it connects, so a
// name that resolves inside our network is refused there.
//
// allowLoopback is OUTBOUND_ALLOW_LOOPBACK: in development, a receiver on
// this machine.
func endpointURLProblem(raw string, production, allowLoopback bool) string {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "Enter the address the events are posted to."
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return "Enter a full address, like https://hooks.example.org/donations."
	case u.Scheme == "http" && production:
		return "Only https addresses are allowed: events carry donors' details."
	case u.User != nil:
		return "Leave the user name and password out of the address."
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if (host == "localhost" || strings.HasSuffix(host, ".localhost")) && !allowLoopback {
		return "That address is on this server, not a public one."
	}
	if err := (outbound.Policy{HTTPSOnly: production, AllowLoopback: allowLoopback}).CheckURL(raw); err != nil {
		return "That address is not a public one: events are never sent inside our network."
	}
	return ""
}

func (s *Server) adminAddWebhook(c *gin.Context) {
	raw := strings.TrimSpace(c.PostForm("url"))
	d := webhooksData{URL: raw, Description: strings.TrimSpace(c.PostForm("description")), Chosen: map[string]bool{}, Errors: fieldErrors{}}
	var types []string
	if c.PostForm("all") == "" {
		for _, t := range c.PostFormArray("types") {
			if slices.Contains(models.EventTypes, t) && !d.Chosen[t] {
				d.Chosen[t] = true
				types = append(types, t)
			}
		}
		if len(types) == 0 {
			d.Errors["types"] = "Choose the events to send, or all of them."
		}
	}
	if msg := endpointURLProblem(raw, s.cfg.Production(), s.cfg.OutboundAllowLoopback); msg != "" {
		d.Errors["url"] = msg
	}
	if len(d.Description) > 200 {
		d.Errors["description"] = "Keep the description under 200 characters."
	}
	if len(d.Errors) > 0 {
		s.renderWebhooks(c, d, http.StatusUnprocessableEntity)
		return
	}
	e, err := s.store.CreateOutboundEndpoint(c.Request.Context(), raw, d.Description, types, actor(c))
	if err != nil {
		s.error(c, err)
		return
	}
	// Shown once, on the page the redirect leads to (the flash cookie is
	// encrypted and lives two minutes).
	s.setFlash(c, "Added "+e.URL+". Its signing secret, shown only now: "+e.Secret)
	c.Redirect(http.StatusSeeOther, "/admin/webhooks/"+e.ID)
}

type webhookData struct {
	adminPage
	Endpoint             endpointRow
	Secrets              string // "one" or "two, until ..." during a rotation
	LastSuccess, Failing string
	Log                  []deliveryRow
	Pager                pager
	From, To             string
	Errors               fieldErrors
}

type deliveryRow struct {
	ID, Type, WebhookID, Status, Code, Error, Created, LastAttempt, Delivered string
	Attempts                                                                  int
	Replayable                                                                bool
}

func (s *Server) adminWebhook(c *gin.Context) {
	s.renderWebhook(c, webhookData{}, http.StatusOK)
}

const minuteLayout = "2006-01-02 15:04"

func (s *Server) renderWebhook(c *gin.Context, d webhookData, status int) {
	ctx := c.Request.Context()
	e, err := s.store.OutboundEndpointByID(ctx, c.Param("id"))
	if err != nil {
		s.error(c, err)
		return
	}
	page := pageParam(c)
	log, total, err := s.store.DeliveryLog(ctx, e.ID, (page-1)*perPage, perPage)
	if err != nil {
		s.error(c, err)
		return
	}
	loc := s.cfg.Location
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(loc).Format(minuteLayout)
	}
	d.adminPage = s.adminBase(c)
	d.Endpoint = endpointRow{ID: e.ID, URL: e.URL, Description: e.Description, Types: typesText(e.EventTypes), Status: e.Status, DisabledReason: e.DisabledReason}
	d.Secrets = "one"
	if len(e.Secrets(s.now())) == 2 {
		d.Secrets = "two: the previous secret signs too until " + at(e.PreviousSecretUntil)
	}
	d.LastSuccess = at(e.LastSuccessAt)
	if e.FailingSince != nil {
		d.Failing = at(e.FailingSince)
	}
	for _, r := range log {
		row := deliveryRow{ID: r.ID, Type: r.EventType, WebhookID: r.WebhookID, Status: r.Status, Attempts: r.Attempts, Error: r.LastError,
			Created: r.CreatedAt.In(loc).Format(minuteLayout), LastAttempt: at(r.LastAttemptAt), Delivered: at(r.DeliveredAt),
			Replayable: r.Status != models.DeliverySending}
		if r.LastStatusCode != 0 {
			row.Code = strings.TrimSpace(strconv.Itoa(r.LastStatusCode) + " " + http.StatusText(r.LastStatusCode))
		}
		d.Log = append(d.Log, row)
	}
	d.Pager = makePager(c, page, total)
	if d.From == "" && d.To == "" {
		now := s.now().In(loc)
		d.From, d.To = now.Add(-24*time.Hour).Format("2006-01-02T15:04"), now.Format("2006-01-02T15:04")
	}
	s.render(c, status, "admin_webhook", d)
}

func (s *Server) webhookDone(c *gin.Context, notice string) {
	s.setFlash(c, notice)
	c.Redirect(http.StatusSeeOther, "/admin/webhooks/"+c.Param("id"))
}

// webhookRefused re-renders the endpoint page with the store's reason for
// refusing, or passes any other error on.
func (s *Server) webhookRefused(c *gin.Context, err error) {
	if errors.Is(err, models.ErrInvalid) {
		s.renderWebhook(c, webhookData{Errors: fieldErrors{"action": models.Message(err)}}, http.StatusUnprocessableEntity)
		return
	}
	s.error(c, err)
}

func (s *Server) adminRotateWebhook(c *gin.Context) {
	secret, err := s.store.RotateOutboundSecret(c.Request.Context(), c.Param("id"), actor(c))
	if err != nil {
		s.error(c, err)
		return
	}
	s.webhookDone(c, "New signing secret, shown only now: "+secret+" (the previous one signs too for 24 hours).")
}

func (s *Server) adminDisableWebhook(c *gin.Context) {
	if err := s.store.DisableOutboundEndpoint(c.Request.Context(), c.Param("id"), "Disabled by "+currentStaff(c).Email+".", actor(c)); err != nil {
		s.error(c, err)
		return
	}
	s.webhookDone(c, "Disabled: nothing is sent to this endpoint until it is enabled.")
}

func (s *Server) adminEnableWebhook(c *gin.Context) {
	if err := s.store.EnableOutboundEndpoint(c.Request.Context(), c.Param("id"), actor(c)); err != nil {
		s.error(c, err)
		return
	}
	s.webhookDone(c, "Enabled: deliveries waiting for this endpoint are on their way.")
}

func (s *Server) adminTestWebhook(c *gin.Context) {
	if _, err := s.store.SendTestEvent(c.Request.Context(), c.Param("id"), actor(c)); err != nil {
		s.webhookRefused(c, err)
		return
	}
	s.webhookDone(c, "A test event is on its way; it shows in the delivery log below.")
}

func (s *Server) adminReplayDelivery(c *gin.Context) {
	if err := s.store.ReplayDelivery(c.Request.Context(), c.Param("id"), c.PostForm("delivery"), actor(c)); err != nil {
		s.error(c, err)
		return
	}
	s.webhookDone(c, "The delivery is on its way again.")
}

func (s *Server) adminReplayRange(c *gin.Context) {
	d := webhookData{From: c.PostForm("from"), To: c.PostForm("to"), Errors: fieldErrors{}}
	from, errFrom := time.ParseInLocation("2006-01-02T15:04", d.From, s.cfg.Location)
	to, errTo := time.ParseInLocation("2006-01-02T15:04", d.To, s.cfg.Location)
	if errFrom != nil {
		d.Errors["from"] = "Enter a date and time, like 2026-03-01 09:00."
	}
	if errTo != nil {
		d.Errors["to"] = "Enter a date and time, like 2026-03-02 09:00."
	} else if errFrom == nil && !from.Before(to) {
		d.Errors["to"] = "The end must come after the start."
	}
	if len(d.Errors) > 0 {
		s.renderWebhook(c, d, http.StatusUnprocessableEntity)
		return
	}
	n, err := s.store.ReplayDeliveries(c.Request.Context(), c.Param("id"), from, to, actor(c))
	if err != nil {
		s.webhookRefused(c, err)
		return
	}
	s.webhookDone(c, "Replaying "+strconv.Itoa(n)+" deliveries.")
}
