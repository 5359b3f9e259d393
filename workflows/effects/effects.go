// Package effects runs the side effects that TVP's workflows share (the read model, reminders
// and their mail, the audit log, completing inbox items) with one set of options, and keeps
// the rule that data and effects never fail a workflow: an effect that fails after its step
// was accepted is kept in the workflow's state as a stuck effect (shown in its query and the
// read model, raised to the administrators, counted as a metric) and retried, with a long
// backoff and when an administrator asks, while the workflow keeps its timers (runner.go).
package effects

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"reflect"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
)

var acts *activities.Activities // nil: only its methods' names are used

// ActivityOptions are the options of an ordinary TVP activity call.
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

// mailOptionsBounded are the mail step's options since version 3 of mail-reminders: the
// workflow awaits the step before it continues as new or ends, so the step is bounded; a mail
// server that refuses for longer leaves the item to the outbox's sweep (the mail-outbox
// Schedule).
var mailOptionsBounded = workflow.ActivityOptions{
	StartToCloseTimeout:    2 * time.Minute,
	ScheduleToCloseTimeout: 10 * time.Minute,
	HeartbeatTimeout:       20 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		MaximumAttempts:    20,
	},
}

// Do runs an activity with TVP's options (update handlers get a context without them).
func Do(ctx workflow.Context, activity, in, out any) error {
	ctx = workflow.WithActivityOptions(ctx, ActivityOptions)
	return workflow.ExecuteActivity(ctx, activity, in).Get(ctx, out)
}

// localOptions are the options of a step's writes run as local activities: each attempt
// bounded, retried (with the workflow's own timers for the longer waits) until the database is
// back, for at most ten minutes and twenty-five attempts; after that the write is a stuck
// effect, retried by the workflow with a long backoff.
var localOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    ActivityOptions.StartToCloseTimeout,
	ScheduleToCloseTimeout: 10 * time.Minute,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
		MaximumAttempts:    25,
	},
}

// boundedOptions are localOptions for an ordinary activity: a write made by one (an audit after
// its step's acceptance, AuditAccepted) becomes a stuck effect after as long as a local one.
var boundedOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    localOptions.StartToCloseTimeout,
	ScheduleToCloseTimeout: localOptions.ScheduleToCloseTimeout,
	RetryPolicy:            localOptions.RetryPolicy,
}

// doBounded runs one of a step's writes as an ordinary activity with boundedOptions.
func doBounded(ctx workflow.Context, activity, in, out any) error {
	ctx = workflow.WithActivityOptions(ctx, boundedOptions)
	return workflow.ExecuteActivity(ctx, activity, in).Get(ctx, out)
}

// LocalWrites is the change (GetVersion) from which a step's writes run as local activities.
const LocalWrites = "local-writes"

// Write runs one of a step's writes (the read model, the inbox, the audit log): short,
// idempotent, to TVP's own database. Since version 1 of LocalWrites it runs as a local
// activity, inside the workflow task that asks for it, with no round trip through the
// server's task queues (a step with three writes took about 200 ms on the dev server, for the
// dispatch alone); histories from before replay with ordinary activities.
//
// The SDK hands a local activity its input as the value it was given, not as a copy: a write
// of the workflow's state would read the state's slices from the activity's goroutine while an
// Update handler changes them (a data race the race detector found). So the input is copied
// first, through the data converter, into the value an ordinary activity would have received.
func Write(ctx workflow.Context, activity, in, out any) error {
	if workflow.GetVersion(ctx, LocalWrites, workflow.DefaultVersion, 1) == 1 {
		own, err := snapshot(in)
		if err != nil {
			return fmt.Errorf("copy the input of a write: %w", err)
		}
		ctx = workflow.WithLocalActivityOptions(ctx, localOptions)
		return workflow.ExecuteLocalActivity(ctx, activity, own).Get(ctx, out)
	}
	return Do(ctx, activity, in, out)
}

// snapshot returns a deep copy of v, made by the data converter as an activity's input is.
func snapshot(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	dc := converter.GetDefaultDataConverter()
	p, err := dc.ToPayload(v)
	if err != nil {
		return nil, err
	}
	t := reflect.TypeOf(v)
	cp := reflect.New(t)
	if err := dc.FromPayload(p, cp.Interface()); err != nil {
		return nil, err
	}
	return cp.Elem().Interface(), nil
}

