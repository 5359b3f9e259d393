package api

import (
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
)

const actorKey = "tvp.actor"

// authenticate verifies the bearer token and loads the caller's roles from the staff
// register: the token says who, TVP says what they may do.
func (s *Server) authenticate(c *gin.Context) {
	raw, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if !ok || raw == "" {
		c.Header("WWW-Authenticate", `Bearer realm="tvp"`)
		s.fail(c, domain.Errorf(domain.EUnauthorized, "a bearer token is required (Authorization: Bearer ...)"))
		return
	}
	user, err := s.Verifier.Identify(c.Request.Context(), raw)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="tvp", error="invalid_token"`)
		s.fail(c, domain.Errorf(domain.EUnauthorized, "the token is not valid"))
		return
	}
	m, err := s.Store.GetStaff(c.Request.Context(), user)
	if domain.ErrorCode(err) == domain.ENotFound {
		s.fail(c, domain.Errorf(domain.EUnauthorized, "%q is not a member of TVP's staff", user))
		return
	} else if err != nil {
		s.fail(c, err)
		return
	}
	c.Set(actorKey, m.Actor())
	c.Next()
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
