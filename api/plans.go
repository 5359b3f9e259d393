package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

type enrolmentFields struct {
	CoordinatorID            string   `json:"coordinator_id" binding:"required"`
	CoordinatingCaseworkerID string   `json:"coordinating_caseworker_id" binding:"required"`
	CaseworkerIDs            []string `json:"caseworker_ids" binding:"required,min=2,max=20,dive,required"`
}

type enrolRequest struct {
	Citizen citizenIn `json:"citizen" binding:"required"`
	enrolmentFields
}

// enrolment checks the people of an enrolment against the staff register and returns the
// workflow's input (without the citizen).
func (s *Server) enrolment(c *gin.Context, f enrolmentFields) (collab.Input, error) {
	ctx := c.Request.Context()
	want := func(field, id string, role domain.Role) (domain.Staff, error) {
		m, err := s.Store.GetStaff(ctx, id)
		if domain.ErrorCode(err) == domain.ENotFound {
			return m, domain.FieldError(field, "staff member %q does not exist", id)
		} else if err != nil {
			return m, err
		}
		if !m.HasRole(role) {
			return m, domain.FieldError(field, "%s is not a %s", m.Name, role)
		}
		return m, nil
	}
	if _, err := want("coordinator_id", f.CoordinatorID, domain.RoleCoordinator); err != nil {
		return collab.Input{}, err
	}
	if _, err := want("coordinating_caseworker_id", f.CoordinatingCaseworkerID, domain.RoleCoordinatingCaseworker); err != nil {
		return collab.Input{}, err
	}
	var cws []collab.Caseworker
	for i, id := range f.CaseworkerIDs {
		m, err := want(fmt.Sprintf("caseworker_ids[%d]", i), id, domain.RoleCaseworker)
		if err != nil {
			return collab.Input{}, err
		}
		if m.Centre == nil {
			return collab.Input{}, domain.FieldError(fmt.Sprintf("caseworker_ids[%d]", i), "%s belongs to no centre", m.Name)
		}
		cws = append(cws, collab.Caseworker{StaffID: id, Centre: *m.Centre})
	}
	centres := map[domain.Centre]bool{}
	for _, cw := range cws {
		centres[cw.Centre] = true
	}
	if len(centres) < 2 {
		return collab.Input{}, domain.FieldError("caseworker_ids", "the collaboration model needs caseworkers from at least two centres")
	}
	settings, err := s.Store.CollaborationSettings(ctx)
	if err != nil {
		return collab.Input{}, err
	}
	return collab.Input{
		PlanID: s.newID(c, "plan"), CoordinatorID: f.CoordinatorID, CoordinatingCaseworkerID: f.CoordinatingCaseworkerID,
		Caseworkers: cws, EnrolledBy: actor(c).ID, Settings: settings,
		EnrolledAt: s.now().UTC().Truncate(time.Microsecond), // PostgreSQL keeps microseconds
	}, nil
}

// validEnrolment checks the complete enrolment as the workflow will, naming the request's
// fields.
func validEnrolment(in collab.Input) error {
	if err := collab.ValidateInput(in); err != nil {
		if domain.ErrorField(err) == "caseworkers" {
			return domain.FieldError("caseworker_ids", "%s", domain.ErrorMessage(err))
		}
		return err
	}
	return nil
}

// newID is a random id, or one made from the caller's Idempotency-Key (the same request
// repeated finds the same thing).
func (s *Server) newID(c *gin.Context, kind string) string {
	if key := c.GetHeader("Idempotency-Key"); key != "" {
		return uuid.NewSHA1(courseNamespace, []byte(kind+"\x00"+actor(c).ID+"\x00"+key)).String()
	}
	return uuid.NewString()
}

// planRecord is the reservation of an enrolment: the plan's row and its participants, who
// joined when the workflow will say they did (EnrolledAt).
func planRecord(in collab.Input) domain.PlanRecord {
	parts := []domain.Participant{
		{StaffID: in.CoordinatorID, Role: domain.ParticipantCoordinator, JoinedAt: in.EnrolledAt},
		{StaffID: in.CoordinatingCaseworkerID, Role: domain.ParticipantCoordinatingCaseworker, JoinedAt: in.EnrolledAt},
	}
	for _, cw := range in.Caseworkers {
		parts = append(parts, domain.Participant{StaffID: cw.StaffID, Role: domain.ParticipantCaseworker, Centre: cw.Centre, JoinedAt: in.EnrolledAt})
	}
	return domain.PlanRecord{
		ID: in.PlanID, WorkflowID: collab.WorkflowID(in.PlanID), CitizenID: in.CitizenID,
		CoordinatorID: in.CoordinatorID, CoordinatingCaseworkerID: in.CoordinatingCaseworkerID,
		Phase: domain.PlanAwaitingConsent, FromCourseID: in.FromCourseID, Participants: parts,
	}
}