// ScheduledFor is when an occasion due at falls due, as its reminder records it: at, or now if
// the workflow learns of it only after at (a step that makes it due at once).
func ScheduledFor(ctx workflow.Context, at time.Time) time.Time {
	if now := workflow.Now(ctx); at.Before(now) {
		return now
	}
	return at
}

// Kind is what an effect writes.
type Kind string

// Kinds of effect. KindSave and the kinds a workflow defines itself are made by the
// workflow's own Apply; the others by Runner.Common.
const (
	KindSave     Kind = "save"     // the workflow's read model, at its newest revision
	KindAudit    Kind = "audit"    // audit entries
	KindRaise    Kind = "raise"    // a reminder in its recipients' inboxes (and its mail)
	KindComplete Kind = "complete" // open reminders marked done
	KindReassign Kind = "reassign" // open reminders handed to someone else
	KindInvite   Kind = "invite"   // a meeting's calendar message (and its mail)
)

// SaveKey is the key of the save effect: one per workflow, since a save writes the newest state.
const SaveKey = "save"

// Effect is one write that a workflow asks for, complete enough to be made again later.
type Effect struct {
	Kind Kind `json:"kind"`
	// Key identifies the effect within its workflow: a failure of the same effect again updates
	// its record instead of adding one.
	Key      string                             `json:"key"`
	Audit    *activities.AuditInput             `json:"audit,omitempty"`
	Raise    *activities.RaiseReminderInput     `json:"raise,omitempty"`
	Complete *activities.CompleteRemindersInput `json:"complete,omitempty"`
	Reassign *activities.ReassignRemindersInput `json:"reassign,omitempty"`
	Pause    *activities.TeamPauseInput         `json:"pause,omitempty"`
	Courses  *activities.UpdateTeamCoursesInput `json:"courses,omitempty"`
	Invite   *activities.InvitationsInput       `json:"invite,omitempty"`
	// Accepted: an audit made by an ordinary activity, not a local one (AuditAccepted).
	Accepted bool `json:"accepted,omitempty"`
}

// Save is the effect that writes the workflow's read model (the workflow's Apply makes it).
func Save() Effect { return Effect{Kind: KindSave, Key: SaveKey} }

// StepKey is the key of the step being taken, from which its audit entries' keys are made
// (Audit's keyPrefix), so that the step is logged once however often it is run. A step's writes
// are made inside the workflow task that runs it (local activities), and a workflow task can be
// lost after they were made (its worker killed, the task failed or timed out, the server's
// update registry cleared); the step is then run again by a later task, or sent again by the
// client with its Idempotency-Key after an answer of 503. That run may take the step at another
// revision than the lost one did: the Updates that arrived meanwhile are handled first (the SDK
// runs Update handlers before the workflow's main coroutine), and other steps and timers may
// have been applied in between; so a key made of the revision logged the step twice (issue 30).
// The key is, in this order: the name the step was given (WithStep: a workflow's first step, a
// signal's), the ID of the Update whose handler takes it (the same each time the Update is
// delivered or sent again), or else the revision it made.
func StepKey(ctx workflow.Context, workflowID string, rev int64) string {
	if name, ok := ctx.Value(stepNameKey{}).(string); ok && name != "" {
		return workflowID + "/" + name
	}
	if id := updateID(ctx); id != "" {
		// The ID carries the caller and their Idempotency-Key (up to 200 characters): hashed,
		// the log's key has a fixed length and no text the client chose.
		sum := sha256.Sum256([]byte(id))
		return workflowID + "/update/" + hex.EncodeToString(sum[:16])
	}
	return fmt.Sprintf("%s/%d", workflowID, rev)
}

type stepNameKey struct{}

// WithStep names the step taken under ctx (StepKey): a name that the workflow gives that step
// only, whichever task takes it and at whatever revision, such as "start" for its first step or
// "pause/<pause id>" for a signal's.
func WithStep(ctx workflow.Context, name string) workflow.Context {
	return workflow.WithValue(ctx, stepNameKey{}, name)
}

// updateID is the ID of the Update whose handler ctx belongs to, or "" outside one (where the
// SDK's GetCurrentUpdateInfo panics).
func updateID(ctx workflow.Context) (id string) {
	defer func() {
		if recover() != nil {
			id = ""
		}
	}()
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil {
		return info.ID
	}
	return ""
}

