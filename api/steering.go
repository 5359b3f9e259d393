package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/report"
	"tvp/store"
	"tvp/workflows/course"
)

type decisionIn struct {
	DecidedOn string `json:"decided_on" binding:"required,datetime=2006-01-02"`
	Body      string `json:"body" binding:"required,oneof=SSU BUL AET ØU steering_group"`
	Title     string `json:"title" binding:"required,max=500"`
	Text      string `json:"text" binding:"required,max=10000"`
}

func (d decisionIn) decision(by string, changes ...domain.Change) domain.Decision {
	return domain.Decision{DecidedOn: day(d.DecidedOn), Body: d.Body, Title: d.Title, Text: d.Text, RecordedBy: by, Changes: changes}
}

func requireSteering(c *gin.Context, what string) error {
	return requireAny(c, what, domain.RoleSteeringGroup, domain.RoleAdmin)
}

// teamDecision records the decision that changes the team of the :id parameter, and links
// it to the team.
func (s *Server) teamDecision(c *gin.Context, d decisionIn, kind, note string) (domain.Team, int64, error) {
	team, err := s.Store.GetTeam(c.Request.Context(), c.Param("id"))
	if err != nil {
		return team, 0, err
	}
	id, err := s.Store.AddDecision(c.Request.Context(), d.decision(actor(c).ID, domain.Change{Kind: kind, TeamID: team.ID, Note: note}), "")
	return team, id, err
}

// addDecision records a committee's or the steering group's decision in the register.
func (s *Server) addDecision(c *gin.Context) {
	if err := requireSteering(c, "recording a decision"); err != nil {
		s.fail(c, err)
		return
	}
	var req decisionIn
	if !decodeOr(s, c, &req) {
		return
	}
	id, err := s.Store.AddDecision(c.Request.Context(), req.decision(actor(c).ID), "")
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"id": id})
}

// listDecisions is the decisions register (?team= for those that changed a team).
func (s *Server) listDecisions(c *gin.Context) {
	if err := requireAny(c, "reading the decisions register", domain.RoleTeamLead, domain.RoleSteeringGroup, domain.RoleAdmin); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Store.ListDecisions(c.Request.Context(), c.Query("team"))
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

type reorganiseRequest struct {
	EffectiveFrom string              `json:"effective_from" binding:"required,datetime=2006-01-02"`
	Settings      domain.TeamSettings `json:"settings" binding:"required"`
	Decision      decisionIn          `json:"decision" binding:"required"`
	// MoveRunning moves the team's open courses to the new terms as well (by the decision).
	MoveRunning bool `json:"move_running"`
}

// reorganise gives a team new settings for courses referred from a date. Running courses keep
// their terms, unless the decision moves them: then each gets the new terms and end date.
func (s *Server) reorganise(c *gin.Context) {
	if err := requireSteering(c, "reorganising a team"); err != nil {
		s.fail(c, err)
		return
	}
	var req reorganiseRequest
	if !decodeOr(s, c, &req) {
		return
	}
	if err := req.Settings.Validate(); err != nil {
		if f := domain.ErrorField(err); f != "" {
			err = domain.FieldError("settings."+f, "%s", domain.ErrorMessage(err))
		}
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	team, id, err := s.teamDecision(c, req.Decision, "team_settings", "from "+req.EffectiveFrom)
	if err != nil {
		s.fail(c, err)
		return
	}
	from := day(req.EffectiveFrom)
	if err := s.Store.AddSettingsVersion(ctx, team.ID, from, req.Settings, id); err != nil {
		s.fail(c, err)
		return
	}
	moved := []string{}
	if req.MoveRunning {
		page, err := s.Store.ListCourses(ctx, store.CourseFilter{TeamID: team.ID, Limit: 500})
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, cr := range page.Items {
			if cr.Phase == domain.PhaseClosed {
				continue
			}
			var res course.StepResult
			if err := s.update(c, course.WorkflowID(cr.ID), course.UpdateApplyTerms,
				course.TermsRequest{Actor: actor(c), Settings: req.Settings, DecisionID: id}, &res); err != nil {
				s.fail(c, fmt.Errorf("move course %s to the new terms: %w", cr.ID, err))
				return
			}
			if err := s.Store.LinkDecision(ctx, id, domain.Change{Kind: "course_terms", TeamID: team.ID, CourseID: cr.ID,
				Note: "end " + res.State.TermsChanges[len(res.State.TermsChanges)-1].OldEnd.Format(time.DateOnly) + " → " + res.State.PlannedEnd.Format(time.DateOnly)}); err != nil {
				s.fail(c, err)
				return
			}
			moved = append(moved, cr.ID)
		}
	}
	c.JSON(http.StatusOK, gin.H{"decision_id": id, "effective_from": req.EffectiveFrom, "moved_courses": moved})
}

type phaseOutRequest struct {
	From     string     `json:"from" binding:"required,datetime=2006-01-02"`
	Decision decisionIn `json:"decision" binding:"required"`
}

// phaseOut stops new referrals to a team from a date; its open courses go on the team lead's
// worklist, and the team is closed when none is left.
func (s *Server) phaseOut(c *gin.Context) {
	if err := requireSteering(c, "phasing out a team"); err != nil {
		s.fail(c, err)
		return
	}
	var req phaseOutRequest
	if !decodeOr(s, c, &req) {
		return
	}
	team, id, err := s.teamDecision(c, req.Decision, "phase_out", "from "+req.From)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.Store.SetPhaseOut(c.Request.Context(), team.ID, day(req.From), id); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"decision_id": id, "from": req.From})
}

