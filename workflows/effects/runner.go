package effects

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows"
)

// StuckEffects is the change (GetVersion) from which an effect that fails after its step was
// accepted is kept as a stuck effect instead of failing the step (and, from the main loop, the
// workflow). Histories from before replay with the error returned, as it was then.
const StuckEffects = "stuck-effects"

// The long backoff of a stuck effect: an hour after it failed, then twice as long each time,
// at most a day.
const (
	RetryFirst = time.Hour
	RetryMax   = 24 * time.Hour
)

// Metric names (the SDK's metrics handler: Prometheus through internal/metrics, with the tags
// workflow and effect). Stuck now is stuck minus recovered.
const (
	MetricStuck     = "tvp_effects_stuck"
	MetricRecovered = "tvp_effects_recovered"
)

// UpdateRetry is the Update, on every long-running workflow, that tries its stuck effects again
// now (an administrator, once the cause is fixed).
const UpdateRetry = "retry-effects"

// RetryRequest asks a workflow to try its stuck effects again.
type RetryRequest struct {
	Actor domain.Actor `json:"actor"`
}

// RetryResult is what is still stuck after the retry (empty: everything was made).
type RetryResult struct {
	Stuck []domain.StuckEffect `json:"stuck"`
}

// ValidateRetry is the retry's access rule: administrators only.
func ValidateRetry(r RetryRequest) error {
	return domain.Permit(r.Actor, domain.Programme, domain.EffectsRetry)
}

// AddRetry adds the retry-effects Update (UpdateRetry) to a workflow's Updates: an
// administrator has every stuck effect tried again now; it answers with what is still stuck.
func (r *Runner) AddRetry(s *workflows.Steps) {
	workflows.Add(s, UpdateRetry, workflows.Check(ValidateRetry), func(ctx workflow.Context, _ RetryRequest) (RetryResult, error) {
		r.Retry(ctx, true)
		return RetryResult{Stuck: r.Ledger.List()}, nil
	})
}

// Stuck is an effect that failed after its step was accepted: what people see, and the effect
// to make again.
type Stuck struct {
	domain.StuckEffect
	Effect Effect `json:"effect"`
}

// Ledger is what a workflow's state keeps about its effects: those stuck now, how many times
// effects got stuck (each time an occasion of the administrators' reminder), and a count of
// changes that orders the writes of the list to the read model. It is carried across
// continue-as-new with the state.
type Ledger struct {
	Stuck    []Stuck `json:"stuck,omitempty"`
	Episodes int     `json:"episodes,omitempty"`
	Seq      int64   `json:"seq,omitempty"`
}

// List returns the stuck effects as people see them.
func (l Ledger) List() []domain.StuckEffect {
	out := make([]domain.StuckEffect, len(l.Stuck))
	for i, s := range l.Stuck {
		out[i] = s.StuckEffect
	}
	return out
}

func (l Ledger) find(key string) int {
	return slices.IndexFunc(l.Stuck, func(s Stuck) bool { return s.Key == key })
}

// Runner makes a workflow's effects and keeps those that fail in its ledger. It holds no state
// of its own that a replay would not rebuild: the ledger is the workflow's state.
type Runner struct {
	Ledger      *Ledger
	Workflow    string // the workflow's type, for the metrics
	WorkflowID  string
	SubjectType domain.SubjectType
	SubjectID   string
	// Apply makes one effect. A workflow handles its own kinds (KindSave) and passes the others
	// to Common.
	Apply func(ctx workflow.Context, e Effect) error
	// Saved reports whether the read model holds the workflow's newest revision: a stuck save
	// is made only then (a save that succeeded with an older revision, while a newer step was
	// under way, leaves it to be tried again at once).
	Saved func() bool

	mails int // mail steps in flight (version 3 of mail-reminders): awaited by Settle
}