// enrol puts a citizen in the collaboration model: it reserves the plan (one per citizen)
// and starts its workflow.
func (s *Server) enrol(c *gin.Context) {
	if err := requireAny(c, "enrolling a citizen", domain.RoleCoordinator, domain.RoleCoordinatingCaseworker, domain.RoleTeamLead); err != nil {
		s.fail(c, err)
		return
	}
	var req enrolRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	in, err := s.enrolment(c, req.enrolmentFields)
	if err != nil {
		s.fail(c, err)
		return
	}
	if in.CitizenID, err = s.citizenID(c, "citizen.cpr", req.Citizen); err != nil {
		s.fail(c, err)
		return
	}
	if err := validEnrolment(in); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	created, err := s.Store.ReservePlan(ctx, planRecord(in))
	if err != nil {
		s.fail(c, err)
		return
	}
	tctx, cancel := s.temporalCtx(c)
	defer cancel()
	_, err = s.Temporal.ExecuteWorkflow(tctx, client.StartWorkflowOptions{
		ID: collab.WorkflowID(in.PlanID), TaskQueue: s.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, collab.CollaborationWorkflow, in)
	if err != nil {
		if created && domain.ErrorCode(fromTemporal(err)) != domain.ETimeout {
			if rerr := s.Store.ReleasePlanReservation(context.WithoutCancel(ctx), in.PlanID); rerr != nil {
				s.log.ErrorContext(ctx, "release plan reservation", "plan", in.PlanID, "err", rerr)
			}
		}
		s.fail(c, fmt.Errorf("start plan: %w", err))
		return
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	c.Header("Location", "/api/v1/plans/"+in.PlanID)
	c.JSON(status, gin.H{"id": in.PlanID})
}

type moveRequest struct {
	CitizenID string `json:"citizen_id"`
	Date      string `json:"date" binding:"required,datetime=2006-01-02"`
	Note      string `json:"note" binding:"max=5000"`
	enrolmentFields
}

// moveToCollaboration ends a course with the outcome "moved to the collaboration model" and
// starts the citizen's plan, in one step of the course's workflow.
func (s *Server) moveToCollaboration(c *gin.Context) {
	id, err := courseID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var req moveRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	rec, err := s.Store.GetCourse(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	in, err := s.enrolment(c, req.enrolmentFields)
	if err != nil {
		s.fail(c, err)
		return
	}
	in.FromCourseID, in.CitizenID = id, req.CitizenID
	if in.CitizenID == "" && len(rec.CitizenIDs) == 1 {
		in.CitizenID = rec.CitizenIDs[0]
	}
	if in.CitizenID == "" {
		s.fail(c, domain.FieldError("citizen_id", "name which of the family's members the plan is for"))
		return
	}
	if err := validEnrolment(in); err != nil {
		s.fail(c, err)
		return
	}
	created, err := s.Store.ReservePlan(c.Request.Context(), planRecord(in))
	if err != nil {
		s.fail(c, err)
		return
	}
	s.updateCourse(c, course.UpdateClose, course.CloseRequest{
		Actor: actor(c), Outcome: domain.OutcomeCollaboration, Date: day(req.Date), Note: req.Note, Enrolment: &in,
	})
	if c.Writer.Status() >= 300 && created {
		if rerr := s.Store.ReleasePlanReservation(context.WithoutCancel(c.Request.Context()), in.PlanID); rerr != nil {
			s.log.ErrorContext(c.Request.Context(), "release plan reservation", "plan", in.PlanID, "err", rerr)
		}
	}
}

func planID(c *gin.Context) (string, error) { return uuidParam(c, "plan") }

// getPlan answers from the workflow's query while the plan runs, from the read model after.
func (s *Server) getPlan(c *gin.Context) {
	id, err := planID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.readPlan(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// readPlan returns a plan for a participant (or an admin) and logs the read.
func (s *Server) readPlan(c *gin.Context, id string) (domain.PlanRecord, error) {
	if err := s.mayReadPlan(c.Request.Context(), actor(c), id); err != nil {
		return domain.PlanRecord{}, err
	}
	rec, err := s.Store.GetPlan(c.Request.Context(), id)
	if err != nil {
		return domain.PlanRecord{}, err
	}
	if err := s.auditAccess(c, "plan.read", "plan", id, []string{rec.CitizenID}, nil); err != nil {
		return domain.PlanRecord{}, err
	}
	if rec.Phase == domain.PlanEnded {
		return rec, nil
	}
	var st collab.State
	if err := s.query(c, collab.WorkflowID(id), collab.QueryState, collab.StateQuery{}, &st); err != nil {
		return domain.PlanRecord{}, s.planError(c, id, err)
	}
	return st.Record(), nil
}

func (s *Server) planError(c *gin.Context, id string, err error) error {
	err = fromTemporal(err)
	if domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	rec, rerr := s.Store.GetPlan(c.Request.Context(), id)
	if rerr == nil && rec.Phase == domain.PlanEnded {
		return domain.Errorf(domain.EPhase, "the citizen has left the collaboration model")
	}
	return domain.Errorf(domain.ENotFound, "plan %s does not exist", id)
}

// updatePlan runs a step of the plan as a Temporal Update.
func (s *Server) updatePlan(c *gin.Context, name string, arg any) {
	id, err := planID(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.mayReadPlan(c.Request.Context(), actor(c), id); err != nil && !actor(c).Has(domain.RoleTeamLead) {
		s.fail(c, err)
		return
	}
	var res collab.StepResult
	if err := s.update(c, collab.WorkflowID(id), name, arg, &res); err != nil {
		s.fail(c, s.planError(c, id, err))
		return
	}
	c.JSON(http.StatusOK, res.State.Record())
}

// update runs an Update and waits for its result; an Idempotency-Key makes a repeat return
// the first answer.
func (s *Server) update(c *gin.Context, workflowID, name string, arg, result any) error {
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	opts := client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	if key := c.GetHeader("Idempotency-Key"); key != "" {
		opts.UpdateID = actor(c).ID + ":" + key
	}
	h, err := s.Temporal.UpdateWorkflow(ctx, opts)
	if err != nil {
		return err
	}
	return h.Get(ctx, result)
}

type consentRequest struct {
	Scope string `json:"scope" binding:"required,max=2000"`
	Date  string `json:"date" binding:"required,datetime=2006-01-02"`
}

func (s *Server) recordConsent(c *gin.Context) {
	var req consentRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateRecordConsent, collab.ConsentRequest{Actor: actor(c), Scope: req.Scope, Date: day(req.Date)})
	}
}

type endRequest struct {
	Date   string `json:"date" binding:"required,datetime=2006-01-02"`
	Reason string `json:"reason" binding:"required,max=2000"`
}

func (s *Server) withdrawConsent(c *gin.Context) {
	var req endRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateWithdrawConsent, collab.WithdrawRequest{Actor: actor(c), Date: day(req.Date), Reason: req.Reason})
	}
}

func (s *Server) leavePlan(c *gin.Context) {
	var req endRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateLeave, collab.LeaveRequest{Actor: actor(c), Date: day(req.Date), Reason: req.Reason})
	}
}

