package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

func (s *Server) listTeams(c *gin.Context) {
	teams, err := s.Store.ListTeams(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": teams})
}

func (s *Server) getTeam(c *gin.Context) {
	t, err := s.Store.GetTeam(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

func (s *Server) listStaff(c *gin.Context) {
	staff, err := s.Store.ListStaff(c.Request.Context(), c.Query("team"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": staff})
}
