package course

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/domain"
	"tvp/workflows"
)

// Workflow runs one borgerkonsulent course from referral to close.
func Workflow(ctx workflow.Context, in Input) (Result, error) {
	c := &course{}
	if err := c.setup(ctx, in); err != nil {
		return Result{}, err
	}
	return c.run(ctx)
}

type course struct {
	in    Input
	state State
	// dirty is set by handlers: the read model must be written.
	dirty bool
}

var acts *activities.Activities // nil: only its methods' names are used

func (c *course) setup(ctx workflow.Context, in Input) error {
	if err := validateInput(in); err != nil {
		return workflows.Failure(err)
	}
	c.in = in
	c.state = State{
		CourseID:      in.CourseID,
		TeamID:        in.TeamID,
		Kind:          in.Kind,
		Phase:         domain.PhaseActive,
		CitizenIDs:    in.CitizenIDs,
		ConsultantIDs: in.ConsultantIDs,
		Goals:         in.Goals,
		StartDate:     in.StartDate,
		PlannedEnd:    in.StartDate.Add(in.Settings.CourseLength.D()),
		ReferredBy:    in.ReferredBy,
		Revision:      1,
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func(StateQuery) (State, error) {
		return c.state, nil
	}); err != nil {
		return fmt.Errorf("register query: %w", err)
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateClose, c.close, workflow.UpdateHandlerOptions{
		Validator: func(ctx workflow.Context, req CloseRequest) error {
			return workflows.Failure(c.validateClose(ctx, req))
		},
	})
}

func (c *course) run(ctx workflow.Context) (Result, error) {
	if err := c.audit(ctx, c.in.ReferredBy, "course.referred", "referral", nil); err != nil {
		return Result{}, err
	}
	if err := c.save(ctx); err != nil {
		return Result{}, err
	}
	if err := workflow.Await(ctx, func() bool { return c.state.Phase == domain.PhaseClosed }); err != nil {
		return Result{}, err
	}
	if err := c.save(ctx); err != nil {
		return Result{}, err
	}
	// Let a handler that is still running finish before the workflow completes.
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return Result{}, err
	}
	return Result{Outcome: *c.state.Outcome, ClosedOn: *c.state.ClosedOn}, nil
}

// activityOptions: read-model writes retry until the database is back; nothing is lost.
var activityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    time.Minute,
	},
}

func (c *course) save(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions) // handlers get a context without it
	in := activities.SaveCourseInput{Course: c.state.Record()}
	if err := workflow.ExecuteActivity(ctx, acts.SaveCourse, in).Get(ctx, nil); err != nil {
		return fmt.Errorf("save course %s: %w", c.state.CourseID, err)
	}
	return nil
}

// audit appends one entry per citizen of the course. Its key is made of the workflow ID,
// the revision and the action, so a retry logs once.
func (c *course) audit(ctx workflow.Context, actor, action, purpose string, details map[string]any) error {
	ctx = workflow.WithActivityOptions(ctx, activityOptions)
	at := workflow.Now(ctx)
	entries := make([]domain.AuditEntry, 0, len(c.state.CitizenIDs))
	for _, cid := range c.state.CitizenIDs {
		entries = append(entries, domain.AuditEntry{
			At: at, ActorID: actor, Action: action, SubjectType: "course", SubjectID: c.state.CourseID,
			CitizenID: &cid, Purpose: purpose, Details: details,
			Key: fmt.Sprintf("%s/%d/%s/%s", WorkflowID(c.state.CourseID), c.state.Revision, action, cid),
		})
	}
	if err := workflow.ExecuteActivity(ctx, acts.Audit, activities.AuditInput{Entries: entries}).Get(ctx, nil); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

func (c *course) validateClose(ctx workflow.Context, req CloseRequest) error {
	if c.state.Phase == domain.PhaseClosed {
		return domain.Errorf(domain.EPhase, "the course is closed")
	}
	if !req.Outcome.Valid() {
		return domain.FieldError("outcome", "unknown outcome %q", req.Outcome)
	}
	if req.Date.Before(c.state.StartDate) {
		return domain.FieldError("date", "the course cannot close before it started (%s)", c.state.StartDate.Format(time.DateOnly))
	}
	return nil
}

func (c *course) close(ctx workflow.Context, req CloseRequest) (CloseResult, error) {
	c.state.Phase = domain.PhaseClosed
	c.state.Outcome = &req.Outcome
	c.state.ClosedOn = &req.Date
	c.state.NextDeadline, c.state.NextAction = nil, ""
	c.state.Revision++
	if err := c.audit(ctx, req.Actor.ID, "course.closed", "close", map[string]any{"outcome": req.Outcome}); err != nil {
		return CloseResult{}, err
	}
	return CloseResult{State: c.state}, nil
}

func validateInput(in Input) error {
	switch {
	case in.CourseID == "":
		return domain.FieldError("course_id", "is required")
	case in.TeamID == "":
		return domain.FieldError("team_id", "is required")
	case len(in.CitizenIDs) == 0:
		return domain.FieldError("citizens", "at least one citizen is required")
	case in.StartDate.IsZero():
		return domain.FieldError("start_date", "is required")
	}
	return in.Settings.Validate()
}
