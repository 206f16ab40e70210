package handlers

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// healthz says the process is up; it touches nothing else.
func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

// readyz says whether we can serve: the database must answer.
func (s *Server) readyz(c *gin.Context) {
	if s.draining.on.Load() {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "draining"})
		return
	}
	if err := s.store.Ping(c.Request.Context()); err != nil {
		s.logger(c).Warn("not ready", "err", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": "unreachable"})
		return
	}
	// Ready for donors even with a problem the operator must fix (the
	// metrics listener, say): a load balancer must not take the site away
	// for it. Monitoring reads "problems".
	body := gin.H{"status": "ok", "database": "ok"}
	if p := s.Problems(); len(p) > 0 {
		body["problems"] = p
	}
	c.JSON(http.StatusOK, body)
}
