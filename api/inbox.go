package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

// inboxItem is a reminder with the API resource it is about.
type inboxItem struct {
	service.InboxItem
	Link string `json:"link"`
}

// inbox lists the caller's reminders, overdue first.
func (s *Server) inbox(c *gin.Context) {
	if err := knownQuery(c, "include_done"); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Service.Inbox(c.Request.Context(), caller(c), service.InboxInput{IncludeDone: c.Query("include_done") == "true"})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]inboxItem, len(items))
	for i, it := range items {
		out[i] = inboxItem{InboxItem: it, Link: subjectLink(it.SubjectType, it.SubjectID)}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// subjectLink is the API resource a reminder is about.
func subjectLink(t domain.SubjectType, id string) string {
	switch t {
	case domain.SubjectCourse:
		return "/api/v1/courses/" + id
	case domain.SubjectPlan:
		return "/api/v1/plans/" + id
	case domain.SubjectTeam:
		return "/api/v1/teams/" + id
	}
	return ""
}

// inboxDone marks one of the caller's reminders done.
func (s *Server) inboxDone(c *gin.Context) {
	if err := emptyBody(c); err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Service.InboxDone(c.Request.Context(), caller(c), c.Param("id")); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// accessLog exports who read or changed a citizen's data (CJEU C-579/21).
func (s *Server) accessLog(c *gin.Context) {
	log, err := s.Service.AccessLog(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, log, err)
}
