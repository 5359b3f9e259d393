package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
)

const actorKey = "tvp.actor"

// SessionCookie holds the pages' token (HttpOnly, SameSite=Strict).
const SessionCookie = "tvp_session"

// authenticate verifies the bearer token (or the pages' session cookie) and loads the
// caller's roles from the staff register: the token says who, TVP says what they may do.
func (s *Server) authenticate(c *gin.Context) {
	a, err := s.identify(c)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="tvp"`)
		s.fail(c, err)
		return
	}
	c.Set(actorKey, a)
	c.Next()
}

// identify returns the caller. A request with the session cookie (from the pages) that
// changes something must carry the header X-TVP-Page, which another site cannot set.
func (s *Server) identify(c *gin.Context) (domain.Actor, error) { return s.identifyRequest(c.Request) }

func (s *Server) identifyRequest(r *http.Request) (domain.Actor, error) {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || raw == "" {
		cookie, err := r.Cookie(SessionCookie)
		if err != nil || cookie.Value == "" {
			return domain.Actor{}, domain.Errorf(domain.EUnauthorized, "a bearer token is required (Authorization: Bearer ...)")
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Header.Get("X-TVP-Page") == "" {
			return domain.Actor{}, domain.Errorf(domain.EForbidden, "a change from a page must come from TVP's own pages")
		}
		raw = cookie.Value
	}
	if s.Verifier == nil {
		return domain.Actor{}, domain.Errorf(domain.EUnauthorized, "no identity provider is configured")
	}
	user, err := s.Verifier.Identify(r.Context(), raw)
	if err != nil {
		return domain.Actor{}, domain.Errorf(domain.EUnauthorized, "the token is not valid")
	}
	m, err := s.Store.GetStaff(r.Context(), user)
	if domain.ErrorCode(err) == domain.ENotFound {
		return domain.Actor{}, domain.Errorf(domain.EUnauthorized, "%q is not a member of TVP's staff", user)
	} else if err != nil {
		return domain.Actor{}, err
	}
	return m.Actor(), nil
}

// actor returns the authenticated caller.
func actor(c *gin.Context) domain.Actor {
	a, _ := c.Get(actorKey)
	return a.(domain.Actor)
}

// requireAny refuses the request unless the caller holds one of the roles.
func requireAny(c *gin.Context, what string, roles ...domain.Role) error {
	a := actor(c)
	for _, r := range roles {
		if a.Has(r) {
			return nil
		}
	}
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return domain.Errorf(domain.EForbidden, "%s requires the role %s", what, strings.Join(names, " or "))
}
