package collab

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/internal/workdays"
	"tvp/workflows"
	"tvp/workflows/effects"
)

// steps are the plan's Updates: every step with its validator (which refuses without side
// effects), applied once (a step applied in an earlier run, the same Update ID after
// continue-as-new, is accepted again and changes nothing), and the retry of its stuck effects.
func (p *plan) steps() *workflows.Steps {
	now := func() StepResult { return StepResult{State: p.state} }
	s := workflows.NewSteps(p.log)
	workflows.AddStep(s, UpdateRecordConsent, workflows.Check(p.validateConsent), p.recordConsent, now)
	workflows.AddStep(s, UpdateWithdrawConsent, func(ctx workflow.Context, r WithdrawRequest) error { return p.validateEnd(r.Actor, r.Reason, true) }, p.withdrawConsent, now)
	workflows.AddStep(s, UpdateScheduleMeeting, p.validateSchedule, p.scheduleMeeting, now)
	workflows.AddStep(s, UpdateRecordInvitation, workflows.Check(p.validateInvitation), p.recordInvitation, now)
	workflows.AddStep(s, UpdateRecordMeeting, p.validateMeeting, p.recordMeeting, now)
	workflows.AddStep(s, UpdateRecordNotHeld, workflows.Check(p.validateNotHeld), p.recordNotHeld, now)
	workflows.AddStep(s, UpdateRecordMinutes, workflows.Check(p.validateMinutes), p.recordMinutes, now)
	workflows.AddStep(s, UpdateRecordCitizenMeeting, p.validateCitizenMeeting, p.recordCitizenMeeting, now)
	workflows.AddStep(s, UpdateChangeParticipants, workflows.Check(p.validateParticipants), p.changeParticipants, now)
	workflows.AddStep(s, UpdateLeave, func(ctx workflow.Context, r LeaveRequest) error { return p.validateEnd(r.Actor, r.Reason, false) }, p.leave, now)
	workflows.AddStep(s, UpdateAddAgendaPoint, workflows.Check(p.validateAgenda), p.addAgendaPoint, now)
	workflows.AddStep(s, UpdateWriteGoalWords, workflows.Check(p.validateGoalWords), p.writeGoalWords, now)
	workflows.AddStep(s, UpdateRespondToForm, workflows.Check(p.validateFormResponse), p.respondToForm, now)
	workflows.AddStep(s, UpdateCompleteAgreement, workflows.Check(p.validateCompleteAgreement), p.completeAgreement, now)
	p.fx.AddRetry(s)
	return s
}

func (p *plan) live() error {
	if p.state.Phase == domain.PlanEnded {
		return domain.Errorf(domain.EPhase, "the citizen has left the collaboration model")
	}
	return nil
}

// Subject is the plan as the access rules see it.
func (s State) Subject() domain.Subject {
	var people []string
	for _, pt := range s.Participants {
		if pt.LeftAt == nil && !slices.Contains(people, pt.StaffID) {
			people = append(people, pt.StaffID)
		}
	}
	return domain.PlanSubject(s.PlanID, s.CitizenID, s.CoordinatorID, s.CoordinatingCaseworkerID, people)
}

// permit is the access rule (domain.Permit), checked again here: the service checks it before
// it sends a step, and the workflow refuses a step that the rule does not allow.
func (p *plan) permit(a domain.Actor, act domain.Action) error {
	return domain.Permit(a, p.state.Subject(), act)
}

// openMeeting is the next cross-disciplinary meeting: unscheduled or scheduled.
func (p *plan) openMeeting() *domain.Meeting {
	for i := range p.state.Meetings {
		m := &p.state.Meetings[i]
		if m.Kind == domain.MeetingCrossDisciplinary && (m.Status == domain.MeetingUnscheduled || m.Status == domain.MeetingScheduled) {
			return m
		}
	}
	return nil
}

