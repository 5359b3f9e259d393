package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/store"
	"tvp/workflows/collab"
	"tvp/workflows/course"
)

// EnrolmentIn are the people of an enrolment in the collaboration model.
type EnrolmentIn struct {
	CoordinatorID            string   `json:"coordinator_id" binding:"required,max=100" text:"line"`
	CoordinatingCaseworkerID string   `json:"coordinating_caseworker_id" binding:"required,max=100" text:"line"`
	CaseworkerIDs            []string `json:"caseworker_ids" binding:"required,min=2,max=20,dive,required,max=100"`
	// CitizenEmail, if given, is the citizen's address: they get the meetings' calendar
	// invitations too.
	CitizenEmail string `json:"citizen_email" binding:"omitempty,max=254,email" text:"line"`
}

// EnrolInput enrols a citizen in the collaboration model.
type EnrolInput struct {
	Citizen CitizenIn `json:"citizen" binding:"required"`
	EnrolmentIn
}

// enrolment checks the people of an enrolment against the staff register and returns the
// workflow's input (without the citizen).
func (s *Service) enrolment(ctx context.Context, by Caller, f EnrolmentIn) (collab.Input, error) {
	if _, err := s.staffWithRole(ctx, "coordinator_id", f.CoordinatorID, domain.RoleCoordinator); err != nil {
		return collab.Input{}, err
	}
	if _, err := s.staffWithRole(ctx, "coordinating_caseworker_id", f.CoordinatingCaseworkerID, domain.RoleCoordinatingCaseworker); err != nil {
		return collab.Input{}, err
	}
	var cws []collab.Caseworker
	for i, id := range f.CaseworkerIDs {
		cw, err := s.caseworker(ctx, fmt.Sprintf("caseworker_ids[%d]", i), id)
		if err != nil {
			return collab.Input{}, err
		}
		cws = append(cws, cw)
	}
	settings, err := s.store.CollaborationSettings(ctx)
	if err != nil {
		return collab.Input{}, err
	}
	return collab.Input{
		PlanID: newID(by, "plan"), CoordinatorID: f.CoordinatorID, CoordinatingCaseworkerID: f.CoordinatingCaseworkerID,
		Caseworkers: cws, EnrolledBy: by.Actor.ID, Settings: settings, CitizenEmail: f.CitizenEmail,
		EnrolledAt: s.now().UTC().Truncate(time.Microsecond), // PostgreSQL keeps microseconds
	}, nil
}