// Run makes the effect. If it fails (a permanent error, or its retries ran out), it is kept as
// a stuck effect and Run returns nil: the step that asked for it stays accepted and the
// workflow goes on. Only a history from before stuck effects gets the error back.
func (r *Runner) Run(ctx workflow.Context, e Effect) error {
	err := r.Apply(ctx, e)
	if err == nil {
		if r.Ledger.find(e.Key) >= 0 && r.made(ctx, e) { // made by a later attempt than the one that stuck
			r.resolve(ctx, e.Key)
			r.settled(ctx)
		}
		return nil
	}
	if temporal.IsCanceledError(err) {
		return err
	}
	if workflow.GetVersion(ctx, StuckEffects, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return err
	}
	r.stick(ctx, e, err)
	return nil
}

// Drain keeps a workflow that has reached its end open while any of its effects is stuck: they
// are tried again after the long backoff, or at once when an administrator asks (the ledger's
// Seq moves), until made. Then it waits for the workflow's handlers and the mail steps in
// flight.
func (r *Runner) Drain(ctx workflow.Context) error {
	for r.Stuck() {
		seq := r.Ledger.Seq
		if wait := r.NextRetry().Sub(workflow.Now(ctx)); wait > 0 {
			ok, err := workflow.AwaitWithTimeout(ctx, wait, func() bool { return r.Ledger.Seq != seq })
			if err != nil {
				return err
			}
			if ok {
				continue
			}
		}
		r.Retry(ctx, false)
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	return r.Settle(ctx)
}

// Has reports whether the effect with the key is stuck.
func (r *Runner) Has(key string) bool { return r.Ledger.find(key) >= 0 }

// Stuck reports whether any effect is stuck.
func (r *Runner) Stuck() bool { return len(r.Ledger.Stuck) > 0 }

// NextRetry is when the next stuck effect is due to be tried again (zero: none is stuck).
func (r *Runner) NextRetry() time.Time {
	var at time.Time
	for _, s := range r.Ledger.Stuck {
		if at.IsZero() || s.RetryAt.Before(at) {
			at = s.RetryAt
		}
	}
	return at
}

// Retry tries the stuck effects again: those due, or all of them (an administrator asked).
func (r *Runner) Retry(ctx workflow.Context, all bool) {
	now := workflow.Now(ctx)
	var keys []string
	for _, s := range r.Ledger.Stuck {
		if all || !s.RetryAt.After(now) {
			keys = append(keys, s.Key)
		}
	}
	if len(keys) == 0 {
		return
	}
	for _, k := range keys {
		i := r.Ledger.find(k)
		if i < 0 {
			continue // made meanwhile, by a later step
		}
		err := r.Apply(ctx, r.Ledger.Stuck[i].Effect)
		if i = r.Ledger.find(k); i < 0 {
			continue
		}
		if err == nil {
			if r.made(ctx, r.Ledger.Stuck[i].Effect) {
				r.resolve(ctx, k)
			}
			continue
		}
		s := &r.Ledger.Stuck[i]
		s.Attempts++
		s.Error = message(err)
		s.RetryAt = workflow.Now(ctx).Add(backoff(s.Attempts))
		r.Ledger.Seq++
	}
	r.settled(ctx)
}

// Forget drops a stuck effect that is no longer wanted, without making it.
func (r *Runner) Forget(ctx workflow.Context, key string) {
	if r.Ledger.find(key) < 0 {
		return
	}
	r.resolve(ctx, key)
	r.settled(ctx)
}

// made reports whether an effect that succeeded is made: a save only if it holds the newest
// revision; if not, it is due again at once.
func (r *Runner) made(ctx workflow.Context, e Effect) bool {
	if e.Kind != KindSave || r.Saved == nil || r.Saved() {
		return true
	}
	if i := r.Ledger.find(e.Key); i >= 0 {
		r.Ledger.Stuck[i].RetryAt = workflow.Now(ctx)
		r.Ledger.Seq++
	}
	return false
}

// stick keeps a failed effect; the first of an episode tells the administrators.
func (r *Runner) stick(ctx workflow.Context, e Effect, err error) {
	now := workflow.Now(ctx)
	l := r.Ledger
	l.Seq++
	workflow.GetLogger(ctx).Error("effect stuck", "effect", e.Key, "kind", e.Kind, "err", err)
	if i := l.find(e.Key); i >= 0 {
		s := &l.Stuck[i]
		s.Effect, s.Error, s.Attempts = e, message(err), s.Attempts+1
		s.RetryAt = now.Add(backoff(s.Attempts))
		r.record(ctx)
		return
	}
	first := len(l.Stuck) == 0
	l.Stuck = append(l.Stuck, Stuck{StuckEffect: domain.StuckEffect{
		Key: e.Key, Kind: string(e.Kind), Error: message(err), Since: now, Attempts: 1, RetryAt: now.Add(backoff(1)),
	}, Effect: e})
	r.count(ctx, MetricStuck, e.Kind)
	if first {
		l.Episodes++
		alert := Raise(ctx, activities.RaiseReminderInput{
			Key: r.alertOccasion(), Kind: domain.ReminderEffectsStuck, SubjectType: r.SubjectType, SubjectID: r.SubjectID,
			DueAt: now, ScheduledFor: now, RecipientRole: domain.RoleAdmin,
		})
		if err := r.Apply(ctx, alert); err != nil {
			l.Seq++
			l.Stuck = append(l.Stuck, Stuck{StuckEffect: domain.StuckEffect{
				Key: alert.Key, Kind: string(alert.Kind), Error: message(err), Since: now, Attempts: 1, RetryAt: now.Add(backoff(1)),
			}, Effect: alert})
			r.count(ctx, MetricStuck, alert.Kind)
		}
	}
	r.record(ctx)
}

// resolve drops a stuck effect that has been made.
func (r *Runner) resolve(ctx workflow.Context, key string) {
	i := r.Ledger.find(key)
	if i < 0 {
		return
	}
	kind := r.Ledger.Stuck[i].Effect.Kind
	r.Ledger.Stuck = slices.Delete(r.Ledger.Stuck, i, i+1)
	r.Ledger.Seq++
	r.count(ctx, MetricRecovered, kind)
}

// settled writes the list to the read model after a change, and when nothing is stuck any
// more marks the administrators' reminder of the episode done.
func (r *Runner) settled(ctx workflow.Context) {
	if len(r.Ledger.Stuck) == 0 && r.Ledger.Episodes > 0 {
		done := CompleteOccasions(ctx, r.alertOccasion()+"/")
		if err := r.Apply(ctx, done); err != nil {
			workflow.GetLogger(ctx).Warn("complete the stuck-effects reminder", "err", err) // the item stays open; harmless
		}
	}
	r.record(ctx)
}

// record writes the list of stuck effects to the read model. It is derived: if it fails, the
// next change writes it again.
func (r *Runner) record(ctx workflow.Context) {
	in := activities.StuckEffectsInput{
		WorkflowID: r.WorkflowID, SubjectType: r.SubjectType, SubjectID: r.SubjectID,
		Seq: r.Ledger.Seq, Effects: r.Ledger.List(), At: workflow.Now(ctx),
	}
	if err := Write(ctx, acts.RecordStuckEffects, in, nil); err != nil {
		workflow.GetLogger(ctx).Warn("record stuck effects", "err", err)
	}
}

func (r *Runner) alertOccasion() string {
	return fmt.Sprintf("%s/effects-stuck/%d", r.WorkflowID, r.Ledger.Episodes)
}

func (r *Runner) count(ctx workflow.Context, name string, kind Kind) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"workflow": r.Workflow, "effect": string(kind)}).Counter(name).Inc(1)
}