func (p *plan) pendingCitizenMeeting() *domain.Meeting {
	for i := range p.state.Meetings {
		m := &p.state.Meetings[i]
		if m.Kind == domain.MeetingCitizen && m.Status == domain.MeetingScheduled {
			return m
		}
	}
	return nil
}

func (p *plan) addMeeting(kind domain.MeetingKind, status domain.MeetingStatus, due time.Time) *domain.Meeting {
	p.state.Meetings = append(p.state.Meetings, domain.Meeting{
		Seq: len(p.state.Meetings) + 1, Kind: kind, Status: status, DueBy: due,
	})
	return &p.state.Meetings[len(p.state.Meetings)-1]
}

// forget drops the reminder bookkeeping of a meeting's kinds: its timers start afresh.
func (p *plan) forget(seq int, kinds ...domain.ReminderKind) {
	p.state.Tracks = slices.DeleteFunc(p.state.Tracks, func(t Track) bool {
		return t.MeetingSeq == seq && slices.Contains(kinds, t.Kind)
	})
}

func (p *plan) validateConsent(r ConsentRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanConsent); err != nil {
		return err
	}
	if strings.TrimSpace(r.Scope) == "" {
		return domain.FieldError("scope", "say what the citizen consents to (which information, shared with whom)")
	}
	if err := domain.CheckText("scope", r.Scope); err != nil {
		return err
	}
	if r.Date.IsZero() {
		return domain.FieldError("date", "is required")
	}
	return nil
}

func (p *plan) recordConsent(ctx workflow.Context, r ConsentRequest) (StepResult, error) {
	p.state.Consent = &domain.Consent{Scope: r.Scope, Date: r.Date, RecordedBy: r.Actor.ID}
	p.state.Phase = domain.PlanActive
	err := p.commit(ctx, r.Actor.ID, domain.AuditConsentRecorded, domain.PurposeConsent, true)
	return StepResult{State: p.state}, err
}

func (p *plan) validateEnd(a domain.Actor, reason string, consent bool) error {
	if err := p.live(); err != nil {
		return err
	}
	act := domain.PlanLeave
	if consent {
		act = domain.PlanWithdrawConsent
	}
	if err := p.permit(a, act); err != nil {
		return err
	}
	if strings.TrimSpace(reason) == "" {
		return domain.FieldError("reason", "a reason is required")
	}
	return domain.CheckText("reason", reason)
}

func (p *plan) withdrawConsent(ctx workflow.Context, r WithdrawRequest) (StepResult, error) {
	if p.state.Consent != nil {
		p.state.Consent.WithdrawnOn = &r.Date
	}
	return p.end(ctx, r.Actor.ID, r.Date, "consent withdrawn: "+r.Reason, domain.AuditConsentWithdrawn)
}

func (p *plan) leave(ctx workflow.Context, r LeaveRequest) (StepResult, error) {
	return p.end(ctx, r.Actor.ID, r.Date, r.Reason, domain.AuditLeft)
}

func (p *plan) end(ctx workflow.Context, actor string, on time.Time, reason string, action domain.AuditAction) (StepResult, error) {
	cancel := p.cancelled(ctx)
	p.state.Phase = domain.PlanEnded
	p.state.EndedOn, p.state.EndReason = &on, reason
	if err := p.commit(ctx, actor, action, domain.PurposeEnd, true); err != nil {
		return StepResult{}, err
	}
	return StepResult{State: p.state}, p.send(ctx, cancel)
}

func (p *plan) validateSchedule(ctx workflow.Context, r ScheduleRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanSchedule); err != nil {
		return err
	}
	if !r.At.After(workflow.Now(ctx)) {
		return domain.FieldError("at", "a meeting is set in the future")
	}
	return domain.CheckLine("place", r.Place)
}

