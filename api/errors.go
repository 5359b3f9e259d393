package api

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

// statusOf is the one table that maps error codes to HTTP statuses.
var statusOf = map[string]int{
	domain.EInvalid:      http.StatusUnprocessableEntity,
	domain.ENotFound:     http.StatusNotFound,
	domain.EConflict:     http.StatusConflict,
	domain.EPhase:        http.StatusConflict,
	domain.EForbidden:    http.StatusForbidden,
	domain.EUnauthorized: http.StatusUnauthorized,
	domain.EUnavailable:  http.StatusServiceUnavailable,
	domain.ETimeout:      http.StatusGatewayTimeout,
	domain.ETooLarge:     http.StatusRequestEntityTooLarge,
	domain.EInternal:     http.StatusInternalServerError,
}

var titleOf = map[string]string{
	domain.EInvalid:      "The request is not valid",
	domain.ENotFound:     "Not found",
	domain.EConflict:     "Conflict with the current state",
	domain.EPhase:        "Not allowed in the current phase",
	domain.EForbidden:    "Forbidden",
	domain.EUnauthorized: "Not authenticated",
	domain.EUnavailable:  "A service TVP depends on is unavailable",
	domain.ETimeout:      "A service TVP depends on did not answer in time",
	domain.ETooLarge:     "The request body is too large",
	domain.EInternal:     "Internal error",
}

// StatusOf returns the HTTP status of an error and its code: the one mapping, which the pages
// use too.
func StatusOf(err error) (status int, code string) {
	err = service.FromTemporal(err)
	code = domain.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		return http.StatusInternalServerError, domain.EInternal
	}
	return status, code
}

// Problem is an RFC 9457 problem detail, with TVP's stable code and the field at fault.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	Code     string `json:"code"`
	Field    string `json:"field,omitempty"`
}

// fail writes err as problem+json. Internal errors are logged and shown without details.
func (s *Server) fail(c *gin.Context, err error) {
	status, code := StatusOf(err)
	p := Problem{
		Type:     "urn:tvp:problem:" + code,
		Title:    titleOf[code],
		Status:   status,
		Detail:   domain.ErrorMessage(service.FromTemporal(err)),
		Instance: c.FullPath(),
		Code:     code,
		Field:    domain.ErrorField(err),
	}
	switch {
	case status >= 500:
		s.log.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "method", c.Request.Method, "code", code, "err", err)
	case status == http.StatusForbidden:
		s.log.WarnContext(c.Request.Context(), "request denied", "route", c.FullPath(), "method", c.Request.Method, "reason", p.Detail)
	}
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", "2") // a dependency or a busy case: try again in a moment
	}
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(status, p)
}

// recovery turns a panic into a logged 500 problem.
func (s *Server) recovery() gin.HandlerFunc {
	return gin.CustomRecovery(func(c *gin.Context, rec any) {
		s.log.ErrorContext(c.Request.Context(), "panic", "route", c.FullPath(), "panic", rec)
		s.fail(c, errors.New("panic"))
	})
}

// notFoundRoute answers unknown routes with a problem.
func (s *Server) notFoundRoute(c *gin.Context) {
	s.fail(c, domain.Errorf(domain.ENotFound, "no such route"))
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	c.Header("Content-Type", "application/problem+json")
	c.AbortWithStatusJSON(http.StatusMethodNotAllowed, Problem{
		Type: "urn:tvp:problem:method_not_allowed", Title: "Method not allowed",
		Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
	})
}

// requestLog logs each request by route pattern, never the raw URL or body.
func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Next()
		s.log.LogAttrs(c.Request.Context(), slog.LevelDebug, "request",
			slog.String("route", c.FullPath()), slog.String("method", c.Request.Method),
			slog.Int("status", c.Writer.Status()))
	}
}
