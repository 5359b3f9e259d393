package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"tvp/domain"
)

// inbox lists the caller's reminders, overdue first.
func (s *Server) inbox(c *gin.Context) {
	if err := knownQuery(c, "include_done"); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Store.Inbox(c.Request.Context(), actor(c).ID, s.now(), c.Query("include_done") == "true")
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]gin.H, len(items))
	for i, it := range items {
		out[i] = gin.H{
			"id": it.ID, "kind": it.Kind, "title": domain.ReminderTitle(it.Kind), "subject_type": it.SubjectType,
			"subject_id": it.SubjectID, "due_at": it.DueAt, "created_at": it.CreatedAt, "done_at": it.DoneAt,
			"overdue": it.Overdue, "link": subjectLink(it.SubjectType, it.SubjectID),
		}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// subjectLink is the API resource a reminder is about.
func subjectLink(subjectType, id string) string {
	switch subjectType {
	case "course":
		return "/api/v1/courses/" + id
	case "plan":
		return "/api/v1/plans/" + id
	case "team":
		return "/api/v1/teams/" + id
	}
	return ""
}

// inboxDone marks one of the caller's reminders done.
func (s *Server) inboxDone(c *gin.Context) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		s.fail(c, domain.Errorf(domain.ENotFound, "no reminder %q", c.Param("id")))
		return
	}
	if err := s.Store.MarkReminderDone(c.Request.Context(), actor(c).ID, id, s.now()); err != nil {
		s.fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