// Audit is the effect that appends one entry per citizen; keyPrefix (StepKey: the step's name
// or Update ID, or its revision) makes a retry, and the same step run again, append nothing.
func Audit(ctx workflow.Context, keyPrefix string, e domain.AuditEntry, citizenIDs []string) Effect {
	e.At = workflow.Now(ctx)
	entries := make([]domain.AuditEntry, 0, len(citizenIDs))
	for _, cid := range citizenIDs {
		x := e
		x.CitizenID = &cid
		x.Key = keyPrefix + "/" + string(e.Action) + "/" + cid
		entries = append(entries, x)
	}
	return Effect{Kind: KindAudit, Key: "audit/" + keyPrefix + "/" + string(e.Action), Audit: &activities.AuditInput{Entries: entries},
		Accepted: AfterAcceptance(ctx)}
}

// AuditAccepted is the change (GetVersion) from which the audit entries of a step taken in an
// Update's handler are appended by an ordinary activity, not a local one (Effect.Accepted). A
// local activity is made inside the workflow task that runs the handler, before the Update's
// acceptance is recorded: a task lost then (its worker killed, its completion refused, the
// server's update registry cleared) left a row for a step that, delivered again, could be
// refused (issue 30: a meeting scheduled for a time that had passed by then had its row, and the
// client was answered 422). An ordinary activity is scheduled by a command of the task's
// completion, the same that records the acceptance: it runs only for a step that the history
// has. It costs the step a dispatch through the server (tens of milliseconds on the dev server;
// a timer to wait for the acceptance costs a second there).
const AuditAccepted = "audit-accepted"

// AfterAcceptance reports whether a step's audit is appended by an ordinary activity, after the
// acceptance of its Update is recorded: in an Update's handler, from AuditAccepted on. A step
// then appends it first, so that its other writes (the read model, the inbox: local activities)
// are made after it, for a step that the history has, too.
func AfterAcceptance(ctx workflow.Context) bool {
	if updateID(ctx) == "" {
		return false
	}
	return workflow.GetVersion(ctx, AuditAccepted, workflow.DefaultVersion, 1) == 1
}

// Raise is the effect that raises one reminder now; in.Key must identify the occasion.
func Raise(ctx workflow.Context, in activities.RaiseReminderInput) Effect {
	in.RaisedAt = workflow.Now(ctx)
	return Effect{Kind: KindRaise, Key: "raise/" + in.Key, Raise: &in}
}

// Complete is the effect that marks a subject's open reminders of the kinds (all kinds if none)
// done.
func Complete(ctx workflow.Context, subjectType domain.SubjectType, subjectID string, kinds ...domain.ReminderKind) Effect {
	in := activities.CompleteRemindersInput{SubjectType: subjectType, SubjectID: subjectID, Kinds: kinds, At: workflow.Now(ctx)}
	key := fmt.Sprintf("complete/%s/%s/%d", subjectType, subjectID, in.At.UnixNano())
	for _, k := range kinds {
		key += "/" + string(k)
	}
	return Effect{Kind: KindComplete, Key: key, Complete: &in}
}

// CompleteOccasions is the effect that marks done the open items of the occasions whose keys
// start with the prefixes: precise where a step answers one occasion while the workflow may
// already raise the next one of the same kind.
func CompleteOccasions(ctx workflow.Context, prefixes ...string) Effect {
	in := activities.CompleteRemindersInput{KeyPrefixes: prefixes, At: workflow.Now(ctx)}
	key := fmt.Sprintf("complete/%d", in.At.UnixNano())
	for _, p := range prefixes {
		key += "|" + p
	}
	return Effect{Kind: KindComplete, Key: key, Complete: &in}
}

// Reassign is the effect that hands one person's open items about a subject to another.
func Reassign(ctx workflow.Context, in activities.ReassignRemindersInput) Effect {
	return Effect{Kind: KindReassign, Key: fmt.Sprintf("reassign/%s/%s/%d", in.From, in.To, workflow.Now(ctx).UnixNano()), Reassign: &in}
}

// Invite is the effect that makes a meeting's calendar message and mails it to its
// recipients; in.Key must identify the message.
func Invite(in activities.InvitationsInput) Effect {
	return Effect{Kind: KindInvite, Key: "invite/" + in.Key, Invite: &in}
}