type teamStatus struct {
	domain.Team
	PhaseOutFrom *time.Time            `json:"phase_out_from,omitempty"`
	Closed       bool                  `json:"closed"`
	Worklist     []domain.CourseRecord `json:"worklist"`
}

// teamWorklist is a team's status: during a phase-out, the open courses still to be handed
// back to the centres or moved to the collaboration model; closed when none is left.
func (s *Server) teamWorklist(c *gin.Context) {
	if err := requireAny(c, "a team's worklist", domain.RoleTeamLead, domain.RoleSteeringGroup, domain.RoleAdmin); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	team, err := s.Store.GetTeam(ctx, c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	from, err := s.Store.PhaseOut(ctx, team.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Store.ListCourses(ctx, store.CourseFilter{TeamID: team.ID, Limit: 500})
	if err != nil {
		s.fail(c, err)
		return
	}
	out := teamStatus{Team: team, PhaseOutFrom: from, Worklist: []domain.CourseRecord{}}
	for _, cr := range page.Items {
		if cr.Phase != domain.PhaseClosed {
			out.Worklist = append(out.Worklist, cr)
		}
	}
	out.Closed = from != nil && !s.now().Before(*from) && len(out.Worklist) == 0
	c.JSON(http.StatusOK, out)
}

type targetIn struct {
	Key         string  `json:"key" binding:"required,oneof=employment_or_education_share citizens_per_year capacity_use"`
	Target      float64 `json:"target" binding:"min=0"`
	Description string  `json:"description" binding:"max=2000"`
}

type targetsRequest struct {
	Targets  []targetIn `json:"targets" binding:"required,min=1,max=10,dive"`
	Decision decisionIn `json:"decision" binding:"required"`
}

// setTargets records the targets and success criteria a committee approved for a team.
func (s *Server) setTargets(c *gin.Context) {
	if err := requireSteering(c, "setting a team's targets"); err != nil {
		s.fail(c, err)
		return
	}
	var req targetsRequest
	if !decodeOr(s, c, &req) {
		return
	}
	team, id, err := s.teamDecision(c, req.Decision, "targets", "")
	if err != nil {
		s.fail(c, err)
		return
	}
	targets := make([]domain.Target, len(req.Targets))
	for i, t := range req.Targets {
		targets[i] = domain.Target{TeamID: team.ID, Key: t.Key, Target: t.Target, Description: t.Description}
	}
	if err := s.Store.SetTargets(c.Request.Context(), team.ID, targets, &id); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"decision_id": id})
}

// steeringReport shows each team's actual figures against its targets, and its resources.
func (s *Server) steeringReport(c *gin.Context) {
	if err := s.mayReadReports(c); err != nil {
		s.fail(c, err)
		return
	}
	if err := knownQuery(c, "as_of"); err != nil {
		s.fail(c, err)
		return
	}
	asOf, err := s.asOfParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := report.BuildSteering(c.Request.Context(), s.Store, asOf)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}