func (p *plan) scheduleMeeting(ctx workflow.Context, r ScheduleRequest) (StepResult, error) {
	m := p.openMeeting()
	done := p.answered(*m, domain.ReminderScheduleMeeting, domain.ReminderSendInvitation, domain.ReminderRecordMeeting)
	moved := m.ScheduledAt != nil
	at := r.At
	m.ScheduledAt, m.Status = &at, domain.MeetingScheduled
	if r.Place != "" {
		m.Place = r.Place
	}
	update, updated := p.moved(ctx)
	if updated {
		now := workflow.Now(ctx)
		m.InvitationSentAt = &now // the update is the invitation to the new time
	} else {
		m.InvitationSentAt = nil // a new date needs a new invitation
	}
	p.forget(m.Seq, domain.ReminderSendInvitation, domain.ReminderRecordMeeting)
	if c := p.pendingCitizenMeeting(); c != nil {
		due := midpoint(p.lastHeld(), at)
		if !due.Equal(c.DueBy) && workflow.GetVersion(ctx, MovedCitizenMeeting, workflow.DefaultVersion, 1) == 1 {
			// The citizen meeting's due date moves with the meeting: its reminder of the old
			// date is done, and it is reminded afresh from the new one.
			done = append(done, p.answered(*c, domain.ReminderCitizenMeeting)...)
			p.forget(c.Seq, domain.ReminderCitizenMeeting)
		}
		c.DueBy = due
	}
	action := domain.AuditMeetingScheduled
	if moved {
		action = domain.AuditMeetingMoved
	}
	if err := p.commit(ctx, r.Actor.ID, action, domain.PurposeMeeting, true, done...); err != nil {
		return StepResult{}, err
	}
	return StepResult{State: p.state}, p.send(ctx, update)
}

// lastHeld is when the last cross-disciplinary meeting was held (or the enrolment).
func (p *plan) lastHeld() time.Time {
	last := p.state.EnrolledAt
	for _, m := range p.state.Meetings {
		if m.Kind == domain.MeetingCrossDisciplinary && m.HeldAt != nil && m.HeldAt.After(last) {
			last = *m.HeldAt
		}
	}
	return last
}

func midpoint(a, b time.Time) time.Time { return a.Add(b.Sub(a) / 2) }

func (p *plan) validateInvitation(r InvitationRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanInvitation); err != nil {
		return err
	}
	m := p.openMeeting()
	if m == nil || m.Status != domain.MeetingScheduled {
		return domain.Errorf(domain.EPhase, "set the meeting's date before sending the invitation")
	}
	if m.InvitationSentAt != nil {
		return domain.Errorf(domain.EPhase, "the invitation to this meeting is already sent")
	}
	return nil
}

func (p *plan) recordInvitation(ctx workflow.Context, r InvitationRequest) (StepResult, error) {
	now := workflow.Now(ctx)
	m := p.openMeeting()
	done := p.answered(*m, domain.ReminderSendInvitation)
	m.InvitationSentAt = &now
	invite := p.invite(ctx, m)
	if err := p.commit(ctx, r.Actor.ID, domain.AuditInvitationSent, domain.PurposeMeeting, true, done...); err != nil {
		return StepResult{}, err
	}
	return StepResult{State: p.state}, p.send(ctx, invite)
}

func (p *plan) validateMeeting(ctx workflow.Context, r MeetingRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanMeetingHeld); err != nil {
		return err
	}
	if p.state.Consent == nil {
		return domain.Errorf(domain.EPhase, "the citizen's consent must be recorded before a meeting can be held")
	}
	m := p.openMeeting()
	if m == nil || m.Status != domain.MeetingScheduled {
		return domain.Errorf(domain.EPhase, "the meeting has no date: set it first")
	}
	if r.HeldAt.IsZero() || r.HeldAt.After(workflow.Now(ctx)) {
		return domain.FieldError("held_at", "a meeting is recorded when it has been held")
	}
	if strings.TrimSpace(r.Summary) == "" {
		return domain.FieldError("summary", "say what changed in the plan at this meeting")
	}
	if err := domain.CheckText("summary", r.Summary); err != nil {
		return err
	}
	for i, a := range r.Attendees {
		if err := domain.CheckLine(fieldf("attendees[%d]", i), a); err != nil {
			return err
		}
	}
	return p.validGoals(r.Goals)
}