// Common makes the effects that every workflow shares.
func (r *Runner) Common(ctx workflow.Context, e Effect) error {
	switch {
	case e.Kind == KindAudit && e.Audit != nil:
		write := Write
		if e.Accepted {
			write = doBounded // after the step's acceptance is recorded (AuditAccepted)
		}
		if err := write(ctx, acts.Audit, *e.Audit, nil); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	case e.Kind == KindRaise && e.Raise != nil:
		return r.raise(ctx, *e.Raise)
	case e.Kind == KindComplete && e.Complete != nil:
		if err := Write(ctx, acts.CompleteReminders, *e.Complete, nil); err != nil {
			return fmt.Errorf("complete reminders: %w", err)
		}
		return nil
	case e.Kind == KindReassign && e.Reassign != nil:
		return Write(ctx, acts.ReassignReminders, *e.Reassign, nil)
	case e.Kind == KindInvite && e.Invite != nil:
		return r.invite(ctx, *e.Invite)
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf("effect %s (%s): nothing to make it with", e.Key, e.Kind), domain.EInternal, nil)
}

// MailReminders is the change (GetVersion) of a reminder's mail step: histories recorded
// before reminders were mailed replay without it, and those recorded before version 2 with it
// always; since version 2 there is a mail step only when the workers mail (SMTP configured), as
// the raise's result says; since version 3 the step is bounded and awaited before the workflow
// continues as new or ends (Settle), and the mail-outbox Schedule mails what it could not.
const MailReminders = "mail-reminders"

