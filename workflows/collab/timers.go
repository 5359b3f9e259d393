package collab

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows/effects"
)

type occKind int

const (
	occNone occKind = iota
	occSchedule
	occInvitation
	occRecordMeeting
	occMinutes
	occCitizenMeeting
	occContinueAsNew
	occRetryEffects // stuck effects are due to be tried again
	occAgreement    // an agreement's due date
)

type occasion struct {
	kind      occKind
	seq       int    // the meeting it concerns
	agreement string // the agreement it concerns (occAgreement)
}

// track returns the reminder bookkeeping of a meeting and kind.
func (p *plan) track(seq int, kind domain.ReminderKind) *Track {
	for i := range p.state.Tracks {
		if t := &p.state.Tracks[i]; t.MeetingSeq == seq && t.Kind == kind {
			return t
		}
	}
	p.state.Tracks = append(p.state.Tracks, Track{MeetingSeq: seq, Kind: kind})
	return &p.state.Tracks[len(p.state.Tracks)-1]
}

func (p *plan) peek(seq int, kind domain.ReminderKind) Track {
	for _, t := range p.state.Tracks {
		if t.MeetingSeq == seq && t.Kind == kind {
			return t
		}
	}
	return Track{MeetingSeq: seq, Kind: kind}
}

// dueAfter is when a reminder is due: at first at start, then every interval after the last.
func (p *plan) dueAfter(t Track, first time.Time) time.Time {
	if t.Count == 0 {
		return first
	}
	return t.Last.Add(p.s.ReminderInterval.D())
}

// next returns the earliest occasion, derived from the state alone: a moved meeting moves
// every timer of it.
func (p *plan) next(now time.Time) (time.Time, occasion) {
	at := p.runStart.Add(p.s.RunLength.D())
	o := occasion{kind: occContinueAsNew}
	consider := func(t time.Time, k occKind, seq int) {
		if t.Before(at) {
			at, o = t, occasion{kind: k, seq: seq}
		}
	}
	lead := p.s.InvitationLead.D()
	for _, m := range p.state.Meetings {
		switch {
		case m.Kind == domain.MeetingCrossDisciplinary && m.Status == domain.MeetingUnscheduled:
			consider(p.dueAfter(p.peek(m.Seq, domain.ReminderScheduleMeeting), m.DueBy.Add(-lead)), occSchedule, m.Seq)
		case m.Kind == domain.MeetingCrossDisciplinary && m.Status == domain.MeetingScheduled:
			if m.InvitationSentAt == nil && now.Before(*m.ScheduledAt) {
				consider(p.dueAfter(p.peek(m.Seq, domain.ReminderSendInvitation), m.ScheduledAt.Add(-lead)), occInvitation, m.Seq)
			}
			consider(p.dueAfter(p.peek(m.Seq, domain.ReminderRecordMeeting), m.ScheduledAt.Add(p.s.MeetingGrace.D())), occRecordMeeting, m.Seq)
		case m.Kind == domain.MeetingCrossDisciplinary && m.Status == domain.MeetingHeld:
			consider(p.dueAfter(p.peek(m.Seq, domain.ReminderMinutesDue), *m.MinutesDue), occMinutes, m.Seq)
		case m.Kind == domain.MeetingCitizen && m.Status == domain.MeetingScheduled:
			consider(p.dueAfter(p.peek(m.Seq, domain.ReminderCitizenMeeting), m.DueBy), occCitizenMeeting, m.Seq)
		}
	}
	p.nextAgreements(func(t time.Time, a occasion) {
		if t.Before(at) {
			at, o = t, a
		}
	})
	if t := p.fx.NextRetry(); !t.IsZero() {
		consider(t, occRetryEffects, 0)
	}
	return at, o
}

// fire raises the reminder of one occasion whose time (at) has come.
func (p *plan) fire(ctx workflow.Context, o occasion, at time.Time) error {
	if o.kind == occRetryEffects {
		p.fx.Retry(ctx, false)
		return nil
	}
	if o.kind == occAgreement {
		return p.fireAgreement(ctx, o, at)
	}
	st := &p.state
	now := workflow.Now(ctx)
	m := p.meeting(o.seq)
	coordinator := activities.RaiseReminderInput{Recipients: []string{st.CoordinatorID}}
	var kind domain.ReminderKind
	var due time.Time
	in := coordinator
	switch o.kind {
	case occSchedule:
		kind, due = domain.ReminderScheduleMeeting, m.DueBy
	case occInvitation:
		kind, due = domain.ReminderSendInvitation, m.ScheduledAt.Add(-p.s.InvitationLead.D())
	case occRecordMeeting:
		kind, due = domain.ReminderRecordMeeting, *m.ScheduledAt
	case occMinutes:
		kind, due = domain.ReminderMinutesDue, *m.MinutesDue
	case occCitizenMeeting:
		kind, due = domain.ReminderCitizenMeeting, m.DueBy
		in = activities.RaiseReminderInput{Recipients: []string{st.CoordinatingCaseworkerID}}
	default:
		return nil
	}
	t := p.track(o.seq, kind)
	t.Count++
	t.Last = now
	in.Key = fmt.Sprintf("%s%d", p.occasion(kind, o.seq, due), t.Count)
	in.Kind, in.SubjectType, in.SubjectID, in.DueAt, in.ScheduledFor = kind, domain.SubjectPlan, st.PlanID, due, at
	if err := p.fx.Run(ctx, effects.Raise(ctx, in)); err != nil {
		return err
	}
	// The second miss of the minutes goes to the coordinator's lead as well.
	if o.kind == occMinutes && t.Count == 2 {
		esc := activities.RaiseReminderInput{
			Key:  p.occasion(domain.ReminderMinutesEscalated, o.seq, due) + "1",
			Kind: domain.ReminderMinutesEscalated, SubjectType: domain.SubjectPlan, SubjectID: st.PlanID, DueAt: due, ScheduledFor: at,
			RecipientLeadOf: st.CoordinatorID,
		}
		if err := p.fx.Run(ctx, effects.Raise(ctx, esc)); err != nil {
			return err
		}
	}
	st.Revision++
	p.refreshNext()
	return nil
}

