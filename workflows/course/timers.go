package course

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
)

// occasion is something the course must do at a time: raise a reminder, reach its end.
type occasion int

const (
	occNone              occasion = iota
	occProgression                // goal progression is due (first reminder, then repeats)
	occEndApproaching             // the planned end is EndReminderLead away
	occEndReached                 // the planned end, with neither an outcome nor an extension
	occOverdue                    // past the end, still nothing: remind again
	occEscalate                   // past the end by EscalateAfter: tell the team lead
	occExtensionReminder          // an extension waits for the steering group
	occRetryEffects               // stuck effects are due to be tried again
)

// next returns the earliest occasion and its time. It is derived from the state alone, so a
// step that changes the state (an extension approved, a pause) re-arms every timer.
func (c *course) next() (time.Time, occasion) {
	st, s := &c.state, c.s
	var at time.Time
	occ := occNone
	consider := func(t time.Time, o occasion) {
		if occ == occNone || t.Before(at) {
			at, occ = t, o
		}
	}
	progression := func() {
		if st.NextProgressionDue.Before(st.PlannedEnd) {
			if st.ProgressionReminders == 0 {
				consider(st.NextProgressionDue, occProgression)
			} else {
				consider(st.LastProgressionReminder.Add(s.ReminderInterval.D()), occProgression)
			}
		}
	}
	switch st.Phase {
	case domain.PhaseActive:
		progression()
		if !st.EndReminderSentFor.Equal(st.PlannedEnd) {
			consider(st.PlannedEnd.Add(-s.EndReminderLead.D()), occEndApproaching)
		}
		consider(st.PlannedEnd, occEndReached)
	case domain.PhaseAwaitingDecision:
		consider(st.LastOverdueReminder.Add(s.ReminderInterval.D()), occOverdue)
		if !st.Escalated {
			consider(st.PlannedEnd.Add(s.EscalateAfter.D()), occEscalate)
		}
	case domain.PhaseExtensionPending:
		progression()
		consider(st.LastExtensionReminder.Add(s.ReminderInterval.D()), occExtensionReminder)
	}
	if t := c.fx.NextRetry(); !t.IsZero() { // in every phase, a pause too
		consider(t, occRetryEffects)
	}
	return at, occ
}

// fire handles one occasion whose time (at) has come.
func (c *course) fire(ctx workflow.Context, occ occasion, at time.Time) error {
	if occ == occRetryEffects {
		c.fx.Retry(ctx, false)
		return nil
	}
	st := &c.state
	now := workflow.Now(ctx)
	consultants := activities.RaiseReminderInput{Recipients: st.ConsultantIDs}
	endKey := st.PlannedEnd.Format(time.RFC3339)
	var err error
	switch occ {
	case occProgression:
		st.ProgressionReminders++
		st.LastProgressionReminder = now
		err = c.remind(ctx, at, domain.ReminderProgressionDue,
			fmt.Sprintf("progression/%d/%d", len(st.Progressions)+1, st.ProgressionReminders), st.NextProgressionDue, consultants)
	case occEndApproaching:
		st.EndReminderSentFor = st.PlannedEnd
		in := consultants
		if st.Rules >= 1 { // since rules version 1 the team lead is told as well
			in.RecipientRole, in.RecipientTeam = domain.RoleTeamLead, st.TeamID
		}
		err = c.remind(ctx, at, domain.ReminderEndApproaching, "end-approaching/"+endKey, st.PlannedEnd, in)
	case occEndReached:
		st.Phase = domain.PhaseAwaitingDecision
		st.OverdueReminders, st.LastOverdueReminder = 1, now
		err = c.remind(ctx, at, domain.ReminderEndOverdue, "end-overdue/"+endKey+"/1", st.PlannedEnd, consultants)
	case occOverdue:
		st.OverdueReminders++
		st.LastOverdueReminder = now
		err = c.remind(ctx, at, domain.ReminderEndOverdue, fmt.Sprintf("end-overdue/%s/%d", endKey, st.OverdueReminders), st.PlannedEnd, consultants)
	case occEscalate:
		st.Escalated = true
		err = c.remind(ctx, at, domain.ReminderEndEscalated, "end-escalated/"+endKey, st.PlannedEnd,
			activities.RaiseReminderInput{RecipientRole: domain.RoleTeamLead, RecipientTeam: st.TeamID})
	case occExtensionReminder:
		st.ExtensionReminders++
		st.LastExtensionReminder = now
		ext := st.Extensions[len(st.Extensions)-1]
		err = c.remind(ctx, at, domain.ReminderExtensionDecision, fmt.Sprintf("extension/%d/%d", ext.Seq, st.ExtensionReminders), now,
			activities.RaiseReminderInput{RecipientRole: domain.RoleSteeringGroup})
	}
	if err != nil {
		return err
	}
	st.Revision++
	c.refreshNext()
	return nil
}

// refreshNext sets what the course waits for next, for the query and the read model.
func (c *course) refreshNext() {
	st := &c.state
	set := func(t time.Time, code domain.NextCode) {
		st.NextDeadline, st.Next = &t, &domain.Next{Code: code}
	}
	switch st.Phase {
	case domain.PhaseClosed:
		st.NextDeadline, st.Next = nil, nil
	case domain.PhasePaused:
		// It resumes at the latest on the pause's latest resume date (by itself, if the team
		// has not resumed before).
		p := st.Pauses[len(st.Pauses)-1]
		at := p.PlannedResume
		if !p.ResumeBy.IsZero() {
			at = p.ResumeBy
		}
		set(at, domain.NextTeamPaused)
	case domain.PhaseExtensionPending:
		set(st.PlannedEnd, domain.NextExtensionDecision)
	case domain.PhaseAwaitingDecision:
		set(st.PlannedEnd, domain.NextOverdue)
	default:
		if st.NextProgressionDue.Before(st.PlannedEnd) {
			set(st.NextProgressionDue, domain.NextProgression)
		} else {
			set(st.PlannedEnd, domain.NextCloseOrExtend)
		}
	}
}
