package activities

import (
	"context"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"

	"tvp/domain"
	"tvp/internal/ical"
	"tvp/internal/mail"
	"tvp/store"
	"tvp/words"
)

// RecipientCitizen names the citizen as the recipient of a calendar message (at the address
// on the plan).
const RecipientCitizen = "citizen"

// InvitationsInput is one calendar message about a meeting (an invitation, its update or its
// cancellation) and whom to mail it to. Key identifies the message (made in the workflow):
// each recipient's mail is keyed by it and the recipient, so a retry adds nothing.
type InvitationsInput struct {
	Key        string              `json:"key"`
	PlanID     string              `json:"plan_id"`
	MeetingSeq int                 `json:"meeting_seq"`
	Revision   int64               `json:"revision"`
	Event      domain.MeetingEvent `json:"event"`
	// To are the staff members to mail it to; CitizenEmail, if set, the citizen's address.
	To           []string `json:"to"`
	CitizenEmail string   `json:"citizen_email,omitempty"`
	// Current: the message is the meeting's calendar now (to everyone invited), the one the
	// staff download; a message to one person (who left, or joined) is not.
	Current bool `json:"current,omitempty"`
}

// InvitationsResult says whether the workers mail (then the workflow starts the mail step).
type InvitationsResult struct {
	Mailing bool `json:"mailing,omitempty"`
}

// RecordInvitations writes the calendar message (iCalendar, with the people's names and
// addresses from the staff register) and keeps it in the outbox, one mail per recipient with
// an address, and, if it is current, as the meeting's calendar.
func (a *Activities) RecordInvitations(ctx context.Context, in InvitationsInput) (InvitationsResult, error) {
	ids := append(append([]string{in.Event.Organizer}, in.Event.Attendees...), in.To...)
	staff, err := a.Store.StaffByID(ctx, ids)
	if err != nil {
		return InvitationsResult{}, err
	}
	people := make(map[string]ical.Person, len(staff))
	for id, m := range staff {
		people[id] = ical.Person{Name: m.Name, Email: m.Email}
	}
	from := "tvp@tvp.invalid"
	if a.Mailer != nil {
		from = a.Mailer.From
	}
	data, err := ical.Render(in.Event, people, from)
	if err != nil {
		return InvitationsResult{}, permanent(domain.Errorf(domain.EInvalid, "%v", err))
	}
	subject, body := a.invitationText(in.Event, in.PlanID, false)
	var mails []store.InvitationMail
	add := func(recipient, email, body string) {
		mails = append(mails, store.InvitationMail{
			Key: in.Key + "/" + recipient, PlanID: in.PlanID, MeetingSeq: in.MeetingSeq, Method: in.Event.Method,
			Sequence: in.Event.Sequence, Recipient: recipient, Email: email, Subject: subject, Body: body, ICS: string(data),
		})
	}
	for _, id := range in.To {
		if m, ok := staff[id]; ok && m.Email != "" {
			add(id, m.Email, body)
		}
	}
	if in.CitizenEmail != "" {
		_, citizenBody := a.invitationText(in.Event, in.PlanID, true)
		add(RecipientCitizen, in.CitizenEmail, citizenBody)
	}
	var current *domain.MeetingCalendar
	if in.Current {
		current = &domain.MeetingCalendar{PlanID: in.PlanID, MeetingSeq: in.MeetingSeq, Revision: in.Revision,
			Method: in.Event.Method, Sequence: in.Event.Sequence, ICS: string(data)}
	}
	if err := a.Store.RecordInvitations(ctx, mails, current, a.Mailer != nil); err != nil {
		return InvitationsResult{}, permanent(err)
	}
	return InvitationsResult{Mailing: a.Mailer != nil}, nil
}

// invitationText is a calendar mail's subject and text (words.InvitationMail), with the link to
// the staff's plan page, or to the citizen's own page.
func (a *Activities) invitationText(ev domain.MeetingEvent, planID string, citizen bool) (string, string) {
	if citizen {
		return words.InvitationMail(ev, a.link(domain.PageCitizen))
	}
	return words.InvitationMail(ev, a.link(domain.PlanPage(planID)))
}

// MailInvitationsInput names one calendar message (its key).
type MailInvitationsInput struct {
	Key string `json:"key"`
}

// MailInvitationsResult counts what was mailed.
type MailInvitationsResult struct {
	Mailed int `json:"mailed"`
}

// MailInvitations mails one calendar message to each of its recipients, claimed before each
// mail and marked after (as reminders are).
func (a *Activities) MailInvitations(ctx context.Context, in MailInvitationsInput) (MailInvitationsResult, error) {
	if a.Mailer == nil {
		return MailInvitationsResult{}, nil
	}
	n, err := a.mailInvitations(ctx, in.Key, 0)
	return MailInvitationsResult{Mailed: n}, err
}

func (a *Activities) mailInvitations(ctx context.Context, keyPrefix string, limit int) (int, error) {
	items, err := a.Store.ClaimInvitationMails(ctx, keyPrefix, limit)
	if err != nil {
		return 0, permanent(err)
	}
	n := 0
	for i, it := range items {
		m := mail.Message{To: it.Email, Subject: it.Subject, Body: it.Body, MessageID: a.Mailer.MessageID("invitation/" + it.Key),
			Calendar: &mail.Calendar{Method: string(it.Method), Data: []byte(it.ICS)}}
		if err := a.send(ctx, m); err != nil {
			for _, rest := range items[i:] {
				_ = a.Store.ReleaseInvitationMail(context.WithoutCancel(ctx), rest.Key)
			}
			// The error names the address; the log and the history say the recipient instead (the
			// citizen's address is in no log).
			return n, fmt.Errorf("mail invitation %s: %s", it.Key, strings.ReplaceAll(err.Error(), it.Email, "<"+it.Recipient+">"))
		}
		if err := a.Store.MarkInvitationMailed(ctx, it.Key); err != nil {
			return n, permanent(err)
		}
		n++
		activity.RecordHeartbeat(ctx, n)
	}
	return n, nil
}
