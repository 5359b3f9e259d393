package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"tvp/domain"
	"tvp/internal/mail"
	"tvp/words"
)

// sendTimeout bounds one mail: dialling, the SMTP conversation.
const sendTimeout = 30 * time.Second

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
// link to the inbox, never a citizen's data. Each item is claimed before it is sent and marked
// after, so a retry, or the outbox's sweep running at the same time, sends nothing twice; a
// sender that dies between sending and marking leaves the item to be sent again once its claim
// lapses, with the same Message-ID.
func (a *Activities) MailReminders(ctx context.Context, in MailRemindersInput) (MailRemindersResult, error) {
	if a.Mailer == nil {
		return MailRemindersResult{}, nil
	}
	n, err := a.mailReminders(ctx, in.Key, 0)
	return MailRemindersResult{Mailed: n, Enabled: true}, err
}

// MailOutboxInput bounds one sweep.
type MailOutboxInput struct {
	Limit int `json:"limit"`
}

// MailOutboxResult counts what the sweep mailed, and what is left.
type MailOutboxResult struct {
	Mailed int `json:"mailed"`
	Left   int `json:"left"`
}

// MailOutbox mails the items raised to be mailed, and the calendar messages made to be mailed,
// that no sender has mailed (their workflow's mail step ran out of attempts, or was dropped
// with its run): the mail-outbox Schedule's sweep.
func (a *Activities) MailOutbox(ctx context.Context, in MailOutboxInput) (MailOutboxResult, error) {
	if a.Mailer == nil {
		return MailOutboxResult{}, nil
	}
	n, err := a.mailReminders(ctx, "", in.Limit)
	if err != nil {
		return MailOutboxResult{Mailed: n}, err
	}
	ni, err := a.mailInvitations(ctx, "", in.Limit)
	n += ni
	if err != nil {
		return MailOutboxResult{Mailed: n}, err
	}
	left, _, err := a.Store.MailOutbox(ctx)
	if err != nil {
		return MailOutboxResult{Mailed: n}, permanent(err)
	}
	leftInv, err := a.Store.InvitationOutbox(ctx)
	return MailOutboxResult{Mailed: n, Left: left + leftInv}, permanent(err)
}

func (a *Activities) mailReminders(ctx context.Context, keyPrefix string, limit int) (int, error) {
	items, err := a.Store.ClaimReminderMails(ctx, keyPrefix, limit)
	if err != nil {
		return 0, permanent(err)
	}
	n := 0
	for i, it := range items {
		subject, body := words.ReminderMail(it.Kind, a.link(domain.PageInbox)+fmt.Sprintf("#r%d", it.ID), fmt.Sprintf("%s %d", it.SubjectType, it.ID))
		if err := a.send(ctx, mail.Message{To: it.Email, Subject: subject, Body: body, MessageID: a.Mailer.MessageID("reminder/" + it.Key)}); err != nil {
			for _, rest := range items[i:] { // the next attempt, or the sweep, takes them at once
				_ = a.Store.ReleaseReminderMail(context.WithoutCancel(ctx), rest.Key)
			}
			return n, fmt.Errorf("mail reminder %d: %w", it.ID, err)
		}
		if err := a.Store.MarkReminderMailed(ctx, it.Key); err != nil {
			// Sent, not marked: its claim lapses and it is sent again, with the same Message-ID.
			return n, permanent(err)
		}
		n++
		activity.RecordHeartbeat(ctx, n)
	}
	return n, nil
}

func (a *Activities) send(ctx context.Context, m mail.Message) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	return a.Mailer.SendMessage(ctx, m)
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

// SendDigests mails each holder of the role a count of their open and overdue reminders, once a
// day: each digest is claimed before it is sent and marked after (as reminders are), and the
// activity heartbeats after each, so a worker that dies mid-way is noticed and the retry mails
// the rest.
func (a *Activities) SendDigests(ctx context.Context, in SendDigestsInput) (SendDigestsResult, error) {
	if a.Mailer == nil {
		return SendDigestsResult{}, nil
	}
	lines, err := a.Store.Digests(ctx, in.Role, a.now())
	if err != nil {
		return SendDigestsResult{}, permanent(err)
	}
	n := 0
	for _, l := range lines {
		activity.RecordHeartbeat(ctx, n)
		if claimed, err := a.Store.ClaimDigest(ctx, in.Day, l.StaffID); err != nil {
			return SendDigestsResult{Mailed: n}, permanent(err)
		} else if !claimed {
			continue // sent, or being sent
		}
		subject, body := words.DigestMail(l.Open, l.Overdue, a.link(domain.PageInbox))
		m := mail.Message{To: l.Email, Subject: subject, Body: body, MessageID: a.Mailer.MessageID("digest/" + in.Day + "/" + l.StaffID)}
		if err := a.send(ctx, m); err != nil {
			_ = a.Store.ReleaseDigest(context.WithoutCancel(ctx), in.Day, l.StaffID)
			return SendDigestsResult{Mailed: n}, fmt.Errorf("digest to %s: %w", l.StaffID, err)
		}
		if err := a.Store.MarkDigestMailed(ctx, in.Day, l.StaffID); err != nil {
			return SendDigestsResult{Mailed: n}, permanent(err)
		}
		n++
	}
	return SendDigestsResult{Mailed: n}, nil
}

// link is the address of a page of TVP's, where people reach it (PublicURL).
func (a *Activities) link(page string) string { return strings.TrimSuffix(a.PublicURL, "/") + page }
