package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
)

// revokeSessions ends every page session of a staff member at once (an administrator's
// step).
func (s *Server) revokeSessions(c *gin.Context) {
	if err := emptyBody(c); err != nil {
		s.fail(c, err)
		return
	}
	about(c, domain.SessionsRevoke, domain.SubjectProgramme, "sessions")
	out, err := s.Service.RevokeSessions(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, out, err)
}