func (p *plan) recordMeeting(ctx workflow.Context, r MeetingRequest) (StepResult, error) {
	m := p.openMeeting()
	done := p.answered(*m, domain.ReminderRecordMeeting, domain.ReminderSendInvitation)
	held, present := r.HeldAt, r.CitizenPresent
	due, err := p.minutesDue(ctx, held)
	if err != nil {
		return StepResult{State: p.state}, err
	}
	m.Status, m.HeldAt, m.CitizenPresent, m.Attendees, m.MinutesDue = domain.MeetingHeld, &held, &present, r.Attendees, &due
	seq := m.Seq
	done = append(done, p.addFormVersion(ctx, r.Actor.ID, seq, r.Summary, r.Goals)...)
	if c := p.pendingCitizenMeeting(); c != nil {
		done = append(done, p.answered(*c, domain.ReminderCitizenMeeting)...)
		c.Status, c.Note = domain.MeetingNotHeld, "superseded by the next cross-disciplinary meeting"
	}
	interval := p.s.MeetingInterval()
	p.addMeeting(domain.MeetingCitizen, domain.MeetingScheduled, held.Add(interval/2))
	p.addMeeting(domain.MeetingCrossDisciplinary, domain.MeetingUnscheduled, held.Add(interval))
	err = p.commit(ctx, r.Actor.ID, domain.AuditMeetingHeld, domain.PurposeMeeting, true, done...)
	return StepResult{State: p.state}, err
}

// minutesDue is when the minutes of a meeting held at held are due: the settings' number of
// working days later. It is computed once, when the meeting is recorded, and kept in the state
// (Meeting.MinutesDue, carried over continue-as-new).
//
// From DanishWorkingDays on, the working days are the Danish calendar's, and the date is made
// in a SideEffect rather than by calling the calendar in the workflow: the calendar comes from
// a library whose holiday tables may change with an upgrade, so the date is written into the
// history and a replay reads it back instead of counting again; a plan's deadline never moves
// after the fact. (A local activity would record it too, at the cost of a task round-trip for
// a pure, instant computation; the SideEffect cannot fail or be retried.) Plans recorded
// before keep Monday to Friday.
func (p *plan) minutesDue(ctx workflow.Context, held time.Time) (time.Time, error) {
	if workflow.GetVersion(ctx, DanishWorkingDays, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return domain.AddWorkingDays(held, p.s.MinutesDueWorkingDays), nil
	}
	n, closed := p.s.MinutesDueWorkingDays, p.s.ClosingDays()
	var due time.Time
	err := workflow.SideEffect(ctx, func(workflow.Context) any {
		return workdays.New(closed).Add(held, n)
	}).Get(&due)
	if err != nil {
		return time.Time{}, fmt.Errorf("minutes due date: %w", err)
	}
	return due, nil
}

func (p *plan) validateNotHeld(r NotHeldRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanNotHeld); err != nil {
		return err
	}
	if m := p.openMeeting(); m == nil || m.Status != domain.MeetingScheduled {
		return domain.Errorf(domain.EPhase, "no meeting is set")
	}
	if strings.TrimSpace(r.Reason) == "" {
		return domain.FieldError("reason", "say why the meeting did not take place")
	}
	return domain.CheckText("reason", r.Reason)
}

// recordNotHeld: a meeting that did not take place is rescheduled, not skipped: a new meeting
// is due at once, and the coordinator is reminded to set its date.
func (p *plan) recordNotHeld(ctx workflow.Context, r NotHeldRequest) (StepResult, error) {
	m := p.openMeeting()
	done := p.answered(*m, domain.ReminderRecordMeeting, domain.ReminderSendInvitation)
	cancel := p.cancelled(ctx)
	m.Status, m.Note = domain.MeetingNotHeld, r.Reason
	p.addMeeting(domain.MeetingCrossDisciplinary, domain.MeetingUnscheduled, workflow.Now(ctx).Add(p.s.InvitationLead.D()))
	if err := p.commit(ctx, r.Actor.ID, domain.AuditMeetingNotHeld, domain.PurposeMeeting, true, done...); err != nil {
		return StepResult{}, err
	}
	return StepResult{State: p.state}, p.send(ctx, cancel)
}

