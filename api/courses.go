package api

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/store"
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
	// CaseloadOverrideReason lets a team lead assign consultants beyond the team's norm.
	CaseloadOverrideReason string `json:"caseload_override_reason" binding:"max=2000"`
}

type createCourseResponse struct {
	ID string `json:"id"`
}

// courseNamespace makes course ids from idempotency keys.
var courseNamespace = uuid.MustParse("6b2c1f0e-6f55-4d0b-9d8e-0f1c2a3b4c5d")

// createCourse refers a citizen or a family: it reserves the course in the read model (one
// active course per citizen per team) and starts its workflow. The same Idempotency-Key from
// the same caller starts one course.
func (s *Server) createCourse(c *gin.Context) {
	if err := requireAny(c, "referring a citizen", domain.RoleConsultant, domain.RoleTeamLead); err != nil {
		s.fail(c, err)
		return
	}
	var req createCourseRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in, overrides, err := s.courseInput(c, req)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	rec := course.State{
		CourseID: in.CourseID, TeamID: in.TeamID, Kind: in.Kind, Phase: domain.PhaseActive,
		CitizenIDs: in.CitizenIDs, ConsultantIDs: in.ConsultantIDs, StartDate: in.StartDate,
		PlannedEnd: in.StartDate.Add(in.Settings.CourseLength.D()), ReferredBy: in.ReferredBy,
	}.Record()
	created, err := s.Store.ReserveCourse(ctx, rec, overrides)
	if err != nil {
		s.fail(c, err)
		return
	}
	tctx, cancel := s.temporalCtx(c)
	defer cancel()
	_, err = s.Temporal.ExecuteWorkflow(tctx, client.StartWorkflowOptions{
		ID:                       course.WorkflowID(in.CourseID),
		TaskQueue:                s.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, course.CourseWorkflow, in)
	if err != nil {
		if created && domain.ErrorCode(fromTemporal(err)) != domain.ETimeout {
			// The workflow surely did not start: free the citizen for a new referral.
			if rerr := s.Store.ReleaseReservation(context.WithoutCancel(ctx), in.CourseID); rerr != nil {
				s.log.ErrorContext(ctx, "release reservation", "course", in.CourseID, "err", rerr)
			}
		}
		s.fail(c, fmt.Errorf("start course: %w", err))
		return
	}
	c.Header("Location", "/api/v1/courses/"+in.CourseID)
	status := http.StatusCreated
	if !created {
		status = http.StatusOK // the same referral, repeated
	}
	c.JSON(status, createCourseResponse{ID: in.CourseID})
}

// courseInput checks the referral against the team's rules, the staff register and the
// caseload norms, records the citizens (by pseudonymous id) and returns the workflow's input.
func (s *Server) courseInput(c *gin.Context, req createCourseRequest) (course.Input, []store.CaseloadOverride, error) {
	ctx := c.Request.Context()
	me := actor(c)
	start, _ := time.Parse(time.DateOnly, req.StartDate) // checked by the binding tag
	// The team, its pause, its phase-out and the settings for the start date (a reorganisation
	// gives courses referred from its date the new settings), read at once.
	ref, err := s.Store.Referral(ctx, req.TeamID, start)
	if domain.ErrorCode(err) == domain.ENotFound {
		return course.Input{}, nil, domain.FieldError("team_id", "team %q does not exist", req.TeamID)
	} else if err != nil {
		return course.Input{}, nil, err
	}
	team := ref.Team
	if ref.Paused {
		return course.Input{}, nil, domain.Errorf(domain.EConflict, "%s is paused: its citizens keep ordinary casework in the centres", team.Name)
	}
	if from := ref.PhaseOutFrom; from != nil && !s.now().Before(*from) {
		return course.Input{}, nil, domain.Errorf(domain.EConflict, "%s is being phased out since %s: it takes no new referrals", team.Name, from.Format(time.DateOnly))
	}
	if err := team.Settings.Validate(); err != nil { // stored settings are checked, but never start a course on bad ones
		return course.Input{}, nil, domain.Errorf(domain.EConflict, "%s's settings are not valid (%s): ask an administrator", team.Name, domain.ErrorMessage(err))
	}
	if team.TargetGroup == domain.TargetYoung && len(req.Citizens) != 1 {
		return course.Input{}, nil, domain.FieldError("citizens", "a course in %s is for one young person", team.Name)
	}
	n := len(req.ConsultantIDs)
	if n < team.Settings.ConsultantsMin || n > team.Settings.ConsultantsMax {
		return course.Input{}, nil, domain.FieldError("consultant_ids", "%s assigns %d to %d consultants to a course",
			team.Name, team.Settings.ConsultantsMin, team.Settings.ConsultantsMax)
	}
	var overrides []store.CaseloadOverride
	staff, err := s.Store.StaffLoads(ctx, req.ConsultantIDs)
	if err != nil {
		return course.Input{}, nil, err
	}
	seen := map[string]bool{}
	for i, id := range req.ConsultantIDs {
		field := fmt.Sprintf("consultant_ids[%d]", i)
		if seen[id] {
			return course.Input{}, nil, domain.FieldError(field, "%q is named twice", id)
		}
		seen[id] = true
		m, ok := staff[id]
		if !ok {
			return course.Input{}, nil, domain.FieldError(field, "staff member %q does not exist", id)
		}
		if !m.HasRole(domain.RoleConsultant) || m.TeamID == nil || *m.TeamID != team.ID {
			return course.Input{}, nil, domain.FieldError(field, "%q is not a consultant in %s", id, team.Name)
		}
		load := m.Caseload
		norm := int(math.Floor(float64(team.Settings.CaseloadMax) * m.HoursPerWeek / team.Settings.HalfTimeHours))
		if load+1 > norm {
			if req.CaseloadOverrideReason == "" || !me.Has(domain.RoleTeamLead) {
				return course.Input{}, nil, &domain.Error{Code: domain.EConflict, Field: field, Message: fmt.Sprintf(
					"%s has %d open courses; %s's norm for %.0f hours a week is %d. A team lead can override with a reason (caseload_override_reason)",
					m.Name, load, team.Name, m.HoursPerWeek, norm)}
			}
			overrides = append(overrides, store.CaseloadOverride{StaffID: id, By: me.ID, Reason: req.CaseloadOverrideReason})
		}
	}
	if !me.Has(domain.RoleTeamLead) && !seen[me.ID] {
		return course.Input{}, nil, domain.Errorf(domain.EForbidden, "a consultant refers citizens to courses they work on themselves")
	}
	citizenIDs := make([]string, 0, len(req.Citizens))
	seenCitizen := map[string]bool{}
	for i, ci := range req.Citizens {
		id, err := s.citizenID(c, fmt.Sprintf("citizens[%d].cpr", i), ci)
		if err != nil {
			return course.Input{}, nil, err
		}
		if seenCitizen[id] {
			return course.Input{}, nil, domain.FieldError(fmt.Sprintf("citizens[%d].cpr", i), "the same person is named twice")
		}
		seenCitizen[id] = true
		citizenIDs = append(citizenIDs, id)
	}
	goals := make([]course.Goal, len(req.Goals))
	for i, g := range req.Goals {
		goals[i] = course.Goal{ID: fmt.Sprintf("g%d", i+1), Text: g.Text}
	}
	return course.Input{
		CourseID:      s.newID(c, "course"),
		TeamID:        team.ID,
		Kind:          team.TargetGroup,
		CitizenIDs:    citizenIDs,
		ConsultantIDs: req.ConsultantIDs,
		StartDate:     start,
		Goals:         goals,
		Settings:      team.Settings,
		ReferredBy:    me.ID,
	}, overrides, nil
}

// citizenID recognises the citizen by the keyed hash of their CPR number (recording them if
// new) and returns their pseudonymous id. The number itself goes no further.
func (s *Server) citizenID(c *gin.Context, field string, ci citizenIn) (string, error) {
	cpr, err := domain.NormalizeCPR(ci.CPR)
	if err != nil {
		return "", domain.FieldError(field, "%s", domain.ErrorMessage(err))
	}
	var birth *string
	if ci.BirthDate != "" {
		birth = &ci.BirthDate
	}
	return s.Store.UpsertCitizen(c.Request.Context(), uuid.NewString(), domain.CPRHash(s.CPRPepper, cpr), ci.Name, birth)
}

// courseID validates the :id parameter of a course.
func courseID(c *gin.Context) (string, error) { return uuidParam(c, "course") }

// uuidParam validates an :id parameter: anything but a UUID names nothing that exists.
func uuidParam(c *gin.Context, what string) (string, error) {
	id := c.Param("id")
	if _, err := uuid.Parse(id); err != nil {
		return "", domain.Errorf(domain.ENotFound, "%s %q does not exist", what, id)
	}
	return id, nil
}

// query asks a workflow's query handler, within the Temporal call timeout.
func (s *Server) query(c *gin.Context, workflowID, name string, arg, out any) error {
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	v, err := s.Temporal.QueryWorkflow(ctx, workflowID, "", name, arg)
	if err != nil {
		return err
	}
	if err := v.Get(out); err != nil {
		return fmt.Errorf("decode %s of %s: %w", name, workflowID, err)
	}
	return nil
}

// getCourse answers from the workflow's query while the course runs, and from the read model
// once it has closed.
func (s *Server) getCourse(c *gin.Context) {
	id, err := courseID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.readCourse(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, st)
}

// readCourse returns a course for the caller, if they need to know it, and logs the read.
func (s *Server) readCourse(c *gin.Context, id string) (course.State, error) {
	rec, err := s.Store.GetCourse(c.Request.Context(), id)
	if err != nil {
		return course.State{}, err
	}
	if err := s.mayReadCourse(c.Request.Context(), actor(c), rec); err != nil {
		return course.State{}, err
	}
	if err := s.auditAccess(c, "course.read", "course", id, rec.CitizenIDs, nil); err != nil {
		return course.State{}, err
	}
	if rec.Phase == domain.PhaseClosed {
		return stateFromRecord(rec), nil
	}
	var st course.State
	if err := s.query(c, course.WorkflowID(id), course.QueryState, course.StateQuery{}, &st); err != nil {
		return course.State{}, s.courseError(c, id, err)
	}
	return st, nil
}

// courseError explains a Temporal error about a course: a course whose workflow is gone is
// closed (409) or unknown (404).
func (s *Server) courseError(c *gin.Context, id string, err error) error {
	err = fromTemporal(err)
	if domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	rec, rerr := s.Store.GetCourse(c.Request.Context(), id)
	if rerr == nil && rec.Phase == domain.PhaseClosed {
		return domain.Errorf(domain.EPhase, "the course is closed")
	}
	return domain.Errorf(domain.ENotFound, "course %s does not exist", id)
}

// updateCourse runs a step of the course as a Temporal Update, so the caller learns at once
// whether it was accepted.
func (s *Server) updateCourse(c *gin.Context, name string, arg any) {
	id, err := courseID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if name != course.UpdateDecideExtension { // the steering group decides without seeing case notes
		rec, err := s.Store.GetCourse(c.Request.Context(), id)
		if err == nil {
			err = s.mayReadCourse(c.Request.Context(), actor(c), rec)
		}
		if err != nil {
			s.fail(c, err)
			return
		}
	}
	var res course.StepResult
	if err := s.update(c, course.WorkflowID(id), name, arg, &res); err != nil {
		s.fail(c, s.courseError(c, id, err))
		return
	}
	c.JSON(http.StatusOK, res.State)
}

type scoreIn struct {
	GoalID string `json:"goal_id" binding:"required"`
	Score  int    `json:"score"`
}

type progressionRequest struct {
	Scores []scoreIn `json:"scores" binding:"required,min=1,max=50,dive"`
	Note   string    `json:"note" binding:"required,max=5000"`
}

func (s *Server) recordProgression(c *gin.Context) {
	var req progressionRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	scores := make([]course.GoalScore, len(req.Scores))
	for i, sc := range req.Scores {
		scores[i] = course.GoalScore{GoalID: sc.GoalID, Score: sc.Score}
	}
	s.updateCourse(c, course.UpdateRecordProgression, course.ProgressionRequest{Actor: actor(c), Scores: scores, Note: req.Note})
}

type milestoneRequest struct {
	Outcome domain.Outcome `json:"outcome" binding:"required,oneof=employment education self_support"`
	Date    string         `json:"date" binding:"required,datetime=2006-01-02"`
}

func (s *Server) recordMilestone(c *gin.Context) {
	var req milestoneRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	s.updateCourse(c, course.UpdateRecordMilestone, course.MilestoneRequest{Actor: actor(c), Outcome: req.Outcome, Date: day(req.Date)})
}

type extensionRequest struct {
	Reason string `json:"reason" binding:"required,max=5000"`
	NewEnd string `json:"new_end" binding:"required,datetime=2006-01-02"`
}

func (s *Server) requestExtension(c *gin.Context) {
	var req extensionRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	s.updateCourse(c, course.UpdateRequestExtension, course.ExtensionRequest{Actor: actor(c), Reason: req.Reason, NewEnd: day(req.NewEnd)})
}

type decisionRequest struct {
	Approve *bool  `json:"approve" binding:"required"`
	Reason  string `json:"reason" binding:"required,max=5000"`
}

func (s *Server) decideExtension(c *gin.Context) {
	if err := requireAny(c, "deciding on an extension", domain.RoleSteeringGroup); err != nil {
		s.fail(c, err)
		return
	}
	var seq int
	if _, err := fmt.Sscan(c.Param("seq"), &seq); err != nil || seq < 1 {
		s.fail(c, domain.Errorf(domain.ENotFound, "no extension request %q", c.Param("seq")))
		return
	}
	var req decisionRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	id, _ := courseID(c)
	var res course.StepResult
	if err := s.update(c, course.WorkflowID(id), course.UpdateDecideExtension,
		course.DecisionRequest{Actor: actor(c), Approve: *req.Approve, Reason: req.Reason, Sequence: seq}, &res); err != nil {
		s.fail(c, s.courseError(c, id, err))
		return
	}
	// The steering group's decision goes in the decisions register, linked to the course.
	word := "afvist"
	if *req.Approve {
		word = "godkendt"
	}
	ext := res.State.Extensions[len(res.State.Extensions)-1]
	if _, err := s.Store.AddDecision(c.Request.Context(), domain.Decision{
		DecidedOn: s.now(), Body: domain.BodySteeringGroup, Title: fmt.Sprintf("Forlængelse af forløb %s", word),
		Text: req.Reason, RecordedBy: actor(c).ID,
		Changes: []domain.Change{{Kind: "extension", TeamID: res.State.TeamID, CourseID: id,
			Note: fmt.Sprintf("anmodning %d: %s → %s", ext.Seq, ext.OldEnd.Format(time.DateOnly), ext.NewEnd.Format(time.DateOnly))}},
	}, fmt.Sprintf("extension/%s/%d", id, ext.Seq)); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res.State)
}

type closeRequest struct {
	Outcome domain.Outcome `json:"outcome" binding:"required,oneof=employment education self_support no_result handed_back"`
	Date    string         `json:"date" binding:"required,datetime=2006-01-02"`
	Note    string         `json:"note" binding:"max=5000"`
}

func (s *Server) closeCourse(c *gin.Context) {
	var req closeRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	s.updateCourse(c, course.UpdateClose, course.CloseRequest{Actor: actor(c), Outcome: req.Outcome, Date: day(req.Date), Note: req.Note})
}

// day parses a date already checked by a binding tag.
func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
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
