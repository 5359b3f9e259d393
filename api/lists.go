package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/store"
)

// listParams reads the common list parameters.
func listParams(c *gin.Context) (cursor string, limit int, dueBefore *time.Time, err error) {
	cursor = c.Query("cursor")
	if v := c.Query("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return "", 0, nil, domain.FieldError("limit", "must be a whole number from 1 to 500")
		}
	}
	if v := c.Query("due_before"); v != "" {
		t, perr := time.Parse(time.RFC3339, v)
		if perr != nil {
			d, derr := time.Parse(time.DateOnly, v)
			if derr != nil {
				return "", 0, nil, domain.FieldError("due_before", "must be a date (YYYY-MM-DD) or a time (RFC 3339)")
			}
			t = d
		}
		dueBefore = &t
	}
	return cursor, limit, dueBefore, nil
}

func knownQuery(c *gin.Context, allowed ...string) error {
	for k := range c.Request.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return domain.FieldError(k, "is not a filter of this list (filters: %v)", allowed)
		}
	}
	return nil
}

// listCourses lists courses from the read model: a consultant sees their own, a team lead
// their team's, an admin all.
func (s *Server) listCourses(c *gin.Context) {
	me := actor(c)
	if err := requireAny(c, "listing courses", domain.RoleConsultant, domain.RoleTeamLead, domain.RoleAdmin); err != nil {
		s.fail(c, err)
		return
	}
	if err := knownQuery(c, "team", "consultant", "phase", "due_before", "cursor", "limit"); err != nil {
		s.fail(c, err)
		return
	}
	cursor, limit, due, err := listParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := store.CourseFilter{TeamID: c.Query("team"), ConsultantID: c.Query("consultant"), Phase: domain.CoursePhase(c.Query("phase")),
		DueBefore: due, Cursor: cursor, Limit: limit}
	if !me.Has(domain.RoleAdmin) {
		f.VisibleTo = &me
		if m, err := s.Store.GetStaff(c.Request.Context(), me.ID); err == nil && m.TeamID != nil {
			f.TeamOf = *m.TeamID
		}
	}
	page, err := s.Store.ListCourses(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auditAccess(c, "courses.search", "course", "*", nil, map[string]any{"criteria": c.Request.URL.Query(), "results": len(page.Items)}); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// listPlans lists plans: each person sees the plans they take part in; an admin all.
func (s *Server) listPlans(c *gin.Context) {
	me := actor(c)
	if err := knownQuery(c, "coordinator", "phase", "due_before", "cursor", "limit"); err != nil {
		s.fail(c, err)
		return
	}
	if me.Has(domain.RoleSteeringGroup) && !me.Has(domain.RoleAdmin) && len(me.Roles) == 1 {
		s.fail(c, domain.Errorf(domain.EForbidden, "the steering group sees reports, not citizens' plans"))
		return
	}
	cursor, limit, due, err := listParams(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := store.PlanFilter{CoordinatorID: c.Query("coordinator"), Phase: c.Query("phase"), DueBefore: due, Cursor: cursor, Limit: limit}
	if !me.Has(domain.RoleAdmin) {
		f.VisibleTo = &me
	}
	page, err := s.Store.ListPlans(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.auditAccess(c, "plans.search", "plan", "*", nil, map[string]any{"criteria": c.Request.URL.Query(), "results": len(page.Items)}); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, page)
}

// pendingExtensions is the steering group's worklist.
func (s *Server) pendingExtensions(c *gin.Context) {
	if err := requireAny(c, "seeing extension requests", domain.RoleSteeringGroup, domain.RoleAdmin); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Store.PendingExtensions(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}
