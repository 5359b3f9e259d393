package activities

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"tvp/domain"
)

// RaiseReminderInput is one occasion that someone must act on. The recipients are named, or
// given as a role (with a team, that team's holders of the role).
type RaiseReminderInput struct {
	// Key identifies the occasion; it is made in the workflow (workflow ID, step, number).
	Key         string              `json:"key"`
	Kind        domain.ReminderKind `json:"kind"`
	SubjectType domain.SubjectType  `json:"subject_type"`
	SubjectID   string              `json:"subject_id"`
	DueAt       time.Time           `json:"due_at"`
	RaisedAt    time.Time           `json:"raised_at"` // workflow time of the occasion
	// ScheduledFor is when the occasion was due to fire: the target of the workflow's timer.
	ScheduledFor  time.Time   `json:"scheduled_for,omitempty"`
	Recipients    []string    `json:"recipients,omitempty"`
	RecipientRole domain.Role `json:"recipient_role,omitempty"`
	RecipientTeam string      `json:"recipient_team,omitempty"`
	// RecipientLeadOf names a staff member whose lead receives the reminder (escalation); if
	// they have no lead in the register, the administrators receive it.
	RecipientLeadOf string `json:"recipient_lead_of,omitempty"`
}

// RaiseReminderResult names who received the reminder, and whether the workers mail
// reminders (SMTP configured): if not, the workflow schedules no mail step.
type RaiseReminderResult struct {
	// Key is the occasion raised, so the history of a local activity (which keeps its result,
	// not its input) says which.
	Key        string   `json:"key,omitempty"`
	Recipients []string `json:"recipients"`
	Mailing    bool     `json:"mailing,omitempty"`
}

// RaiseReminder puts one inbox item per recipient, keyed by occasion and recipient: raised
// twice, it is there once.
func (a *Activities) RaiseReminder(ctx context.Context, in RaiseReminderInput) (RaiseReminderResult, error) {
	if in.Key == "" {
		return RaiseReminderResult{}, temporal.NewNonRetryableApplicationError("reminder without key", domain.EInvalid, nil)
	}
	recipients := in.Recipients
	if in.RecipientRole != "" {
		ids, err := a.Store.StaffWithRole(ctx, in.RecipientRole, in.RecipientTeam)
		if err != nil {
			return RaiseReminderResult{}, permanent(err)
		}
		recipients = append(append([]string(nil), recipients...), ids...)
	}
	if in.RecipientLeadOf != "" {
		lead, err := a.Store.LeadOf(ctx, in.RecipientLeadOf)
		switch {
		case domain.ErrorCode(err) == domain.ENotFound:
			// Nobody is registered as their lead (or they have left the register): the
			// administrators are told instead, so that the escalation reaches someone who can
			// act on it (and fix the register).
			admins, err := a.Store.StaffWithRole(ctx, domain.RoleAdmin, "")
			if err != nil {
				return RaiseReminderResult{}, permanent(err)
			}
			recipients = append(append([]string(nil), recipients...), admins...)
		case err != nil:
			return RaiseReminderResult{}, permanent(err)
		default:
			recipients = append(append([]string(nil), recipients...), lead)
		}
	}
	// Each recipient's item is held by whoever holds their reminders today: their stand-in
	// (or, with none, their lead) while they are away. The key stays the recipient's, so a
	// retry finds the same item, and the daily hand-over gives it back when they return.
	today := domain.DayIn(a.now())
	items := make([]domain.Reminder, 0, len(recipients))
	holders := make([]string, 0, len(recipients))
	for _, r := range recipients {
		holder, err := a.Store.HolderOn(ctx, r, today)
		if err != nil {
			return RaiseReminderResult{}, permanent(err)
		}
		if !slices.Contains(holders, holder) {
			holders = append(holders, holder)
		}
		items = append(items, domain.Reminder{
			Key: in.Key + "/" + r, RecipientID: holder, OwnerID: r, Kind: in.Kind,
			SubjectType: in.SubjectType, SubjectID: in.SubjectID, DueAt: in.DueAt, CreatedAt: in.RaisedAt,
			ScheduledFor: optionalTime(in.ScheduledFor),
		})
	}
	if err := a.Store.RaiseReminders(ctx, items, a.Mailer != nil); err != nil {
		return RaiseReminderResult{}, permanent(fmt.Errorf("raise %s: %w", in.Kind, err))
	}
	return RaiseReminderResult{Key: in.Key, Recipients: holders, Mailing: a.Mailer != nil}, nil
}

// CompleteRemindersInput names the open items that a step has made unnecessary.
type CompleteRemindersInput struct {
	SubjectType domain.SubjectType    `json:"subject_type"`
	SubjectID   string                `json:"subject_id"`
	Kinds       []domain.ReminderKind `json:"kinds,omitempty"` // empty: every open item of the subject
	At          time.Time             `json:"at"`
	// KeyPrefixes, if set, name the occasions instead of kinds: only their items are done.
	KeyPrefixes []string `json:"key_prefixes,omitempty"`
}

// CompleteRemindersResult counts the items marked done.
type CompleteRemindersResult struct {
	Completed int64 `json:"completed"`
}

// CompleteReminders marks items done; done items stay done, so a retry changes nothing.
func (a *Activities) CompleteReminders(ctx context.Context, in CompleteRemindersInput) (CompleteRemindersResult, error) {
	if len(in.KeyPrefixes) > 0 {
		n, err := a.Store.CompleteRemindersByKey(ctx, in.KeyPrefixes, in.At)
		return CompleteRemindersResult{Completed: n}, permanent(err)
	}
	n, err := a.Store.CompleteReminders(ctx, in.SubjectType, in.SubjectID, in.Kinds, in.At)
	if err != nil {
		return CompleteRemindersResult{}, permanent(err)
	}
	return CompleteRemindersResult{Completed: n}, nil
}

// optionalTime is nil for the zero time (an occasion from a workflow that predates the field).
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// HandOverRemindersInput is the day (YYYY-MM-DD) whose absences decide who holds what.
type HandOverRemindersInput struct {
	Day string `json:"day"`
}

// HandOverRemindersResult counts the open reminders that changed hands.
type HandOverRemindersResult struct {
	Moved int64 `json:"moved"`
}

// HandOverReminders gives every open reminder to whoever holds its owner's reminders on the
// day (store.HandOverReminders): run again, it moves nothing more.
func (a *Activities) HandOverReminders(ctx context.Context, in HandOverRemindersInput) (HandOverRemindersResult, error) {
	if _, err := time.Parse(time.DateOnly, in.Day); err != nil {
		return HandOverRemindersResult{}, temporal.NewNonRetryableApplicationError("hand-over without a day", domain.EInvalid, err)
	}
	n, err := a.Store.HandOverReminders(ctx, in.Day)
	if err != nil {
		return HandOverRemindersResult{}, permanent(err)
	}
	return HandOverRemindersResult{Moved: n}, nil
}