// staffWithRole is the staff member named in a request's field, who must hold the role; a
// refusal names the field.
func (s *Service) staffWithRole(ctx context.Context, field, id string, role domain.Role) (domain.Staff, error) {
	m, err := s.store.GetStaff(ctx, id)
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

// caseworker is the caseworker named in a request's field, with the centre they come from.
func (s *Service) caseworker(ctx context.Context, field, id string) (collab.Caseworker, error) {
	m, err := s.staffWithRole(ctx, field, id, domain.RoleCaseworker)
	if err != nil {
		return collab.Caseworker{}, err
	}
	if m.Centre == nil {
		return collab.Caseworker{}, domain.FieldError(field, "%s belongs to no centre", m.Name)
	}
	return collab.Caseworker{StaffID: id, Centre: *m.Centre}, nil
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

// Enrol puts a citizen in the collaboration model: the citizen is recognised and the plan
// reserved (one per citizen) in one transaction, then its workflow starts.
func (s *Service) Enrol(ctx context.Context, by Caller, in EnrolInput) (Created, error) {
	if _, err := s.allow(ctx, by, domain.Programme, domain.PlanEnrol); err != nil {
		return Created{}, err
	}
	if err := validate(&in); err != nil {
		return Created{}, err
	}
	cpr, err := domain.NormalizeCPR(in.Citizen.CPR)
	if err != nil {
		return Created{}, domain.FieldError("citizen.cpr", "%s", domain.ErrorMessage(err))
	}
	wf, err := s.enrolment(ctx, by, in.EnrolmentIn)
	if err != nil {
		return Created{}, err
	}
	citizen := store.NewCitizen{ID: newID(by, "citizen"), Hash: domain.CPRHash(s.cfg.CPRPepper, cpr),
		Previous: s.previousCPRHash(cpr), Name: in.Citizen.Name}
	if in.Citizen.BirthDate != "" {
		b := in.Citizen.BirthDate
		citizen.BirthDate = &b
	}
	wf.CitizenID = citizen.ID // for the checks; the reservation names the known citizen
	if err := validEnrolment(wf); err != nil {
		return Created{}, err
	}
	rec := planRecord(wf)
	created, err := s.store.ReservePlan(ctx, rec, &citizen)
	if err != nil {
		return Created{}, s.enrolmentRefused(ctx, by, "citizen.cpr", err)
	}
	facts, err := s.store.PlanFacts(ctx, wf.PlanID)
	if err != nil {
		return Created{}, err
	}
	wf.CitizenID = facts.CitizenID
	if err := s.startPlan(ctx, wf, created); err != nil {
		return Created{}, err
	}
	return Created{ID: wf.PlanID, New: created}, nil
}

// enrolmentRefused says why an enrolment was refused, telling of the citizen's plan only a
// caller who may read it; the refusal is in that citizen's access log.
func (s *Service) enrolmentRefused(ctx context.Context, by Caller, field string, err error) error {
	var dup *domain.DuplicatePlan
	if !errors.As(err, &dup) {
		return err
	}
	if dup.PlanID == "" {
		return &domain.Error{Code: domain.EConflict, Field: field, Message: "the citizen cannot be enrolled now: they are in the collaboration model already"}
	}
	facts, ferr := s.store.PlanFacts(ctx, dup.PlanID)
	if ferr != nil {
		return ferr
	}
	subj := planSubject(facts)
	if aerr := s.audit(ctx, by, domain.PlanEnrol.Audit(), subj, true, map[string]any{"reason": "in the collaboration model already"}); aerr != nil {
		return aerr
	}
	if domain.May(by.Actor, subj, domain.PlanRead) {
		return &domain.Error{Code: domain.EConflict, Field: field, Message: fmt.Sprintf("the citizen is in the collaboration model already (plan %s)", dup.PlanID)}
	}
	return &domain.Error{Code: domain.EConflict, Field: field, Message: "the citizen cannot be enrolled now: they are in the collaboration model already; ask the coordinator"}
}

// startPlan starts a reserved plan's workflow; if a new one surely did not start, the
// reservation is released.
func (s *Service) startPlan(ctx context.Context, in collab.Input, isNew bool) error {
	tctx, cancel := s.temporalCtx(ctx)
	defer cancel()
	_, err := s.temporal.ExecuteWorkflow(tctx, client.StartWorkflowOptions{
		ID: collab.WorkflowID(in.PlanID), TaskQueue: s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, collab.CollaborationWorkflow, in)
	if err != nil {
		err = FromTemporal(err)
		if !isNew && domain.ErrorCode(err) == domain.EConflict {
			return nil
		}
		if isNew && domain.ErrorCode(err) != domain.ETimeout {
			if rerr := s.store.ReleasePlanReservation(context.WithoutCancel(ctx), in.PlanID); rerr != nil {
				s.log.ErrorContext(ctx, "release plan reservation", "plan", in.PlanID, "err", rerr)
			}
		}
		return fmt.Errorf("start plan: %w", err)
	}
	return nil
}

// MoveInput moves a course's citizen to the collaboration model.
type MoveInput struct {
	CitizenID string `json:"citizen_id" binding:"omitempty,uuid" text:"line"`
	Date      string `json:"date" binding:"required,datetime=2006-01-02"`
	Note      string `json:"note" binding:"max=5000"`
	EnrolmentIn
}

// MoveToCollaboration ends a course with the outcome "moved to the collaboration model" and
// starts the citizen's plan, in one step of the course's workflow. Access is checked first:
// nothing is reserved for a caller who may not move the course.
func (s *Service) MoveToCollaboration(ctx context.Context, by Caller, id string, in MoveInput) (CourseView, error) {
	rec, _, err := s.courseFor(ctx, by, id, domain.CourseMove)
	if err != nil {
		return CourseView{}, err
	}
	if err := validate(&in); err != nil {
		return CourseView{}, err
	}
	wf, err := s.enrolment(ctx, by, in.EnrolmentIn)
	if err != nil {
		return CourseView{}, err
	}
	wf.FromCourseID, wf.CitizenID = id, in.CitizenID
	if wf.CitizenID == "" && len(rec.CitizenIDs) == 1 {
		wf.CitizenID = rec.CitizenIDs[0]
	}
	if wf.CitizenID == "" {
		return CourseView{}, domain.FieldError("citizen_id", "name which of the family's members the plan is for")
	}
	if !containsString(rec.CitizenIDs, wf.CitizenID) {
		return CourseView{}, domain.FieldError("citizen_id", "the plan must be for a citizen of this course")
	}
	if err := validEnrolment(wf); err != nil {
		return CourseView{}, err
	}
	created, err := s.store.ReservePlan(ctx, planRecord(wf), nil)
	if err != nil {
		return CourseView{}, s.enrolmentRefused(ctx, by, "citizen_id", err)
	}
	var res course.StepResult
	err = s.update(ctx, by, course.WorkflowID(id), course.UpdateClose, course.CloseRequest{
		Actor: by.Actor, Outcome: domain.OutcomeCollaboration, Date: day(in.Date), Note: in.Note, Enrolment: &wf,
	}, &res)
	if err != nil {
		if created {
			if rerr := s.store.ReleasePlanReservation(context.WithoutCancel(ctx), wf.PlanID); rerr != nil {
				s.log.ErrorContext(ctx, "release plan reservation", "plan", wf.PlanID, "err", rerr)
			}
		}
		return CourseView{}, s.courseError(ctx, id, err)
	}
	if err := s.auditStandIn(ctx, by, courseSubject(rec), domain.CourseMove); err != nil {
		return CourseView{}, err
	}
	v, _ := domain.Access(by.Actor, courseSubject(rec), domain.CourseRead)
	return courseView(res.State, v), nil
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// planFor returns the plan's facts and the caller's view of it for the action, or a refusal
// (audited). A plan that does not exist is ENotFound.
func (s *Service) planFor(ctx context.Context, by Caller, id string, act domain.Action) (store.PlanFacts, domain.View, error) {
	if err := checkID("plan", id); err != nil {
		return store.PlanFacts{}, domain.ViewNone, err
	}
	f, err := s.store.PlanFacts(ctx, id)
	if err != nil {
		return f, domain.ViewNone, err
	}
	v, err := s.allow(ctx, by, planSubject(f), act)
	return f, v, err
}

// Plan reads a plan: from its workflow while it runs, from the read model once it has ended.
// The read is audited; the answer is cut to the caller's view.
func (s *Service) Plan(ctx context.Context, by Caller, id string) (PlanView, error) {
	f, v, err := s.planFor(ctx, by, id, domain.PlanRead)
	if err != nil {
		return PlanView{}, err
	}
	if err := s.audit(ctx, by, domain.PlanRead.Audit(), planSubject(f), false, viewDetails(v)); err != nil {
		return PlanView{}, err
	}
	rec, err := s.planRecord(ctx, f)
	if err != nil {
		return PlanView{}, err
	}
	out := planView(rec, v)
	if rec.Phase != domain.PlanEnded {
		out.Can = can(by.Actor, planSubject(f), planSteps...)
	}
	if v == domain.ViewFull {
		out.Names, err = s.names(ctx, by, []string{rec.CitizenID})
	}
	return out, err
}

func (s *Service) planRecord(ctx context.Context, f store.PlanFacts) (domain.PlanRecord, error) {
	if f.Phase == domain.PlanEnded {
		return s.store.GetPlan(ctx, f.ID)
	}
	var st collab.State
	if err := s.query(ctx, collab.WorkflowID(f.ID), collab.QueryState, collab.StateQuery{}, &st); err != nil {
		return domain.PlanRecord{}, s.planError(ctx, f.ID, err)
	}
	return st.Record(), nil
}

func (s *Service) planError(ctx context.Context, id string, err error) error {
	if domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	f, ferr := s.store.PlanFacts(ctx, id)
	if ferr == nil && f.Phase == domain.PlanEnded {
		return domain.Errorf(domain.EPhase, "the citizen has left the collaboration model")
	}
	return domain.Errorf(domain.ENotFound, "plan %s does not exist", id)
}

// planStep runs a step of a plan as an Update: the access rule for it first, then the input's
// check (in, if any), then the Update that step makes of it; the answer is the plan as the
// caller may read it.
func (s *Service) planStep(ctx context.Context, by Caller, id string, act domain.Action, in any, step func() (name string, arg any)) (PlanView, error) {
	res, err := s.planStepResult(ctx, by, id, act, in, step)
	if err != nil {
		return PlanView{}, err
	}
	// The view after the step: a coordinator who handed the plan over reads it no more, and
	// is told only that the step happened.
	v, _ := domain.Access(by.Actor, res.State.Subject(), domain.PlanRead)
	return planView(res.State.Record(), v), nil
}

// planStepResult runs a step of a plan: the access rule for it, then runStep.
func (s *Service) planStepResult(ctx context.Context, by Caller, id string, act domain.Action, in any, step func() (name string, arg any)) (collab.StepResult, error) {
	f, _, err := s.planFor(ctx, by, id, act)
	if err != nil {
		return collab.StepResult{}, err
	}
	return runStep[collab.StepResult](ctx, s, by, planSubject(f), act, collab.WorkflowID(id), in,
		func() (string, any, error) { name, arg := step(); return name, arg, nil },
		func(err error) error { return s.planError(ctx, id, err) })
}

// ConsentInput records the citizen's consent.
type ConsentInput struct {
	Scope string `json:"scope" binding:"required,max=2000"`
	Date  string `json:"date" binding:"required,datetime=2006-01-02"`
}

// RecordConsent records the citizen's consent to the coordinated plan.
func (s *Service) RecordConsent(ctx context.Context, by Caller, id string, in ConsentInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanConsent, &in, func() (string, any) {
		return collab.UpdateRecordConsent, collab.ConsentRequest{Actor: by.Actor, Scope: in.Scope, Date: day(in.Date)}
	})
}

// EndInput ends a plan: the consent withdrawn, or the citizen leaves.
type EndInput struct {
	Date   string `json:"date" binding:"required,datetime=2006-01-02"`
	Reason string `json:"reason" binding:"required,max=2000"`
}

// WithdrawConsent records that the citizen withdrew consent: the plan ends.
func (s *Service) WithdrawConsent(ctx context.Context, by Caller, id string, in EndInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanWithdrawConsent, &in, func() (string, any) {
		return collab.UpdateWithdrawConsent, collab.WithdrawRequest{Actor: by.Actor, Date: day(in.Date), Reason: in.Reason}
	})
}

// Leave ends the plan: the citizen leaves the model.
func (s *Service) Leave(ctx context.Context, by Caller, id string, in EndInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanLeave, &in, func() (string, any) {
		return collab.UpdateLeave, collab.LeaveRequest{Actor: by.Actor, Date: day(in.Date), Reason: in.Reason}
	})
}

// ScheduleInput sets or moves the next meeting's date.
type ScheduleInput struct {
	At time.Time `json:"at" binding:"required"`
	// Place is where the meeting is held (optional; empty on a move keeps the place).
	Place string `json:"place" binding:"max=200" text:"line"`
}

// ScheduleMeeting sets or moves the date of the next cross-disciplinary meeting.
func (s *Service) ScheduleMeeting(ctx context.Context, by Caller, id string, in ScheduleInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanSchedule, &in, func() (string, any) {
		return collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: by.Actor, At: in.At, Place: in.Place}
	})
}

