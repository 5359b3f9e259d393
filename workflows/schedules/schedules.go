// Package schedules holds the jobs that TVP's Temporal Schedules run, and the Schedules
// themselves: the daily deletion of expired audit entries and of expired idempotent answers,
// the coordinators' daily digest, the half-yearly status report for the committees, and the
// sweep of the mail outbox. Each job is a short workflow over one activity; a run that fails is
// retried by its activity's policy and, after that, by the next run. The calendars run in
// Europe/Copenhagen (the municipality's day), worker.EnsureSchedulesWith keeps each
// Schedule's timing and action as they are here.
package schedules

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
)

// The Schedules' IDs; a Schedule's workflow runs get IDs starting with it.
const (
	AuditRetentionID   = "audit-retention"
	DigestID           = "coordinator-digest"
	CommitteeReportID  = "committee-report"
	IdempotencySweepID = "idempotency-sweep"
	MailOutboxID       = "mail-outbox"
	HandOverID         = "reminder-handover"
)

// MailOutboxEvery is how often the mail outbox is swept (what a workflow's own mail step could
// not send goes out within this much after).
const MailOutboxEvery = 5 * time.Minute

var acts *activities.Activities // nil: only its methods' names are used

// Settings are what the Schedules take from the configuration.
type Settings struct {
	TaskQueue      string
	AuditRetention domain.Duration // TVP_AUDIT_RETENTION
	IdempotencyTTL domain.Duration // TVP_IDEMPOTENCY_TTL
}

// Schedule is one of TVP's Schedules: its ID, when it runs, and what it starts.
type Schedule struct {
	ID     string
	Spec   client.ScheduleSpec
	Action *client.ScheduleWorkflowAction
}

// All returns TVP's Schedules with the settings.
func All(s Settings) []Schedule {
	at := func(hour, minute int) client.ScheduleSpec { // daily, at a Copenhagen time
		return client.ScheduleSpec{TimeZoneName: domain.TimeZone, Calendars: []client.ScheduleCalendarSpec{{
			Hour: []client.ScheduleRange{{Start: hour}}, Minute: []client.ScheduleRange{{Start: minute}}, Second: []client.ScheduleRange{{Start: 0}},
		}}}
	}
	hourly := func(minute int) client.ScheduleSpec { // every hour, at the minute (Copenhagen)
		return client.ScheduleSpec{TimeZoneName: domain.TimeZone, Calendars: []client.ScheduleCalendarSpec{{
			Hour: []client.ScheduleRange{{Start: 0, End: 23}}, Minute: []client.ScheduleRange{{Start: minute}}, Second: []client.ScheduleRange{{Start: 0}},
		}}}
	}
	halfYearly := client.ScheduleSpec{TimeZoneName: domain.TimeZone, Calendars: []client.ScheduleCalendarSpec{{
		Month: []client.ScheduleRange{{Start: 1}, {Start: 7}}, DayOfMonth: []client.ScheduleRange{{Start: 1}},
		Hour: []client.ScheduleRange{{Start: 6}}, Minute: []client.ScheduleRange{{Start: 0}}, Second: []client.ScheduleRange{{Start: 0}},
	}}}
	action := func(id string, wf any, arg any) *client.ScheduleWorkflowAction {
		return &client.ScheduleWorkflowAction{ID: id, Workflow: wf, TaskQueue: s.TaskQueue, Args: []any{arg}}
	}
	return []Schedule{
		{AuditRetentionID, at(2, 15), action(AuditRetentionID, AuditRetentionWorkflow, RetentionInput{Retention: s.AuditRetention})},
		{IdempotencySweepID, at(2, 45), action(IdempotencySweepID, IdempotencySweepWorkflow, IdempotencyInput{TTL: s.IdempotencyTTL})},
		{DigestID, at(7, 0), action(DigestID, DigestWorkflow, DigestInput{Role: domain.RoleCoordinator})},
		{CommitteeReportID, halfYearly, action(CommitteeReportID, StatusReportWorkflow, ReportInput{})},
		{HandOverID, hourly(1), action(HandOverID, HandOverWorkflow, HandOverInput{})},
		{MailOutboxID, client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: MailOutboxEvery}}},
			action(MailOutboxID, MailOutboxWorkflow, MailOutboxInput{Limit: 500})},
	}
}

// jobOptions: a job's activity, bounded; what it could not do is done by the next run.
func jobOptions(startToClose, heartbeat time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: startToClose,
		HeartbeatTimeout:    heartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    5 * time.Minute,
			MaximumAttempts:    8,
		},
	}
}

func run(ctx workflow.Context, opts workflow.ActivityOptions, activity, in, out any) error {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), activity, in).Get(ctx, out)
}

// RetentionInput says how long audit entries are kept.
type RetentionInput struct {
	Retention domain.Duration `json:"retention"`
}

// RetentionResult says how many entries were deleted and the limit used.
type RetentionResult struct {
	Deleted int64     `json:"deleted"`
	Before  time.Time `json:"before"`
}

