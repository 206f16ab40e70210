package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// The audit log: who did what, when, from where (admins only).

type auditRow struct{ When, StaffEmail, Action, Detail, IP string }

type auditData struct {
	adminPage
	Entries []auditRow
}

func (s *Server) adminAudit(c *gin.Context) {
	entries, err := s.store.AuditLog(c.Request.Context(), 500)
	if err != nil {
		s.error(c, err)
		return
	}
	var rows []auditRow
	for _, e := range entries {
		rows = append(rows, auditRow{e.CreatedAt.In(s.cfg.Location).Format("2006-01-02 15:04:05"), e.StaffEmail, e.Action, e.Detail, e.IP})
	}
	s.render(c, http.StatusOK, "admin_audit", auditData{adminPage: s.adminBase(c), Entries: rows})
}