// MeetingInvitation returns a meeting's calendar invitation as it was last mailed to everyone
// invited (the invitation, its update, or its cancellation): the plan's read rule, audited as
// a read. It carries the meeting's agenda, so only a caller with the full view gets it.
func (s *Service) MeetingInvitation(ctx context.Context, by Caller, id string, seq int) (domain.MeetingCalendar, error) {
	f, _, err := s.planFor(ctx, by, id, domain.PlanReadInvitation)
	if err != nil {
		return domain.MeetingCalendar{}, err
	}
	details := map[string]any{"meeting_seq": seq, "invitation": true}
	if err := s.audit(ctx, by, domain.PlanRead.Audit(), planSubject(f), false, details); err != nil {
		return domain.MeetingCalendar{}, err
	}
	cal, err := s.store.GetMeetingCalendar(ctx, id, seq)
	if domain.ErrorCode(err) == domain.ENotFound {
		return cal, domain.Errorf(domain.ENotFound, "meeting %d of plan %s has no calendar invitation", seq, id)
	}
	return cal, err
}

// RecordInvitation records that the invitation was sent.
func (s *Service) RecordInvitation(ctx context.Context, by Caller, id string) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanInvitation, nil, func() (string, any) {
		return collab.UpdateRecordInvitation, collab.InvitationRequest{Actor: by.Actor}
	})
}

