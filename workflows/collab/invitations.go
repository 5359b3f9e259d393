package collab

import (
	"fmt"
	"slices"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/words"
	"tvp/workflows/effects"
)

// The meetings' calendar invitations (CalendarInvitations). Each cross-disciplinary meeting has
// one UID; its SEQUENCE is kept here, in the workflow's state, and rises with every change that
// matters to a calendar (a move, a cancellation, someone uninvited). A step works out its
// messages before it commits (changing the state) and makes them after, as effects: each is
// kept in the outbox and mailed by its own bounded step, so SMTP never holds up or fails the
// plan.

// calendarOn reports whether this plan sends calendar invitations (a history from before
// does not). Asked only where a message may be due, so older histories replay unchanged.
func (p *plan) calendarOn(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, CalendarInvitations, workflow.DefaultVersion, 1) == 1
}

// invitation returns the calendar invitation of a meeting, if one was sent.
func (p *plan) invitation(seq int) *Invitation {
	for i := range p.state.Invitations {
		if p.state.Invitations[i].MeetingSeq == seq {
			return &p.state.Invitations[i]
		}
	}
	return nil
}

// liveInvitation is the open meeting's invitation, if it was sent and not cancelled.
func (p *plan) liveInvitation() (*domain.Meeting, *Invitation) {
	m := p.openMeeting()
	if m == nil || m.ScheduledAt == nil {
		return nil, nil
	}
	inv := p.invitation(m.Seq)
	if inv == nil || inv.Cancelled {
		return nil, nil
	}
	return m, inv
}

// invitees are the professionals taking part now, each once.
func (p *plan) invitees() []string {
	var out []string
	for _, pt := range p.state.Participants {
		if pt.LeftAt == nil && !slices.Contains(out, pt.StaffID) {
			out = append(out, pt.StaffID)
		}
	}
	return out
}

// calendarMessage is one message of a step: to whom, with which attendees, and whether it is
// the meeting's calendar now (what the staff download).
type calendarMessage struct {
	method    domain.CalendarMethod
	to        []string
	attendees []string
	citizen   bool
	current   bool
	tag       string // tells the step's messages apart: all, leave, join
}

// calendar turns a step's messages into effects' inputs, keyed by the meeting, its sequence,
// the method and the step's revision (the next one: the step commits once).
func (p *plan) calendar(ctx workflow.Context, m *domain.Meeting, inv *Invitation, msgs ...calendarMessage) []activities.InvitationsInput {
	rev := p.state.Revision + 1
	agenda := make([]string, 0, len(m.Agenda))
	for _, a := range m.Agenda {
		agenda = append(agenda, a.Text)
	}
	var out []activities.InvitationsInput
	for _, msg := range msgs {
		ev := domain.MeetingEvent{
			UID: domain.MeetingUID(p.state.PlanID, m.Seq), Sequence: inv.Sequence, Method: msg.method,
			Title: words.MeetingTitle(p.state.PlanID), Start: *m.ScheduledAt, End: m.ScheduledAt.Add(domain.MeetingLength),
			Place: m.Place, Agenda: agenda, Stamp: workflow.Now(ctx),
			Organizer: p.state.CoordinatorID, Attendees: slices.Clone(msg.attendees),
		}
		in := activities.InvitationsInput{
			Key:    fmt.Sprintf("%s/invite/%d/%d/%s/%d/%s", WorkflowID(p.state.PlanID), m.Seq, inv.Sequence, msg.method, rev, msg.tag),
			PlanID: p.state.PlanID, MeetingSeq: m.Seq, Revision: rev, Event: ev, To: slices.Clone(msg.to), Current: msg.current,
		}
		if msg.citizen {
			in.CitizenEmail = p.state.CitizenEmail
		}
		out = append(out, in)
	}
	return out
}

// invite is the invitation to the open meeting: to every professional taking part, and the
// citizen when an address is on the plan.
func (p *plan) invite(ctx workflow.Context, m *domain.Meeting) []activities.InvitationsInput {
	if !p.calendarOn(ctx) {
		return nil
	}
	inv := p.invitation(m.Seq)
	if inv == nil {
		p.state.Invitations = append(p.state.Invitations, Invitation{MeetingSeq: m.Seq})
		inv = &p.state.Invitations[len(p.state.Invitations)-1]
	} else if inv.Cancelled {
		inv.Sequence++
	}
	inv.Invited, inv.Citizen, inv.Cancelled = p.invitees(), p.state.CitizenEmail != "", false
	return p.calendar(ctx, m, inv, calendarMessage{method: domain.CalendarRequest, to: inv.Invited, attendees: inv.Invited, citizen: inv.Citizen, current: true, tag: "all"})
}

// moved is the update of a meeting moved after its invitation: the same UID, SEQUENCE + 1, to
// everyone who holds it. It reports whether there was one.
func (p *plan) moved(ctx workflow.Context) ([]activities.InvitationsInput, bool) {
	m, inv := p.liveInvitation()
	if inv == nil || !p.calendarOn(ctx) {
		return nil, false
	}
	inv.Sequence++
	return p.calendar(ctx, m, inv, calendarMessage{method: domain.CalendarRequest, to: inv.Invited, attendees: inv.Invited, citizen: inv.Citizen, current: true, tag: "all"}), true
}

// cancelled is the cancellation of the open meeting to everyone who holds its invitation (the
// meeting did not take place, or the plan ended).
func (p *plan) cancelled(ctx workflow.Context) []activities.InvitationsInput {
	m, inv := p.liveInvitation()
	if inv == nil || !p.calendarOn(ctx) {
		return nil
	}
	inv.Sequence++
	inv.Cancelled = true
	return p.calendar(ctx, m, inv, calendarMessage{method: domain.CalendarCancel, to: inv.Invited, attendees: inv.Invited, citizen: inv.Citizen, current: true, tag: "all"})
}

// regrouped is what a change of participants sends about the open meeting: a cancellation to
// each who left (SEQUENCE + 1) and then the invitation, with the new attendees, to everyone
// else; or, when people only joined, the invitation as it stands to them.
func (p *plan) regrouped(ctx workflow.Context) []activities.InvitationsInput {
	m, inv := p.liveInvitation()
	if inv == nil {
		return nil
	}
	now := p.invitees()
	var left, joined []string
	for _, id := range inv.Invited {
		if !slices.Contains(now, id) {
			left = append(left, id)
		}
	}
	for _, id := range now {
		if !slices.Contains(inv.Invited, id) {
			joined = append(joined, id)
		}
	}
	if (len(left) == 0 && len(joined) == 0) || !p.calendarOn(ctx) {
		return nil
	}
	inv.Invited = now
	if len(left) == 0 {
		return p.calendar(ctx, m, inv, calendarMessage{method: domain.CalendarRequest, to: joined, attendees: now, current: true, tag: "join"})
	}
	inv.Sequence++
	return p.calendar(ctx, m, inv,
		calendarMessage{method: domain.CalendarCancel, to: left, attendees: left, tag: "leave"},
		calendarMessage{method: domain.CalendarRequest, to: now, attendees: now, citizen: inv.Citizen, current: true, tag: "all"})
}

// send makes a step's calendar messages (after it committed).
func (p *plan) send(ctx workflow.Context, msgs []activities.InvitationsInput) error {
	for _, in := range msgs {
		if err := p.fx.Run(ctx, effects.Invite(in)); err != nil {
			return err
		}
	}
	return nil
}
