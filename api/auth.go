package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

const callerKey = "tvp.caller"

// PurposeHeader says why the caller reads or changes a citizen's data; it is logged with
// every access (default: casework).
const PurposeHeader = "X-TVP-Purpose"

// IdempotencyHeader lets a client repeat a POST safely.
const IdempotencyHeader = "Idempotency-Key"

// authenticate finds out who the caller is (a bearer access token, or the pages' session)
// and asks the service what they may do: the provider says who, TVP's staff register what.
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

// Identify returns the caller of a request: the staff member of its bearer token or, for the
// pages' scripts, of its session (whose posts carry the session's CSRF token), made a
// Caller by the service.
func (s *Server) Identify(r *http.Request) (service.Caller, error) {
	staffID, err := s.staffOf(r)
	if err != nil {
		return service.Caller{}, err
	}
	return s.Service.Identify(r.Context(), staffID, r.Header.Get(PurposeHeader), r.Header.Get(IdempotencyHeader))
}

// staffOf returns the staff id a request is from. A bearer token must be an access token of
// the configured provider for the API (auth.Verifier says what is checked); its subject is
// linked to the register on first use by the verified claim the configuration names.
func (s *Server) staffOf(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		if s.Sessions != nil {
			return s.Sessions(r)
		}
		return "", domain.Errorf(domain.EUnauthorized, "a bearer token is required (Authorization: Bearer ...)")
	}
	raw, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || raw == "" {
		return "", domain.Errorf(domain.EUnauthorized, "a bearer token is required (Authorization: Bearer ...)")
	}
	if s.Verifier == nil {
		return "", domain.Errorf(domain.EUnauthorized, "no identity provider is configured")
	}
	ctx := r.Context()
	id, err := s.Verifier.VerifyAccessToken(ctx, raw)
	if err != nil {
		s.log.DebugContext(ctx, "bearer token refused", "err", err)
		return "", domain.Errorf(domain.EUnauthorized, "the token is not valid")
	}
	return s.Service.StaffOf(ctx, service.Identity{Issuer: id.Issuer, Subject: id.Subject}, func(ctx context.Context) (service.LinkKey, error) {
		claim, value, err := s.Verifier.LinkKey(ctx, id, raw)
		return service.LinkKey{Claim: claim, Value: value}, err
	})
}

// caller returns the authenticated caller.
func caller(c *gin.Context) service.Caller {
	by, _ := c.Get(callerKey)
	return by.(service.Caller)
}
