package api

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
)

// PurposeHeader says why the caller reads or changes a citizen's data; it is logged with
// every access (default: casework).
const PurposeHeader = "X-TVP-Purpose"

func purpose(c *gin.Context) string {
	p := strings.TrimSpace(c.GetHeader(PurposeHeader))
	if p == "" {
		return "casework"
	}
	if len(p) > 200 {
		p = p[:200]
	}
	return p
}

// mayReadCourse is need-to-know for a course: its consultants (now or before), a team lead of
// its team, an admin. The steering group sees extension requests and reports, not case notes.
func (s *Server) mayReadCourse(ctx context.Context, a domain.Actor, rec domain.CourseRecord) error {
	if a.Has(domain.RoleAdmin) || slices.Contains(rec.ConsultantIDs, a.ID) {
		return nil
	}
	if a.Has(domain.RoleTeamLead) {
		if m, err := s.Store.GetStaff(ctx, a.ID); err == nil && m.TeamID != nil && *m.TeamID == rec.TeamID {
			return nil
		}
	}
	if a.Has(domain.RoleSteeringGroup) {
		return domain.Errorf(domain.EForbidden, "the steering group sees extension requests and reports, not a course's case notes")
	}
	return domain.Errorf(domain.EForbidden, "only the course's consultants and its team's lead may see it")
}

// mayReadPlan is need-to-know for a plan: the people taking part in it now, and an admin.
func (s *Server) mayReadPlan(ctx context.Context, a domain.Actor, planID string) error {
	if a.Has(domain.RoleAdmin) {
		return nil
	}
	ok, err := s.Store.PlanParticipant(ctx, planID, a.ID)
	if err != nil {
		return err
	}
	if !ok {
		return domain.Errorf(domain.EForbidden, "only the people taking part in the citizen's plan may see it")
	}
	return nil
}

// auditAccess logs that the caller read a citizen's data.
func (s *Server) auditAccess(c *gin.Context, action, subjectType, subjectID string, citizenIDs []string, details map[string]any) error {
	for _, cid := range citizenIDs {
		cid := cid
		if err := s.Store.AppendAudit(c.Request.Context(), domain.AuditEntry{
			ActorID: actor(c).ID, Action: action, SubjectType: subjectType, SubjectID: subjectID,
			CitizenID: &cid, Purpose: purpose(c), Details: details,
		}); err != nil {
			return err
		}
	}
	if len(citizenIDs) == 0 {
		return s.Store.AppendAudit(c.Request.Context(), domain.AuditEntry{
			ActorID: actor(c).ID, Action: action, SubjectType: subjectType, SubjectID: subjectID,
			Purpose: purpose(c), Details: details,
		})
	}
	return nil
}

type accessLogEntry struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Subject string `json:"subject"`
	Purpose string `json:"purpose"`
}

// accessLog exports who read or changed a citizen's data, when and why (CJEU C-579/21), for
// the citizen to be told. It is itself an access, and logged.
func (s *Server) accessLog(c *gin.Context) {
	if err := requireAny(c, "exporting a citizen's access log", domain.RoleAdmin); err != nil {
		s.fail(c, err)
		return
	}
	id := c.Param("id")
	if _, err := s.Store.GetCitizen(c.Request.Context(), id); err != nil {
		if domain.ErrorCode(err) == domain.EInvalid {
			err = domain.Errorf(domain.ENotFound, "citizen %q does not exist", id)
		}
		s.fail(c, err)
		return
	}
	entries, err := s.Store.CitizenAccessLog(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	out := make([]accessLogEntry, len(entries))
	for i, e := range entries {
		out[i] = accessLogEntry{At: e.At.UTC().Format("2006-01-02T15:04:05Z"), Actor: e.ActorID, Action: e.Action,
			Subject: e.SubjectType + "/" + e.SubjectID, Purpose: e.Purpose}
	}
	if err := s.auditAccess(c, "citizen.access_log_exported", "citizen", id, []string{id}, nil); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"citizen_id": id, "entries": out})
}
