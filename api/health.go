package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
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
	if err := s.Store.Ping(ctx); err != nil {
		checks["postgres"] = check{Error: "unreachable"}
	} else {
		checks["postgres"] = check{OK: true}
		if current, err := s.Store.MigrationsCurrent(ctx); err != nil || !current {
			checks["migrations"] = check{Error: "not current: run tvp migrate"}
		} else {
			checks["migrations"] = check{OK: true}
		}
	}
	if _, err := s.Temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"] = check{Error: "unreachable"}
	} else {
		checks["temporal"] = check{OK: true}
	}
	status, word := http.StatusOK, "ready"
	for name, ch := range checks {
		if !ch.OK {
			status, word = http.StatusServiceUnavailable, "not ready"
			s.log.WarnContext(ctx, "not ready", "check", name, "error", ch.Error)
		}
	}
	c.JSON(status, gin.H{"status": word, "checks": checks})
}