// AgreementIn is one agreement of the goals-and-agreements form: what, who is responsible (a
// professional of the plan, the citizen, or someone outside it by name) and by when. An
// agreement carried on from the current form names its id; a new one has none.
type AgreementIn struct {
	ID          string                `json:"id" binding:"max=20" text:"line"`
	Text        string                `json:"text" binding:"required,max=2000"`
	Party       domain.AgreementParty `json:"party" binding:"omitempty,code"`
	StaffID     string                `json:"staff_id" binding:"max=100" text:"line"`
	Outside     string                `json:"outside" binding:"max=200" text:"line"`
	Responsible string                `json:"responsible" binding:"max=200" text:"line"`
	DueDate     string                `json:"due_date" binding:"omitempty,datetime=2006-01-02"`
	// Due is the older field for the due date (a date as well): used when due_date is empty.
	Due string `json:"due" binding:"omitempty,datetime=2006-01-02"`
}

// FormGoalIn is one goal of the form, with its agreements.
type FormGoalIn struct {
	Goal       string        `json:"goal" binding:"required,max=2000"`
	Agreements []AgreementIn `json:"agreements" binding:"max=50,dive"`
}

func formGoals(in []FormGoalIn) []domain.FormGoal {
	out := make([]domain.FormGoal, len(in))
	for i, g := range in {
		out[i] = domain.FormGoal{Goal: g.Goal, Agreements: make([]domain.Agreement, len(g.Agreements))}
		for j, a := range g.Agreements {
			due := a.DueDate
			if due == "" {
				due = a.Due
			}
			out[i].Agreements[j] = domain.Agreement{ID: a.ID, Text: a.Text, Responsible: a.Responsible, Due: a.Due,
				Party: a.Party, StaffID: a.StaffID, Outside: a.Outside, DueDate: due}
		}
	}
	return out
}

