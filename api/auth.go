package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

const callerKey = "tvp.caller"

// SessionCookie holds the pages' token (HttpOnly, SameSite=Strict).
const SessionCookie = "tvp_session"

// PurposeHeader says why the caller reads or changes a citizen's data; it is logged with
// every access (default: casework).
const PurposeHeader = "X-TVP-Purpose"

// IdempotencyHeader lets a client repeat a POST safely.
const IdempotencyHeader = "Idempotency-Key"

// authenticate verifies the bearer token (or the pages' session cookie) and asks the service
// who the caller is: the token says who, TVP's staff register what they may do.
func (s *Server) authenticate(c *gin.Context) {
	by, err := s.Identify(c.Request)
	if err != nil {
		if domain.ErrorCode(err) == domain.EUnauthorized {
			c.Header("WWW-Authenticate", `Bearer realm="tvp"`)
		}
		s.fail(c, err)
		return
	}
	c.Set(callerKey, by)
	c.Next()
}

// Identify returns the caller of a request. A request with the session cookie (from the
// pages) that changes something must carry the header X-TVP-Page, which another site cannot
// set.
func (s *Server) Identify(r *http.Request) (service.Caller, error) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		cookie, err := r.Cookie(SessionCookie)
		if err != nil || cookie.Value == "" {
			return service.Caller{}, domain.Errorf(domain.EUnauthorized, "a bearer token is required (Authorization: Bearer ...)")
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("X-TVP-Page") == "" {
			return service.Caller{}, domain.Errorf(domain.EForbidden, "a change from a page must come from TVP's own pages")
		}
		raw = cookie.Value
	}
	if s.Verifier == nil {
		return service.Caller{}, domain.Errorf(domain.EUnauthorized, "no identity provider is configured")
	}
	user, err := s.Verifier.Identify(r.Context(), raw)
	if err != nil {
		return service.Caller{}, domain.Errorf(domain.EUnauthorized, "the token is not valid")
	}
	return s.Service.Identify(r.Context(), user, r.Header.Get(PurposeHeader), r.Header.Get(IdempotencyHeader))
}

// caller returns the authenticated caller.
func caller(c *gin.Context) service.Caller {
	by, _ := c.Get(callerKey)
	return by.(service.Caller)
}
