package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"tvp/domain"
)

// MailRemindersInput names one occasion (the key given to RaiseReminder).
type MailRemindersInput struct {
	Key string `json:"key"`
}

// MailRemindersResult counts what was mailed.
type MailRemindersResult struct {
	Mailed  int  `json:"mailed"`
	Enabled bool `json:"enabled"`
}

// MailReminders mails each recipient of the occasion who has an address: a reference and a
// link to the inbox, never a citizen's data. Mailed items are marked, so a retry (the SMTP
// server refused for a while) mails only what is left.
func (a *Activities) MailReminders(ctx context.Context, in MailRemindersInput) (MailRemindersResult, error) {
	if a.Mailer == nil {
		return MailRemindersResult{}, nil
	}
	items, err := a.Store.UnmailedReminders(ctx, in.Key)
	if err != nil {
		return MailRemindersResult{Enabled: true}, permanent(err)
	}
	n := 0
	for _, it := range items {
		subject := "TVP: ny påmindelse (" + domain.ReminderTitle(it.Kind) + ")"
		body := fmt.Sprintf("Du har en ny påmindelse i TVP: %s.\r\n\r\nSe den her: %s/indbakke#r%d\r\n\r\nReference: %s %d\r\n",
			domain.ReminderTitle(it.Kind), strings.TrimSuffix(a.PublicURL, "/"), it.ID, it.SubjectType, it.ID)
		if err := a.Mailer.Send(ctx, it.Email, subject, body); err != nil {
			return MailRemindersResult{Mailed: n, Enabled: true}, fmt.Errorf("mail reminder %d: %w", it.ID, err)
		}
		if err := a.Store.MarkMailed(ctx, it.Key, time.Now()); err != nil {
			return MailRemindersResult{Mailed: n, Enabled: true}, permanent(err)
		}
		n++
		activity.RecordHeartbeat(ctx, n)
	}
	return MailRemindersResult{Mailed: n, Enabled: true}, nil
}

// SendDigestsInput names whose digest to send (the coordinators).
type SendDigestsInput struct {
	Role domain.Role `json:"role"`
	// Day identifies the digest, so that a retried run mails nobody twice.
	Day string `json:"day"`
}

// SendDigestsResult counts the mails.
type SendDigestsResult struct {
	Mailed int `json:"mailed"`
}

// SendDigests mails each holder of the role a count of their open and overdue reminders.
func (a *Activities) SendDigests(ctx context.Context, in SendDigestsInput) (SendDigestsResult, error) {
	if a.Mailer == nil {
		return SendDigestsResult{}, nil
	}
	lines, err := a.Store.Digests(ctx, in.Role, time.Now())
	if err != nil {
		return SendDigestsResult{}, permanent(err)
	}
	n := 0
	for _, l := range lines {
		if sent, err := a.Store.DigestSent(ctx, in.Day, l.StaffID); err != nil {
			return SendDigestsResult{Mailed: n}, permanent(err)
		} else if sent {
			continue
		}
		body := fmt.Sprintf("Du har %d åbne påmindelser i TVP, heraf %d overskredne.\r\n\r\nSe dem her: %s/indbakke\r\n",
			l.Open, l.Overdue, strings.TrimSuffix(a.PublicURL, "/"))
		if err := a.Mailer.Send(ctx, l.Email, "TVP: dagens påmindelser", body); err != nil {
			return SendDigestsResult{Mailed: n}, fmt.Errorf("digest to %s: %w", l.StaffID, err)
		}
		if err := a.Store.MarkDigestSent(ctx, in.Day, l.StaffID); err != nil {
			return SendDigestsResult{Mailed: n}, permanent(err)
		}
		n++
	}
	return SendDigestsResult{Mailed: n}, nil
}
