package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/workflows/course"
)

type citizenIn struct {
	// CPR is used only to recognise the citizen (a keyed hash); it is never stored or sent on.
	CPR       string `json:"cpr" binding:"required"`
	Name      string `json:"name" binding:"required,max=200"`
	BirthDate string `json:"birth_date" binding:"omitempty,datetime=2006-01-02"`
}

type goalIn struct {
	Text string `json:"text" binding:"required,max=2000"`
}

type createCourseRequest struct {
	TeamID        string      `json:"team_id" binding:"required"`
	Citizens      []citizenIn `json:"citizens" binding:"required,min=1,max=12,dive"`
	ConsultantIDs []string    `json:"consultant_ids" binding:"required,min=1,max=3,dive,required"`
	StartDate     string      `json:"start_date" binding:"required,datetime=2006-01-02"`
	Goals         []goalIn    `json:"goals" binding:"required,min=1,max=20,dive"`
	ReferredBy    string      `json:"referred_by" binding:"required"`
}

type createCourseResponse struct {
	ID string `json:"id"`
}

// createCourse refers a citizen or a family: it starts a course workflow.
func (s *Server) createCourse(c *gin.Context) {
	var req createCourseRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in, err := s.courseInput(c, req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        course.WorkflowID(in.CourseID),
		TaskQueue: s.TaskQueue,
	}, course.Workflow, in)
	if err != nil {
		s.fail(c, fmt.Errorf("start course: %w", err))
		return
	}
	c.Header("Location", "/api/v1/courses/"+in.CourseID)
	c.JSON(http.StatusCreated, createCourseResponse{ID: in.CourseID})
}

// courseInput checks the referral against the team's rules and the staff register, records
// the citizens (by pseudonymous id) and returns the workflow's input.
func (s *Server) courseInput(c *gin.Context, req createCourseRequest) (course.Input, error) {
	ctx := c.Request.Context()
	team, err := s.Store.GetTeam(ctx, req.TeamID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return course.Input{}, domain.FieldError("team_id", "team %q does not exist", req.TeamID)
	} else if err != nil {
		return course.Input{}, err
	}
	if team.TargetGroup == domain.TargetYoung && len(req.Citizens) != 1 {
		return course.Input{}, domain.FieldError("citizens", "a course in %s is for one young person", team.Name)
	}
	n := len(req.ConsultantIDs)
	if n < team.Settings.ConsultantsMin || n > team.Settings.ConsultantsMax {
		return course.Input{}, domain.FieldError("consultant_ids", "%s assigns %d to %d consultants to a course",
			team.Name, team.Settings.ConsultantsMin, team.Settings.ConsultantsMax)
	}
	seen := map[string]bool{}
	for i, id := range req.ConsultantIDs {
		field := fmt.Sprintf("consultant_ids[%d]", i)
		if seen[id] {
			return course.Input{}, domain.FieldError(field, "%q is named twice", id)
		}
		seen[id] = true
		m, err := s.Store.GetStaff(ctx, id)
		if domain.ErrorCode(err) == domain.ENotFound {
			return course.Input{}, domain.FieldError(field, "staff member %q does not exist", id)
		} else if err != nil {
			return course.Input{}, err
		}
		if !m.HasRole(domain.RoleConsultant) || m.TeamID == nil || *m.TeamID != team.ID {
			return course.Input{}, domain.FieldError(field, "%q is not a consultant in %s", id, team.Name)
		}
	}
	if _, err := s.Store.GetStaff(ctx, req.ReferredBy); domain.ErrorCode(err) == domain.ENotFound {
		return course.Input{}, domain.FieldError("referred_by", "staff member %q does not exist", req.ReferredBy)
	} else if err != nil {
		return course.Input{}, err
	}
	start, _ := time.Parse(time.DateOnly, req.StartDate) // checked by the binding tag

	citizenIDs := make([]string, 0, len(req.Citizens))
	hashes := map[string]bool{}
	for i, ci := range req.Citizens {
		cpr, err := domain.NormalizeCPR(ci.CPR)
		if err != nil {
			return course.Input{}, domain.FieldError(fmt.Sprintf("citizens[%d].cpr", i), "%s", domain.ErrorMessage(err))
		}
		h := domain.CPRHash(s.CPRPepper, cpr)
		if hashes[string(h)] {
			return course.Input{}, domain.FieldError(fmt.Sprintf("citizens[%d].cpr", i), "the same person is named twice")
		}
		hashes[string(h)] = true
		var birth *string
		if ci.BirthDate != "" {
			birth = &ci.BirthDate
		}
		id, err := s.Store.UpsertCitizen(ctx, uuid.NewString(), h, ci.Name, birth)
		if err != nil {
			return course.Input{}, err
		}
		citizenIDs = append(citizenIDs, id)
	}
	goals := make([]course.Goal, len(req.Goals))
	for i, g := range req.Goals {
		goals[i] = course.Goal{ID: fmt.Sprintf("g%d", i+1), Text: g.Text}
	}
	return course.Input{
		CourseID:      uuid.NewString(),
		TeamID:        team.ID,
		Kind:          team.TargetGroup,
		CitizenIDs:    citizenIDs,
		ConsultantIDs: req.ConsultantIDs,
		StartDate:     start,
		Goals:         goals,
		Settings:      team.Settings,
		ReferredBy:    req.ReferredBy,
	}, nil
}

// getCourse answers from the workflow's query while the course runs, and from the read model
// once it has closed.
func (s *Server) getCourse(c *gin.Context) {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		s.fail(c, domain.Errorf(domain.ENotFound, "course %q does not exist", id))
		return
	}
	rec, err := s.Store.GetCourse(c.Request.Context(), id)
	switch {
	case err == nil && rec.Phase == domain.PhaseClosed:
		c.JSON(http.StatusOK, stateFromRecord(rec))
		return
	case err != nil && domain.ErrorCode(err) != domain.ENotFound:
		s.fail(c, err)
		return
	}
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(ctx, course.WorkflowID(id), "", course.QueryState, course.StateQuery{})
	if err != nil {
		err = fromTemporal(err)
		if domain.ErrorCode(err) == domain.ENotFound {
			err = domain.Errorf(domain.ENotFound, "course %s does not exist", id)
		}
		s.fail(c, err)
		return
	}
	var st course.State
	if err := v.Get(&st); err != nil {
		s.fail(c, fmt.Errorf("decode course state: %w", err))
		return
	}
	c.JSON(http.StatusOK, st)
}

func stateFromRecord(r domain.CourseRecord) course.State {
	return course.State{
		CourseID: r.ID, TeamID: r.TeamID, Kind: r.Kind, Phase: r.Phase,
		CitizenIDs: r.CitizenIDs, ConsultantIDs: r.ConsultantIDs,
		StartDate: r.StartDate, PlannedEnd: r.PlannedEnd, NextDeadline: r.NextDeadline,
		NextAction: r.NextAction, Outcome: r.Outcome, ClosedOn: r.ClosedOn,
		ReferredBy: r.ReferredBy, Revision: r.Revision,
	}
}