// MeetingInput records the next meeting as held, with the form as filled in at it.
type MeetingInput struct {
	HeldAt         time.Time    `json:"held_at" binding:"required"`
	CitizenPresent *bool        `json:"citizen_present" binding:"required"`
	Attendees      []string     `json:"attendees" binding:"max=50,dive,max=200"`
	Goals          []FormGoalIn `json:"goals" binding:"required,min=1,max=50,dive"`
	Summary        string       `json:"summary" binding:"required,max=2000"`
}

// RecordMeeting records the next cross-disciplinary meeting as held.
func (s *Service) RecordMeeting(ctx context.Context, by Caller, id string, in MeetingInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanMeetingHeld, &in, func() (string, any) {
		return collab.UpdateRecordMeeting, collab.MeetingRequest{
			Actor: by.Actor, HeldAt: in.HeldAt, CitizenPresent: *in.CitizenPresent, Attendees: in.Attendees,
			Goals: formGoals(in.Goals), Summary: in.Summary,
		}
	})
}

// NotHeldInput records that the next meeting did not take place.
type NotHeldInput struct {
	Reason string `json:"reason" binding:"required,max=2000"`
}

// RecordNotHeld records that the next meeting did not take place: it is rescheduled.
func (s *Service) RecordNotHeld(ctx context.Context, by Caller, id string, in NotHeldInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanNotHeld, &in, func() (string, any) {
		return collab.UpdateRecordNotHeld, collab.NotHeldRequest{Actor: by.Actor, Reason: in.Reason}
	})
}

// MinutesInput records a held meeting's minutes.
type MinutesInput struct {
	Minutes string `json:"minutes" binding:"required,max=20000"`
}

// RecordMinutes records the minutes of meeting seq.
func (s *Service) RecordMinutes(ctx context.Context, by Caller, id string, seq int, in MinutesInput) (PlanView, error) {
	if seq < 1 {
		return PlanView{}, domain.Errorf(domain.ENotFound, "no meeting %d", seq)
	}
	return s.planStep(ctx, by, id, domain.PlanMinutes, &in, func() (string, any) {
		return collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: by.Actor, MeetingSeq: seq, Minutes: in.Minutes}
	})
}

// CitizenMeetingInput records the coordinating caseworker's meeting with the citizen.
type CitizenMeetingInput struct {
	HeldAt  time.Time    `json:"held_at" binding:"required"`
	Note    string       `json:"note" binding:"required,max=5000"`
	Goals   []FormGoalIn `json:"goals" binding:"max=50,dive"`
	Summary string       `json:"summary" binding:"max=2000"`
}

// RecordCitizenMeeting records the meeting with the citizen between two meetings.
func (s *Service) RecordCitizenMeeting(ctx context.Context, by Caller, id string, in CitizenMeetingInput) (PlanView, error) {
	return s.planStep(ctx, by, id, domain.PlanCitizenMeeting, &in, func() (string, any) {
		return collab.UpdateRecordCitizenMeeting, collab.CitizenMeetingRequest{
			Actor: by.Actor, HeldAt: in.HeldAt, Note: in.Note, Goals: formGoals(in.Goals), Summary: in.Summary,
		}
	})
}