// fireAgreement reminds the responsible person of an agreement whose due date has come.
func (p *plan) fireAgreement(ctx workflow.Context, o occasion, at time.Time) error {
	a := p.state.Agreement(o.agreement)
	if a == nil || a.DoneAt != nil {
		return nil
	}
	due, _ := domain.AgreementDueAt(a.DueDate)
	t := p.agreementTrack(a.ID)
	t.Count++
	t.Last = workflow.Now(ctx)
	in := activities.RaiseReminderInput{
		Recipients: []string{p.agreementRecipient(*a)},
		Key:        fmt.Sprintf("%s%d", p.agreementOccasion(a.ID, due), t.Count),
		Kind:       domain.ReminderAgreementDue, SubjectType: domain.SubjectPlan, SubjectID: p.state.PlanID, DueAt: due, ScheduledFor: at,
	}
	if err := p.fx.Run(ctx, effects.Raise(ctx, in)); err != nil {
		return err
	}
	p.state.Revision++
	p.refreshNext()
	return nil
}

// refreshNext sets what the plan waits for next, for the query and the read model.
func (p *plan) refreshNext() {
	st := &p.state
	st.NextMeetingAt, st.NextDeadline, st.Next = nil, nil, nil
	if st.Phase == domain.PlanEnded {
		return
	}
	set := func(t time.Time, seq int, code domain.NextCode) {
		if st.NextDeadline == nil || t.Before(*st.NextDeadline) {
			st.NextDeadline, st.Next = &t, &domain.Next{Code: code, MeetingSeq: seq}
		}
	}
	for _, m := range st.Meetings {
		switch {
		case m.Kind == domain.MeetingCrossDisciplinary && m.Status == domain.MeetingUnscheduled:
			set(m.DueBy.Add(-p.s.InvitationLead.D()), m.Seq, domain.NextSetMeetingDate)
		case m.Kind == domain.MeetingCrossDisciplinary && m.Status == domain.MeetingScheduled:
			t := *m.ScheduledAt
			st.NextMeetingAt = &t
			if m.InvitationSentAt == nil {
				set(t.Add(-p.s.InvitationLead.D()), m.Seq, domain.NextSendInvitation)
			} else {
				set(t, m.Seq, domain.NextMeeting)
			}
		case m.Kind == domain.MeetingCrossDisciplinary && m.Status == domain.MeetingHeld:
			set(*m.MinutesDue, m.Seq, domain.NextWriteMinutes)
		case m.Kind == domain.MeetingCitizen && m.Status == domain.MeetingScheduled:
			set(m.DueBy, m.Seq, domain.NextCitizenMeeting)
		}
	}
	if st.Phase == domain.PlanAwaitingConsent && st.Next != nil {
		st.Next.ConsentMissing = true
	}
}

func (p *plan) meeting(seq int) *domain.Meeting {
	for i := range p.state.Meetings {
		if p.state.Meetings[i].Seq == seq {
			return &p.state.Meetings[i]
		}
	}
	return nil
}

// occasion is the key prefix of one occasion: a kind of reminder about a meeting, due at a
// time. The due time is part of it, so a moved meeting's reminders are new occasions, and a
// step completes exactly the occasions it answers.
func (p *plan) occasion(kind domain.ReminderKind, seq int, due time.Time) string {
	return fmt.Sprintf("%s/%s/%d/%d/", WorkflowID(p.state.PlanID), kind, seq, due.Unix())
}

// answered returns the occasions of a meeting that a step about it answers, from the
// meeting as it was before the step.
func (p *plan) answered(m domain.Meeting, kinds ...domain.ReminderKind) []string {
	var out []string
	for _, k := range kinds {
		switch {
		case k == domain.ReminderScheduleMeeting:
			out = append(out, p.occasion(k, m.Seq, m.DueBy))
		case k == domain.ReminderSendInvitation && m.ScheduledAt != nil:
			out = append(out, p.occasion(k, m.Seq, m.ScheduledAt.Add(-p.s.InvitationLead.D())))
		case k == domain.ReminderRecordMeeting && m.ScheduledAt != nil:
			out = append(out, p.occasion(k, m.Seq, *m.ScheduledAt))
		case (k == domain.ReminderMinutesDue || k == domain.ReminderMinutesEscalated) && m.MinutesDue != nil:
			out = append(out, p.occasion(k, m.Seq, *m.MinutesDue))
		case k == domain.ReminderCitizenMeeting:
			out = append(out, p.occasion(k, m.Seq, m.DueBy))
		}
	}
	return out
}