type scheduleRequest struct {
	At time.Time `json:"at" binding:"required"`
}

func (s *Server) scheduleMeeting(c *gin.Context) {
	var req scheduleRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: actor(c), At: req.At})
	}
}

func (s *Server) recordInvitation(c *gin.Context) {
	s.updatePlan(c, collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: actor(c)})
}

type agreementIn struct {
	Text        string `json:"text" binding:"required,max=2000"`
	Responsible string `json:"responsible" binding:"required,max=200"`
	Due         string `json:"due" binding:"omitempty,datetime=2006-01-02"`
}

type formGoalIn struct {
	Goal       string        `json:"goal" binding:"required,max=2000"`
	Agreements []agreementIn `json:"agreements" binding:"max=50,dive"`
}

func formGoals(in []formGoalIn) []domain.FormGoal {
	out := make([]domain.FormGoal, len(in))
	for i, g := range in {
		out[i] = domain.FormGoal{Goal: g.Goal, Agreements: make([]domain.Agreement, len(g.Agreements))}
		for j, a := range g.Agreements {
			out[i].Agreements[j] = domain.Agreement{Text: a.Text, Responsible: a.Responsible, Due: a.Due}
		}
	}
	return out
}

type meetingHeldRequest struct {
	HeldAt         time.Time    `json:"held_at" binding:"required"`
	CitizenPresent *bool        `json:"citizen_present" binding:"required"`
	Attendees      []string     `json:"attendees" binding:"max=50"`
	Goals          []formGoalIn `json:"goals" binding:"required,min=1,max=50,dive"`
	Summary        string       `json:"summary" binding:"required,max=2000"`
}