// ParticipantsInput changes who works with the citizen.
type ParticipantsInput struct {
	JoinIDs                   []string `json:"join" binding:"max=20,dive,required,max=100"`
	Leave                     []string `json:"leave" binding:"max=20,dive,required,max=100"`
	NewCoordinator            string   `json:"new_coordinator" binding:"max=100" text:"line"`
	NewCoordinatingCaseworker string   `json:"new_coordinating_caseworker" binding:"max=100" text:"line"`
}

// ChangeParticipants changes the plan's participants; pending reminders go to the new person.
// Access is checked before the people are looked up.
func (s *Service) ChangeParticipants(ctx context.Context, by Caller, id string, in ParticipantsInput) (PlanView, error) {
	if _, _, err := s.planFor(ctx, by, id, domain.PlanParticipants); err != nil {
		return PlanView{}, err
	}
	if err := validate(&in); err != nil {
		return PlanView{}, err
	}
	var join []collab.Caseworker
	for i, sid := range in.JoinIDs {
		cw, err := s.caseworker(ctx, fmt.Sprintf("join[%d]", i), sid)
		if err != nil {
			return PlanView{}, err
		}
		join = append(join, cw)
	}
	for _, f := range []struct {
		field, id string
		role      domain.Role
	}{
		{"new_coordinator", in.NewCoordinator, domain.RoleCoordinator},
		{"new_coordinating_caseworker", in.NewCoordinatingCaseworker, domain.RoleCoordinatingCaseworker},
	} {
		if f.id == "" {
			continue
		}
		if _, err := s.staffWithRole(ctx, f.field, f.id, f.role); err != nil {
			return PlanView{}, err
		}
	}
	return s.planStep(ctx, by, id, domain.PlanParticipants, nil, func() (string, any) {
		return collab.UpdateChangeParticipants, collab.ParticipantsRequest{
			Actor: by.Actor, Join: join, Leave: in.Leave, NewCoordinator: in.NewCoordinator, NewCoordinatingCaseworker: in.NewCoordinatingCaseworker,
		}
	})
}

// PlanListInput filters a list of plans.
type PlanListInput struct {
	CoordinatorID string           `json:"coordinator" text:"line"`
	Phase         domain.PlanPhase `json:"phase" binding:"omitempty,code"`
	DueBefore     string           `json:"due_before" text:"line"`
	Cursor        string           `json:"cursor" text:"line"`
	Limit         int              `json:"limit" binding:"omitempty,min=1,max=500"`
}

// Plans lists the plans the caller takes part in (an administrator: all), newest first. The
// search is audited with its criteria and every citizen it shows.
func (s *Service) Plans(ctx context.Context, by Caller, in PlanListInput) (Page[PlanSummary], error) {
	if _, err := s.allow(ctx, by, domain.Programme, domain.PlansList); err != nil {
		return Page[PlanSummary]{}, err
	}
	if err := validate(&in); err != nil {
		return Page[PlanSummary]{}, err
	}
	due, err := dueBefore(in.DueBefore)
	if err != nil {
		return Page[PlanSummary]{}, err
	}
	page, err := s.store.ListPlans(ctx, store.PlanFilter{
		CoordinatorID: in.CoordinatorID, Phase: in.Phase, DueBefore: due, Scope: domain.PlanListScope(by.Actor),
		Cursor: in.Cursor, Limit: in.Limit,
	})
	if err != nil {
		return Page[PlanSummary]{}, err
	}
	out := Page[PlanSummary]{Items: []PlanSummary{}, NextCursor: page.NextCursor}
	var citizens []string
	for _, p := range page.Items {
		subj := domain.PlanSubject(p.ID, p.CitizenID, p.CoordinatorID, p.CoordinatingCaseworkerID, p.ParticipantIDs)
		if v, _ := domain.Access(by.Actor, subj, domain.PlanRead); v != domain.ViewFull {
			continue
		}
		out.Items = append(out.Items, planSummary(p))
		citizens = append(citizens, p.CitizenID)
	}
	if err := s.auditCitizens(ctx, by, domain.PlansList.Audit(), domain.SubjectPlan, "*", citizens, false,
		map[string]any{"criteria": in, "results": len(out.Items)}); err != nil {
		return Page[PlanSummary]{}, err
	}
	out.Names, err = s.names(ctx, by, citizens)
	return out, err
}