// raise raises one reminder; each recipient with an address is then mailed (when SMTP is
// configured) without holding the step up: a mail server that refuses for a while delays the
// mail, not the course.
func (r *Runner) raise(ctx workflow.Context, in activities.RaiseReminderInput) error {
	var raised activities.RaiseReminderResult
	if err := Write(ctx, acts.RaiseReminder, in, &raised); err != nil {
		return fmt.Errorf("raise %s: %w", in.Kind, err)
	}
	v := workflow.GetVersion(ctx, MailReminders, workflow.DefaultVersion, 3)
	if !(v == 1 || (v >= 2 && raised.Mailing)) {
		return nil
	}
	opts := mailOptions
	if v >= 3 {
		opts = mailOptionsBounded
		r.mails++
	}
	mail := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), acts.MailReminders, activities.MailRemindersInput{Key: in.Key})
	workflow.Go(ctx, func(ctx workflow.Context) {
		if err := mail.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("mail reminder", "kind", in.Kind, "err", err)
		}
		if v >= 3 {
			r.mails--
		}
	})
	return nil
}

// invite records a meeting's calendar message in the outbox; when the workers mail, its mail
// step then runs like a reminder's (bounded, awaited by Settle, the mail-outbox Schedule mails
// what it could not), so a mail server that refuses never holds up or fails the workflow.
func (r *Runner) invite(ctx workflow.Context, in activities.InvitationsInput) error {
	var res activities.InvitationsResult
	if err := Write(ctx, acts.RecordInvitations, in, &res); err != nil {
		return fmt.Errorf("invitation %s: %w", in.Key, err)
	}
	if !res.Mailing {
		return nil
	}
	r.mails++
	mail := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, mailOptionsBounded), acts.MailInvitations, activities.MailInvitationsInput{Key: in.Key})
	workflow.Go(ctx, func(ctx workflow.Context) {
		if err := mail.Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("mail invitation", "key", in.Key, "err", err)
		}
		r.mails--
	})
	return nil
}

// Settle waits for the mail steps in flight: a workflow calls it before it continues as new or
// ends, so that none is dropped with the run.
func (r *Runner) Settle(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return r.mails == 0 })
}

// backoff is how long after its n-th failure a stuck effect is tried again.
func backoff(n int) time.Duration {
	d := RetryFirst
	for i := 1; i < n && d < RetryMax; i++ {
		d *= 2
	}
	return min(d, RetryMax)
}

// message is an effect's failure as the ledger keeps it: the application error's message (not
// the activity wrapper), one line of valid text, at most 500 characters.
func message(err error) string {
	msg := err.Error()
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		msg = appErr.Error()
	}
	msg = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\ufffd' {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(msg, " "))
	return domain.ClipRunes(msg, 500)
}
