package handlers

import (
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/templates"
)

// webhookPath is where Stripe sends events; its body has its own cap.
const webhookPath = "/webhooks/stripe"

// routes is the whole URL space at a glance.
func (s *Server) routes() (*gin.Engine, error) {
	gin.SetMode(gin.ReleaseMode) // gin's debug mode prints routes and warnings on every start
	r := gin.New()
	r.HandleMethodNotAllowed = true
	// Only listed proxies may set X-Forwarded-For; otherwise a card tester
	// could pick a new "client IP" per request and dodge the rate limit.
	if err := r.SetTrustedProxies(s.cfg.TrustedProxies); err != nil {
		return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	r.Use(s.requestID, s.closeWhileDraining, s.accessLog, s.recoverPanics, s.securityHeaders, s.chooseLanguage, s.rejectUnreadable)
	r.NoRoute(func(c *gin.Context) {
		p := s.printer(c)
		s.errorPage(c, http.StatusNotFound, p.T("error.notfound.title"), p.T("error.notfound"))
	})
	r.NoMethod(func(c *gin.Context) {
		p := s.printer(c)
		s.errorPage(c, http.StatusMethodNotAllowed, p.T("error.method.title"), p.T("error.method"))
	})

	// Machine endpoints: no CSRF, no sessions.
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	if s.cfg.MetricsToken != "" {
		// Otherwise /metrics is only on METRICS_ADDR (see MetricsHandler).
		r.GET("/metrics", s.requireMetricsToken, gin.WrapH(s.metrics.handler()))
	}
	r.POST(webhookPath, s.stripeWebhook)
	// The donate box, asked for by every article view: no cookie, cached.
	r.GET("/box.js", s.boxJS)
	r.GET("/box/meter/:file", s.boxMeter)
	// The donate forms' proof of work: no cookie, never cached.
	r.GET("/donate/challenge", s.challengeJSON)

	s.assetRoutes(r)
	static, err := fs.Sub(templates.Files, "static")
	if err != nil {
		return nil, err
	}
	files := http.StripPrefix("/static", http.FileServerFS(static))
	r.GET("/static/*file", func(c *gin.Context) {
		if strings.HasSuffix(c.Param("file"), "/") {
			c.Status(http.StatusNotFound) // no directory listings
			return
		}
		if c.Param("file") == "/app.css" {
			s.serveCSS(c)
			return
		}
		c.Header("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(c.Writer, c.Request)
	})

	// Unsubscribe links: signed, and posted to by mail programs (RFC 8058)
	// with no session or form token, so outside the CSRF check.
	r.GET("/unsubscribe/:donor/:topic/:sig", s.unsubscribePage)
	r.POST("/unsubscribe/:donor/:topic/:sig", s.unsubscribe)

	// Pages with forms.
	pages := r.Group("/", s.csrf())
	pages.GET("/", func(c *gin.Context) { c.Redirect(http.StatusFound, "/donate") })
	pages.GET("/donate", s.embeddable, s.donateForm)
	pages.HEAD("/donate", s.embeddable, s.donateForm) // as GET, without the body (net/http drops it)
	pages.POST("/donate", s.embeddable, s.donateSubmit)
	pages.GET("/donate/thanks", s.embeddable, s.thanks)
	pages.GET("/give/:slug", s.give)
	pages.GET("/donate/details/:token", s.giftDetails)
	pages.GET("/donate/restart/:token", s.restartMembership)
	pages.POST("/donate/restart/:token", s.startRestart)
	pages.POST("/donate/details/:token", s.rateLimitSignIn, s.completeGiftDetails)
	pages.GET("/receipts/verify/:code", s.verifyReceipt)
	pages.GET("/account", s.account)
	pages.POST("/account/sign-in", s.rateLimitSignIn, s.requestSignIn)
	pages.GET("/account/sign-in/:token", s.confirmSignIn)
	pages.POST("/account/sign-in/:token", s.rateLimitSignIn, s.signIn)
	pages.POST("/account/sign-out", s.signOut)
	pages.POST("/account/portal", s.portal)
	pages.GET("/account/memberships/:id/cancel", s.cancelMembershipPage)
	pages.POST("/account/memberships/:id/cancel", s.cancelMembership)
	pages.POST("/account/memberships/:id/keep", s.keepMembership)
	pages.POST("/account/memberships/:id/pause", s.pauseMembership)
	pages.POST("/account/memberships/:id/resume", s.resumeMembership)
	pages.POST("/account/memberships/:id/amount", s.changeMembershipAmount)
	pages.POST("/account/profile", s.updateProfile)
	pages.POST("/account/gift-aid/cancel", s.cancelGiftAid)
	pages.GET("/account/receipts/:file", s.receiptPDF)
	pages.GET("/account/statements/:file", s.statementPDF)
	pages.POST("/account/email-preferences", s.updateEmailPreferences)
	pages.GET("/account/data", s.accountData)
	pages.POST("/account/data/export", s.accountDataExport)
	pages.GET("/account/data/exports/:id", s.accountDataFile)
	pages.GET("/account/erase", s.accountErase)
	pages.POST("/account/erase", s.accountEraseConfirm)
	if s.demo != nil {
		pages.GET("/demo/checkout/:session", s.demoCheckout)
		pages.POST("/demo/checkout/:session/pay", s.demoPay)
	}
	if s.mailbox != nil {
		pages.GET("/demo/mailbox", s.demoMailbox)
		pages.GET("/demo/mailbox/:id", s.demoMailboxMessage)
		pages.GET("/demo/mailbox/:id/:name", s.demoMailboxAttachment)
	}
	s.adminRoutes(r)
	return r, nil
}

// adminRoutes is the staff area. Everything but sign-in and setup needs a
// staff session; the admin group also needs the admin role.
func (s *Server) adminRoutes(r *gin.Engine) {
	open := r.Group("/admin", s.csrf())
	open.GET("/login", s.adminLoginForm)
	open.POST("/login", s.adminLogin)
	open.POST("/logout", s.adminLogout)
	open.GET("/setup/:token", s.adminSetupForm)
	open.POST("/setup/:token", s.rateLimitSignIn, s.adminSetup)

	staff := r.Group("/admin", s.csrf(), s.requireStaff(models.RoleStaff))
	staff.GET("", s.adminDashboard)
	staff.GET("/donors", s.adminDonors)
	staff.GET("/donors/:id", s.adminDonor)
	staff.GET("/donors/:id/statements/:file", s.adminDonorStatement)
	staff.GET("/receipts/:file", s.adminReceiptPDF)
	staff.GET("/gifts", s.adminGifts)
	staff.GET("/members", s.adminMembers)
	staff.GET("/campaigns", s.adminCampaigns)
	staff.GET("/campaigns/:id/report.csv", s.campaignReportCSV)
	staff.GET("/emails", s.adminEmails)
	staff.GET("/reports", s.adminReports)
	staff.GET("/reports/receipts.csv", s.receiptsCSV)
	staff.GET("/reports/summary.csv", s.summaryCSV)
	staff.GET("/reports/adjustments.csv", s.adjustmentsCSV)
	staff.GET("/reports/payouts.csv", s.payoutsCSV)
	staff.GET("/reports/retention.csv", s.retentionCSV)
	staff.GET("/reports/stories.csv", s.storiesCSV)
	staff.GET("/stories", s.adminStories)
	staff.GET("/box", s.adminBox)
	staff.GET("/batches", s.adminBatches)
	staff.POST("/batches", s.createBatch)
	staff.GET("/batches/:id", s.adminBatch)
	staff.POST("/batches/:id/gifts", s.addToBatch)
	staff.POST("/batches/:id/close", s.closeBatch)
	staff.POST("/exports", s.startExport)
	staff.GET("/exports/:id", s.exportPage)
	staff.GET("/exports/:id/progress", s.exportProgress)
	staff.GET("/exports/:id/file", s.exportFile)
	staff.GET("/reports/gift-aid/:file", s.giftAidScheduleCSV)

	admin := r.Group("/admin", s.csrf(), s.requireStaff(models.RoleAdmin))
	admin.POST("/donors/:id/merge", s.adminMerge)
	admin.POST("/donors/:id/profile", s.adminDonorProfile)
	admin.POST("/donors/:id/erase", s.adminErase)
	admin.GET("/donors/:id/file.zip", s.adminDonorFile)
	admin.POST("/receipts/:file/resend", s.adminResend)
	admin.POST("/receipts/:file/void", s.adminVoid)
	admin.POST("/receipts/:file/correct", s.adminCorrectReceipt)
	admin.POST("/emails/:id/retry", s.adminRetryEmail)
	admin.POST("/reports/gift-aid", s.claimGiftAid)
	admin.GET("/campaigns/new", s.newCampaign)
	admin.POST("/campaigns", s.saveCampaign)
	admin.GET("/campaigns/:id", s.editCampaign)
	admin.POST("/campaigns/:id", s.saveCampaign)
	admin.POST("/campaigns/:id/pools", s.addMatchPool)
	admin.GET("/staff", s.adminStaff)
	admin.POST("/staff", s.adminAddStaff)
	admin.POST("/staff/disable", s.adminDisableStaff)
	admin.GET("/audit", s.adminAudit)
	admin.GET("/webhooks", s.adminWebhooks)
	admin.POST("/webhooks", s.adminAddWebhook)
	admin.GET("/webhooks/:id", s.adminWebhook)
	admin.POST("/webhooks/:id/rotate", s.adminRotateWebhook)
	admin.POST("/webhooks/:id/disable", s.adminDisableWebhook)
	admin.POST("/webhooks/:id/enable", s.adminEnableWebhook)
	admin.POST("/webhooks/:id/test", s.adminTestWebhook)
	admin.POST("/webhooks/:id/replay", s.adminReplayDelivery)
	admin.POST("/webhooks/:id/replay-range", s.adminReplayRange)
}
