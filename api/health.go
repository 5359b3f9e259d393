package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "alive"})
}

type check struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

// readyz reports whether PostgreSQL (with current migrations) and Temporal are reachable.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := map[string]check{}
	r := s.Service.Ready(ctx)
	checks["postgres"] = checkOf(r.Postgres, "unreachable")
	if r.Postgres == nil {
		checks["migrations"] = checkOf(r.Migrations, "not current: run tvp migrate")
	}
	checks["temporal"] = checkOf(r.Temporal, "unreachable")
	status, word := http.StatusOK, "ready"
	for name, ch := range checks {
		if !ch.OK {
			status, word = http.StatusServiceUnavailable, "not ready"
			s.log.WarnContext(ctx, "not ready", "check", name, "error", ch.Error)
		}
	}
	c.JSON(status, gin.H{"status": word, "checks": checks})
}

func checkOf(err error, msg string) check {
	if err != nil {
		return check{Error: msg}
	}
	return check{OK: true}
}