func (s *Server) recordMeeting(c *gin.Context) {
	var req meetingHeldRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateRecordMeeting, collab.MeetingRequest{
			Actor: actor(c), HeldAt: req.HeldAt, CitizenPresent: *req.CitizenPresent, Attendees: req.Attendees,
			Goals: formGoals(req.Goals), Summary: req.Summary,
		})
	}
}

type notHeldRequest struct {
	Reason string `json:"reason" binding:"required,max=2000"`
}

func (s *Server) recordNotHeld(c *gin.Context) {
	var req notHeldRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateRecordNotHeld, collab.NotHeldRequest{Actor: actor(c), Reason: req.Reason})
	}
}

type minutesRequest struct {
	Minutes string `json:"minutes" binding:"required,max=20000"`
}

func (s *Server) recordMinutes(c *gin.Context) {
	var seq int
	if _, err := fmt.Sscan(c.Param("seq"), &seq); err != nil || seq < 1 {
		s.fail(c, domain.Errorf(domain.ENotFound, "no meeting %q", c.Param("seq")))
		return
	}
	var req minutesRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: actor(c), MeetingSeq: seq, Minutes: req.Minutes})
	}
}

type citizenMeetingRequest struct {
	HeldAt  time.Time    `json:"held_at" binding:"required"`
	Note    string       `json:"note" binding:"required,max=5000"`
	Goals   []formGoalIn `json:"goals" binding:"max=50,dive"`
	Summary string       `json:"summary" binding:"max=2000"`
}

func (s *Server) recordCitizenMeeting(c *gin.Context) {
	var req citizenMeetingRequest
	if decodeOr(s, c, &req) {
		s.updatePlan(c, collab.UpdateRecordCitizenMeeting, collab.CitizenMeetingRequest{
			Actor: actor(c), HeldAt: req.HeldAt, Note: req.Note, Goals: formGoals(req.Goals), Summary: req.Summary,
		})
	}
}

type participantsRequest struct {
	JoinIDs                   []string `json:"join" binding:"max=20,dive,required"`
	Leave                     []string `json:"leave" binding:"max=20,dive,required"`
	NewCoordinator            string   `json:"new_coordinator"`
	NewCoordinatingCaseworker string   `json:"new_coordinating_caseworker"`
}

func (s *Server) changeParticipants(c *gin.Context) {
	var req participantsRequest
	if !decodeOr(s, c, &req) {
		return
	}
	ctx := c.Request.Context()
	var join []collab.Caseworker
	for i, id := range req.JoinIDs {
		m, err := s.Store.GetStaff(ctx, id)
		if err != nil || !m.HasRole(domain.RoleCaseworker) || m.Centre == nil {
			s.fail(c, domain.FieldError(fmt.Sprintf("join[%d]", i), "%q is not a caseworker of a centre", id))
			return
		}
		join = append(join, collab.Caseworker{StaffID: id, Centre: *m.Centre})
	}
	for field, pair := range map[string][2]string{
		"new_coordinator":             {req.NewCoordinator, string(domain.RoleCoordinator)},
		"new_coordinating_caseworker": {req.NewCoordinatingCaseworker, string(domain.RoleCoordinatingCaseworker)},
	} {
		if pair[0] == "" {
			continue
		}
		if m, err := s.Store.GetStaff(ctx, pair[0]); err != nil || !m.HasRole(domain.Role(pair[1])) {
			s.fail(c, domain.FieldError(field, "%q is not a %s", pair[0], pair[1]))
			return
		}
	}
	s.updatePlan(c, collab.UpdateChangeParticipants, collab.ParticipantsRequest{
		Actor: actor(c), Join: join, Leave: req.Leave, NewCoordinator: req.NewCoordinator, NewCoordinatingCaseworker: req.NewCoordinatingCaseworker,
	})
}

// decodeOr decodes the body, or answers with the problem and returns false.
func decodeOr(s *Server, c *gin.Context, dst any) bool {
	if err := decode(c, dst); err != nil {
		s.fail(c, err)
		return false
	}
	return true
}