// AuditRetentionWorkflow deletes the audit entries older than the retention (default six
// months, Datatilsynet's guidance).
func AuditRetentionWorkflow(ctx workflow.Context, in RetentionInput) (RetentionResult, error) {
	if in.Retention <= 0 {
		return RetentionResult{}, fmt.Errorf("retention must be positive")
	}
	before := workflow.Now(ctx).Add(-in.Retention.D())
	var out activities.DeleteExpiredAuditResult
	if err := run(ctx, jobOptions(10*time.Minute, 0), acts.DeleteExpiredAudit, activities.DeleteExpiredAuditInput{Before: before}, &out); err != nil {
		return RetentionResult{}, fmt.Errorf("delete expired audit entries: %w", err)
	}
	return RetentionResult{Deleted: out.Deleted, Before: before}, nil
}

// IdempotencyInput says how long an idempotent answer is given again.
type IdempotencyInput struct {
	TTL domain.Duration `json:"ttl"`
}

// IdempotencyResult says how many answers were deleted and the limit used.
type IdempotencyResult struct {
	Deleted int64     `json:"deleted"`
	Before  time.Time `json:"before"`
}

// IdempotencySweepWorkflow deletes the Idempotency-Key answers older than their time to live.
func IdempotencySweepWorkflow(ctx workflow.Context, in IdempotencyInput) (IdempotencyResult, error) {
	if in.TTL <= 0 {
		return IdempotencyResult{}, fmt.Errorf("the idempotency TTL must be positive")
	}
	before := workflow.Now(ctx).Add(-in.TTL.D())
	var out activities.DeleteExpiredIdempotencyKeysResult
	if err := run(ctx, jobOptions(5*time.Minute, 0), acts.DeleteExpiredIdempotencyKeys, activities.DeleteExpiredIdempotencyKeysInput{Before: before}, &out); err != nil {
		return IdempotencyResult{}, fmt.Errorf("delete expired idempotency keys: %w", err)
	}
	return IdempotencyResult{Deleted: out.Deleted, Before: before}, nil
}

// DigestInput says whose digest to send.
type DigestInput struct {
	Role domain.Role `json:"role"`
}

// DigestResult counts the mails.
type DigestResult struct {
	Mailed int `json:"mailed"`
}

// DigestWorkflow mails the day's digests; the day is part of each digest's claim, so a retried
// or repeated run mails nobody twice. The activity heartbeats after each mail.
func DigestWorkflow(ctx workflow.Context, in DigestInput) (DigestResult, error) {
	if in.Role == "" {
		in.Role = domain.RoleCoordinator
	}
	day := workflow.Now(ctx).UTC().Format(time.DateOnly)
	var out activities.SendDigestsResult
	if err := run(ctx, jobOptions(30*time.Minute, time.Minute), acts.SendDigests, activities.SendDigestsInput{Role: in.Role, Day: day}, &out); err != nil {
		return DigestResult{}, fmt.Errorf("send digests: %w", err)
	}
	return DigestResult{Mailed: out.Mailed}, nil
}

// ReportInput is empty: the period is the half-year that ended last.
type ReportInput struct{}

// ReportResult names the stored report.
type ReportResult struct {
	ReportID int64 `json:"report_id"`
}

// StatusReportWorkflow produces and stores the status report of the half-year that ended last,
// for the committees (SSU, BUL, AET, ØU) and the steering group.
func StatusReportWorkflow(ctx workflow.Context, _ ReportInput) (ReportResult, error) {
	from, to := domain.HalfYearBefore(workflow.Now(ctx))
	var out activities.ProduceStatusReportResult
	if err := run(ctx, jobOptions(5*time.Minute, 0), acts.ProduceStatusReport, activities.ProduceStatusReportInput{From: from, To: to}, &out); err != nil {
		return ReportResult{}, fmt.Errorf("produce report: %w", err)
	}
	return ReportResult{ReportID: out.ReportID}, nil
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

// MailOutboxWorkflow mails the reminders raised to be mailed that no workflow's mail step has
// mailed (each item is claimed before it is sent: nothing goes twice while a step sends too).
func MailOutboxWorkflow(ctx workflow.Context, in MailOutboxInput) (MailOutboxResult, error) {
	var out activities.MailOutboxResult
	if err := run(ctx, jobOptions(10*time.Minute, time.Minute), acts.MailOutbox, activities.MailOutboxInput{Limit: in.Limit}, &out); err != nil {
		return MailOutboxResult{}, fmt.Errorf("sweep the mail outbox: %w", err)
	}
	return MailOutboxResult{Mailed: out.Mailed, Left: out.Left}, nil
}

// HandOverInput is empty: the hand-over is for the day of the run.
type HandOverInput struct{}

// HandOverResult says how many open reminders changed hands, and on which day.
type HandOverResult struct {
	Moved int64  `json:"moved"`
	Day   string `json:"day"`
}

// HandOverWorkflow gives every open reminder to whoever holds its owner's reminders today: to
// the stand-in when an absence has begun, back when it has ended. It runs every hour (the first
// run after midnight starts and ends the day's absences); recording or cancelling an absence
// hands over at once, and each run puts right whatever an earlier one missed.
func HandOverWorkflow(ctx workflow.Context, _ HandOverInput) (HandOverResult, error) {
	day := domain.DayIn(workflow.Now(ctx))
	var out activities.HandOverRemindersResult
	if err := run(ctx, jobOptions(5*time.Minute, 0), acts.HandOverReminders, activities.HandOverRemindersInput{Day: day}, &out); err != nil {
		return HandOverResult{}, fmt.Errorf("hand over reminders: %w", err)
	}
	return HandOverResult{Moved: out.Moved, Day: day}, nil
}