func (p *plan) validateMinutes(r MinutesRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanMinutes); err != nil {
		return err
	}
	m := p.meeting(r.MeetingSeq)
	if m == nil || m.Kind != domain.MeetingCrossDisciplinary {
		return domain.FieldError("meeting_seq", "no cross-disciplinary meeting %d", r.MeetingSeq)
	}
	if m.Status != domain.MeetingHeld {
		return domain.Errorf(domain.EPhase, "meeting %d is %s: minutes are written for a held meeting, once", r.MeetingSeq, m.Status)
	}
	if strings.TrimSpace(r.Minutes) == "" {
		return domain.FieldError("minutes", "the minutes are empty")
	}
	return domain.CheckText("minutes", r.Minutes)
}

func (p *plan) recordMinutes(ctx workflow.Context, r MinutesRequest) (StepResult, error) {
	m := p.meeting(r.MeetingSeq)
	done := p.answered(*m, domain.ReminderMinutesDue, domain.ReminderMinutesEscalated)
	now := workflow.Now(ctx)
	m.Status, m.MinutesRecordedAt, m.Minutes = domain.MeetingMinuted, &now, r.Minutes
	err := p.commit(ctx, r.Actor.ID, domain.AuditMinutesRecorded, domain.PurposeMinutes, true, done...)
	return StepResult{State: p.state}, err
}

func (p *plan) validateCitizenMeeting(ctx workflow.Context, r CitizenMeetingRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanCitizenMeeting); err != nil {
		return err
	}
	if p.pendingCitizenMeeting() == nil {
		return domain.Errorf(domain.EPhase, "no meeting with the citizen is due: it follows a cross-disciplinary meeting")
	}
	if r.HeldAt.IsZero() || r.HeldAt.After(workflow.Now(ctx)) {
		return domain.FieldError("held_at", "a meeting is recorded when it has been held")
	}
	if strings.TrimSpace(r.Note) == "" {
		return domain.FieldError("note", "note the follow-up on what was agreed")
	}
	if err := domain.CheckText("note", r.Note); err != nil {
		return err
	}
	if len(r.Goals) > 0 {
		if strings.TrimSpace(r.Summary) == "" {
			return domain.FieldError("summary", "say what changed in the plan")
		}
		if err := domain.CheckText("summary", r.Summary); err != nil {
			return err
		}
		return p.validGoals(r.Goals)
	}
	return nil
}

func (p *plan) recordCitizenMeeting(ctx workflow.Context, r CitizenMeetingRequest) (StepResult, error) {
	c := p.pendingCitizenMeeting()
	done := p.answered(*c, domain.ReminderCitizenMeeting)
	held := r.HeldAt
	c.Status, c.HeldAt, c.Note = domain.MeetingHeld, &held, r.Note
	if len(r.Goals) > 0 {
		done = append(done, p.addFormVersion(ctx, r.Actor.ID, c.Seq, r.Summary, r.Goals)...)
	}
	err := p.commit(ctx, r.Actor.ID, domain.AuditCitizenMeetingHeld, domain.PurposeCitizenMeeting, true, done...)
	return StepResult{State: p.state}, err
}

