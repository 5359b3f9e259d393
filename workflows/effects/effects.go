// Package effects runs the side effects that TVP's workflows share (reminders, the audit
// log, completing inbox items) as activities with one set of options: writes retry until the
// database is back, so nothing is lost.
package effects

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
)

var acts *activities.Activities // nil: only its methods' names are used

// ActivityOptions are the options of every TVP activity call.
var ActivityOptions = workflow.ActivityOptions{
	// Short: a worker that dies mid-activity is noticed, and the activity retried, within seconds.
	StartToCloseTimeout: 10 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

// mailOptions: mailing one occasion's recipients may take a while; the activity heartbeats
// after each mail, so a worker that dies mid-way is noticed within seconds and the rest is
// mailed by the retry (what was mailed is marked, and not mailed again).
var mailOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 2 * time.Minute,
	HeartbeatTimeout:    20 * time.Second,
	RetryPolicy:         ActivityOptions.RetryPolicy,
}

// Do runs an activity with TVP's options (update handlers get a context without them).
func Do(ctx workflow.Context, activity, in, out any) error {
	ctx = workflow.WithActivityOptions(ctx, ActivityOptions)
	return workflow.ExecuteActivity(ctx, activity, in).Get(ctx, out)
}

// localOptions are the options of a step's writes run as local activities: each attempt
// bounded, retried (with the workflow's own timers for the longer waits) until the database is
// back.
var localOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout: ActivityOptions.StartToCloseTimeout,
	RetryPolicy:         ActivityOptions.RetryPolicy,
}

// LocalWrites is the change (GetVersion) from which a step's writes run as local activities.
const LocalWrites = "local-writes"

// Write runs one of a step's writes (the read model, the inbox, the audit log): short,
// idempotent, to TVP's own database. Since version 1 of LocalWrites it runs as a local
// activity, inside the workflow task that asks for it, with no round trip through the
// server's task queues (a step with three writes took about 200 ms on the dev server, for the
// dispatch alone); histories from before replay with ordinary activities.
func Write(ctx workflow.Context, activity, in, out any) error {
	if workflow.GetVersion(ctx, LocalWrites, workflow.DefaultVersion, 1) == 1 {
		ctx = workflow.WithLocalActivityOptions(ctx, localOptions)
		return workflow.ExecuteLocalActivity(ctx, activity, in).Get(ctx, out)
	}
	return Do(ctx, activity, in, out)
}

// ScheduledFor is when an occasion due at falls due, as its reminder records it: at, or now if
// the workflow learns of it only after at (a step that makes it due at once).
func ScheduledFor(ctx workflow.Context, at time.Time) time.Time {
	if now := workflow.Now(ctx); at.Before(now) {
		return now
	}
	return at
}

// Remind raises one reminder now; in.Key must identify the occasion. Each recipient with an
// address is then mailed (when SMTP is configured) without holding the workflow up: a mail
// server that refuses for a while delays the mail, not the course.
func Remind(ctx workflow.Context, in activities.RaiseReminderInput) error {
	in.RaisedAt = workflow.Now(ctx)
	var raised activities.RaiseReminderResult
	if err := Write(ctx, acts.RaiseReminder, in, &raised); err != nil {
		return fmt.Errorf("raise %s: %w", in.Kind, err)
	}
	// Histories recorded before reminders were mailed replay without the mail step, and those
	// recorded before version 2 with it always; since version 2 there is a mail step only when
	// the workers mail (SMTP configured), as the raise's result says.
	if v := workflow.GetVersion(ctx, "mail-reminders", workflow.DefaultVersion, 2); v == 1 || (v == 2 && raised.Mailing) {
		mail := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, mailOptions), acts.MailReminders,
			activities.MailRemindersInput{Key: in.Key})
		workflow.Go(ctx, func(ctx workflow.Context) {
			if err := mail.Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Error("mail reminder", "kind", in.Kind, "err", err)
			}
		})
	}
	return nil
}

// Complete marks a subject's open reminders of the kinds (all kinds if none) done.
func Complete(ctx workflow.Context, subjectType domain.SubjectType, subjectID string, kinds ...domain.ReminderKind) error {
	in := activities.CompleteRemindersInput{SubjectType: subjectType, SubjectID: subjectID, Kinds: kinds, At: workflow.Now(ctx)}
	if err := Write(ctx, acts.CompleteReminders, in, nil); err != nil {
		return fmt.Errorf("complete reminders: %w", err)
	}
	return nil
}

// CompleteOccasions marks done the open items of the occasions whose keys start with the
// prefixes: precise where a step answers one occasion while the workflow may already raise
// the next one of the same kind.
func CompleteOccasions(ctx workflow.Context, prefixes ...string) error {
	if len(prefixes) == 0 {
		return nil
	}
	in := activities.CompleteRemindersInput{KeyPrefixes: prefixes, At: workflow.Now(ctx)}
	if err := Write(ctx, acts.CompleteReminders, in, nil); err != nil {
		return fmt.Errorf("complete reminders: %w", err)
	}
	return nil
}

// Audit appends one entry per citizen; keyPrefix (workflow ID and revision) makes a retry
// append nothing.
func Audit(ctx workflow.Context, keyPrefix string, e domain.AuditEntry, citizenIDs []string) error {
	e.At = workflow.Now(ctx)
	entries := make([]domain.AuditEntry, 0, len(citizenIDs))
	for _, cid := range citizenIDs {
		x := e
		x.CitizenID = &cid
		x.Key = keyPrefix + "/" + string(e.Action) + "/" + cid
		entries = append(entries, x)
	}
	if err := Write(ctx, acts.Audit, activities.AuditInput{Entries: entries}, nil); err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}
