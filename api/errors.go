package api

import (
	"encoding/json"
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
	domain.ERateLimited:  http.StatusTooManyRequests,
	domain.EMethod:       http.StatusMethodNotAllowed,
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
	domain.ERateLimited:  "Too many requests",
	domain.EMethod:       "Method not allowed",
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

// problemOf is err as a problem detail, at the route (instance).
func problemOf(err error, instance string) Problem {
	status, code := StatusOf(err)
	return Problem{
		Type:     "urn:tvp:problem:" + code,
		Title:    titleOf[code],
		Status:   status,
		Detail:   domain.ErrorMessage(service.FromTemporal(err)),
		Instance: instance,
		Code:     code,
		Field:    domain.ErrorField(err),
	}
}

// fail writes err as problem+json. Internal errors are logged and shown without details.
func (s *Server) fail(c *gin.Context, err error) {
	s.refuse(c.Writer, c.Request, c.FullPath(), err)
	c.Abort()
}

// refuse writes err as problem+json to any handler's writer (the API's, the rate limiter's, the
// codec server's): its status from the one table, a Retry-After where trying again helps, a
// WWW-Authenticate where a bearer token is missing. Internal errors are logged and shown
// without details; denials are logged.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, route string, err error) {
	p := problemOf(err, route)
	switch {
	case p.Status >= 500:
		s.log.ErrorContext(r.Context(), "request failed", "route", route, "method", r.Method, "code", p.Code, "err", err)
	case p.Status == http.StatusForbidden:
		s.log.WarnContext(r.Context(), "request denied", "route", route, "method", r.Method, "reason", p.Detail)
	}
	writeProblem(w, p)
}

// writeProblem writes a problem detail with the headers its status asks for.
func writeProblem(w http.ResponseWriter, p Problem) {
	switch p.Status {
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "2") // a dependency or a busy case: try again in a moment
	case http.StatusUnauthorized:
		if w.Header().Get("WWW-Authenticate") == "" {
			w.Header().Set("WWW-Authenticate", "Bearer")
		}
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
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
	s.fail(c, domain.Errorf(domain.EMethod, "the route does not take %s", c.Request.Method))
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