func (p *plan) validateParticipants(r ParticipantsRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanParticipants); err != nil {
		return err
	}
	var remaining []Caseworker
	for _, pt := range p.activeParticipants(domain.ParticipantCaseworker) {
		if !slices.Contains(r.Leave, pt.StaffID) {
			remaining = append(remaining, Caseworker{StaffID: pt.StaffID, Centre: pt.Centre})
		}
	}
	for i, j := range r.Join {
		if j.StaffID == "" {
			return domain.FieldError(fieldf("join[%d].staff_id", i), "is required")
		}
		if err := domain.CheckLine(fieldf("join[%d].staff_id", i), j.StaffID); err != nil {
			return err
		}
		remaining = append(remaining, j)
	}
	for _, f := range [][2]string{{"new_coordinator", r.NewCoordinator}, {"new_coordinating_caseworker", r.NewCoordinatingCaseworker}} {
		if err := domain.CheckLine(f[0], f[1]); err != nil {
			return err
		}
	}
	if err := twoCentres(remaining); err != nil {
		return err
	}
	if len(r.Join) == 0 && len(r.Leave) == 0 && r.NewCoordinator == "" && r.NewCoordinatingCaseworker == "" {
		return domain.Errorf(domain.EInvalid, "nothing to change")
	}
	return nil
}

func (p *plan) activeParticipants(role domain.ParticipantRole) []domain.Participant {
	var out []domain.Participant
	for _, pt := range p.state.Participants {
		if pt.Role == role && pt.LeftAt == nil {
			out = append(out, pt)
		}
	}
	return out
}

// changeParticipants keeps every participant's history (left_at), and hands the pending
// reminders of a replaced coordinator or coordinating caseworker to the new one.
func (p *plan) changeParticipants(ctx workflow.Context, r ParticipantsRequest) (StepResult, error) {
	st := &p.state
	now := workflow.Now(ctx)
	leave := func(id string, role domain.ParticipantRole) {
		for i := range st.Participants {
			if pt := &st.Participants[i]; pt.StaffID == id && pt.Role == role && pt.LeftAt == nil {
				pt.LeftAt = &now
			}
		}
	}
	for _, id := range r.Leave {
		leave(id, domain.ParticipantCaseworker)
	}
	for _, j := range r.Join {
		st.Participants = append(st.Participants, domain.Participant{StaffID: j.StaffID, Role: domain.ParticipantCaseworker, Centre: j.Centre, JoinedAt: now})
	}
	var handovers []activities.ReassignRemindersInput
	if r.NewCoordinator != "" && r.NewCoordinator != st.CoordinatorID {
		leave(st.CoordinatorID, domain.ParticipantCoordinator)
		handovers = append(handovers, activities.ReassignRemindersInput{SubjectType: domain.SubjectPlan, SubjectID: st.PlanID, From: st.CoordinatorID, To: r.NewCoordinator})
		st.CoordinatorID = r.NewCoordinator
		st.Participants = append(st.Participants, domain.Participant{StaffID: r.NewCoordinator, Role: domain.ParticipantCoordinator, JoinedAt: now})
	}
	if r.NewCoordinatingCaseworker != "" && r.NewCoordinatingCaseworker != st.CoordinatingCaseworkerID {
		leave(st.CoordinatingCaseworkerID, domain.ParticipantCoordinatingCaseworker)
		handovers = append(handovers, activities.ReassignRemindersInput{SubjectType: domain.SubjectPlan, SubjectID: st.PlanID, From: st.CoordinatingCaseworkerID, To: r.NewCoordinatingCaseworker})
		st.CoordinatingCaseworkerID = r.NewCoordinatingCaseworker
		st.Participants = append(st.Participants, domain.Participant{StaffID: r.NewCoordinatingCaseworker, Role: domain.ParticipantCoordinatingCaseworker, JoinedAt: now})
	}
	calendar := p.regrouped(ctx)
	if err := p.commit(ctx, r.Actor.ID, domain.AuditParticipantsChanged, domain.PurposeParticipants, true); err != nil {
		return StepResult{}, err
	}
	if err := p.send(ctx, calendar); err != nil {
		return StepResult{}, err
	}
	for _, h := range handovers {
		if err := p.fx.Run(ctx, effects.Reassign(ctx, h)); err != nil {
			return StepResult{}, err
		}
	}
	return StepResult{State: p.state}, nil
}
