package service

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/report"
	"tvp/words"
	"tvp/workflows/course"
	"tvp/workflows/schedules"
)

// DecisionIn is a committee's or the steering group's decision.
type DecisionIn struct {
	DecidedOn string              `json:"decided_on" binding:"required,datetime=2006-01-02"`
	Body      domain.DecisionBody `json:"body" binding:"required,code"`
	Title     string              `json:"title" binding:"required,max=500" text:"line"`
	Text      string              `json:"text" binding:"required,max=10000"`
}

func (d DecisionIn) decision(by string, changes ...domain.Change) domain.Decision {
	return domain.Decision{DecidedOn: day(d.DecidedOn), Body: d.Body, Title: d.Title, Text: d.Text, RecordedBy: by, Changes: changes}
}

// DecisionRecorded names a recorded decision.
type DecisionRecorded struct {
	ID int64 `json:"id"`
}

// AddDecision records a committee's or the steering group's decision in the register.
func (s *Service) AddDecision(ctx context.Context, by Caller, in DecisionIn) (DecisionRecorded, error) {
	if _, err := s.allow(ctx, by, domain.Programme, domain.DecisionsRecord); err != nil {
		return DecisionRecorded{}, err
	}
	if err := validate(&in); err != nil {
		return DecisionRecorded{}, err
	}
	id, err := s.store.AddDecision(ctx, in.decision(by.Actor.ID), decisionKey(by))
	return DecisionRecorded{ID: id}, err
}

// decisionKey makes recording a decision again with the same idempotency key record it once.
func decisionKey(by Caller) string {
	if by.Key == "" {
		return ""
	}
	return "request/" + by.Actor.ID + "/" + by.stepKey()
}

// DecisionListInput filters the register.
type DecisionListInput struct {
	TeamID string `json:"team" binding:"max=100" text:"line"`
}

// Decisions is the decisions register, newest first (with a team, those that changed the
// team). A team's lead sees the register but not decisions about another team's courses (an
// extension decided for a citizen); the read is audited with the citizens of the courses it
// shows.
func (s *Service) Decisions(ctx context.Context, by Caller, in DecisionListInput) ([]domain.Decision, error) {
	if _, err := s.allow(ctx, by, domain.Programme, domain.DecisionsRead); err != nil {
		return nil, err
	}
	if err := validate(&in); err != nil {
		return nil, err
	}
	all, err := s.store.ListDecisions(ctx, in.TeamID)
	if err != nil {
		return nil, err
	}
	out := []domain.Decision{}
	var citizens []string
	for _, d := range all {
		visible, cs, err := s.decisionVisible(ctx, by, d)
		if err != nil {
			return nil, err
		}
		if visible {
			out = append(out, d)
			citizens = append(citizens, cs...)
		}
	}
	if err := s.auditCitizens(ctx, by, domain.DecisionsRead.Audit(), domain.SubjectProgramme, "decisions", citizens, false,
		map[string]any{"criteria": in, "results": len(out)}); err != nil {
		return nil, err
	}
	return out, nil
}

// decisionVisible: the register is the steering group's (and an administrator's) whole; a
// team's lead sees a decision about a course only if they may read the course. It returns the
// citizens of the courses it names.
func (s *Service) decisionVisible(ctx context.Context, by Caller, d domain.Decision) (bool, []string, error) {
	whole := domain.May(by.Actor, domain.Programme, domain.DecisionsRecord)
	var citizens []string
	for _, ch := range d.Changes {
		if ch.CourseID == "" {
			continue
		}
		rec, err := s.store.GetCourse(ctx, ch.CourseID)
		if domain.ErrorCode(err) == domain.ENotFound {
			continue
		}
		if err != nil {
			return false, nil, err
		}
		if !whole && !domain.May(by.Actor, courseSubject(rec), domain.CourseRead) {
			return false, nil, nil
		}
		citizens = append(citizens, rec.CitizenIDs...)
	}
	return true, citizens, nil
}

// ReorganiseInput gives a team new settings from a date.
type ReorganiseInput struct {
	EffectiveFrom string              `json:"effective_from" binding:"required,datetime=2006-01-02"`
	Settings      domain.TeamSettings `json:"settings" binding:"required"`
	Decision      DecisionIn          `json:"decision" binding:"required"`
	// MoveRunning moves the team's open courses to the new terms as well (by the decision).
	MoveRunning bool `json:"move_running"`
}

// Reorganised says what a reorganisation did.
type Reorganised struct {
	DecisionID    int64    `json:"decision_id"`
	EffectiveFrom string   `json:"effective_from"`
	MovedCourses  []string `json:"moved_courses"`
}

// Reorganise gives a team new settings for courses referred from a date. Running courses keep
// their terms, unless the decision moves them (the steering group's alone): then each gets the
// new terms and end date, every open course of the team however many there are.
func (s *Service) Reorganise(ctx context.Context, by Caller, id string, in ReorganiseInput) (Reorganised, error) {
	team, _, err := s.teamFor(ctx, by, id, domain.TeamReorganise)
	if err != nil {
		return Reorganised{}, err
	}
	if err := validate(&in); err != nil {
		return Reorganised{}, err
	}
	if err := in.Settings.Validate(); err != nil {
		if f := domain.ErrorField(err); f != "" {
			err = domain.FieldError("settings."+f, "%s", domain.ErrorMessage(err))
		}
		return Reorganised{}, err
	}
	var open []domain.CourseRecord
	if in.MoveRunning {
		if open, err = s.openCourses(ctx, team.ID); err != nil {
			return Reorganised{}, err
		}
		for _, r := range open {
			if _, err := s.allow(ctx, by, courseSubject(r), domain.CourseApplyTerms); err != nil {
				return Reorganised{}, err
			}
		}
	}
	decisionID, err := s.store.AddDecision(ctx, in.Decision.decision(by.Actor.ID,
		domain.Change{Kind: domain.ChangeTeamSettings, TeamID: team.ID, Note: words.From(in.EffectiveFrom)}), decisionKey(by))
	if err != nil {
		return Reorganised{}, err
	}
	if err := s.store.AddSettingsVersion(ctx, team.ID, day(in.EffectiveFrom), in.Settings, decisionID); err != nil {
		return Reorganised{}, err
	}
	out := Reorganised{DecisionID: decisionID, EffectiveFrom: in.EffectiveFrom, MovedCourses: []string{}}
	for _, r := range open {
		var res course.StepResult
		step := by
		if step.Key != "" {
			step.Key = fmt.Sprintf("%s/terms/%s", by.Key, r.ID)
		}
		if err := s.update(ctx, step, course.WorkflowID(r.ID), course.UpdateApplyTerms,
			course.TermsRequest{Actor: by.Actor, Settings: in.Settings, DecisionID: decisionID}, &res); err != nil {
			if domain.ErrorCode(err) == domain.EPhase || domain.ErrorCode(s.courseError(ctx, r.ID, err)) == domain.EPhase {
				continue // closed meanwhile: nothing to move
			}
			return out, fmt.Errorf("move course %s to the new terms: %w", r.ID, err)
		}
		last := res.State.TermsChanges[len(res.State.TermsChanges)-1]
		if err := s.store.LinkDecision(ctx, decisionID, domain.Change{Kind: domain.ChangeCourseTerms, TeamID: team.ID, CourseID: r.ID,
			Note: "end " + last.OldEnd.Format(time.DateOnly) + " → " + res.State.PlannedEnd.Format(time.DateOnly)}); err != nil {
			return out, err
		}
		out.MovedCourses = append(out.MovedCourses, r.ID)
	}
	return out, nil
}

// PhaseOutInput stops new referrals to a team from a date.
type PhaseOutInput struct {
	From     string     `json:"from" binding:"required,datetime=2006-01-02"`
	Decision DecisionIn `json:"decision" binding:"required"`
}

// PhasedOut says from when a team takes no referrals.
type PhasedOut struct {
	DecisionID int64  `json:"decision_id"`
	From       string `json:"from"`
}

// PhaseOut stops new referrals to a team from a date; its open courses go on the team
// lead's worklist, and the team is closed when none is left.
func (s *Service) PhaseOut(ctx context.Context, by Caller, id string, in PhaseOutInput) (PhasedOut, error) {
	team, _, err := s.teamFor(ctx, by, id, domain.TeamPhaseOut)
	if err != nil {
		return PhasedOut{}, err
	}
	if err := validate(&in); err != nil {
		return PhasedOut{}, err
	}
	decisionID, err := s.store.AddDecision(ctx, in.Decision.decision(by.Actor.ID,
		domain.Change{Kind: domain.ChangePhaseOut, TeamID: team.ID, Note: words.From(in.From)}), decisionKey(by))
	if err != nil {
		return PhasedOut{}, err
	}
	if err := s.store.SetPhaseOut(ctx, team.ID, day(in.From), decisionID); err != nil {
		return PhasedOut{}, err
	}
	return PhasedOut{DecisionID: decisionID, From: in.From}, nil
}

// TargetIn is one approved success criterion.
type TargetIn struct {
	Key         domain.TargetKey `json:"key" binding:"required,code"`
	Target      float64          `json:"target" binding:"min=0"`
	Description string           `json:"description" binding:"max=2000"`
}

// TargetsInput are a team's targets, by a decision.
type TargetsInput struct {
	Targets  []TargetIn `json:"targets" binding:"required,min=1,max=10,dive"`
	Decision DecisionIn `json:"decision" binding:"required"`
}

// SetTargets records the targets and success criteria a committee approved for a team.
func (s *Service) SetTargets(ctx context.Context, by Caller, id string, in TargetsInput) (DecisionRecorded, error) {
	team, _, err := s.teamFor(ctx, by, id, domain.TeamTargets)
	if err != nil {
		return DecisionRecorded{}, err
	}
	if err := validate(&in); err != nil {
		return DecisionRecorded{}, err
	}
	decisionID, err := s.store.AddDecision(ctx, in.Decision.decision(by.Actor.ID, domain.Change{Kind: domain.ChangeTargets, TeamID: team.ID}), decisionKey(by))
	if err != nil {
		return DecisionRecorded{}, err
	}
	targets := make([]domain.Target, len(in.Targets))
	for i, t := range in.Targets {
		targets[i] = domain.Target{TeamID: team.ID, Key: t.Key, Target: t.Target, Description: t.Description}
	}
	if err := s.store.SetTargets(ctx, team.ID, targets, &decisionID); err != nil {
		return DecisionRecorded{}, err
	}
	return DecisionRecorded{ID: decisionID}, nil
}

// ReportInput is the date a report is as of (default: today).
type ReportInput struct {
	AsOf string `json:"as_of" binding:"omitempty,datetime=2006-01-02"`
}

func (s *Service) asOf(in ReportInput) time.Time {
	if in.AsOf == "" {
		return s.now()
	}
	return day(in.AsOf)
}

// readReports checks and audits a read of the programme's figures: counts, no citizen.
func (s *Service) readReports(ctx context.Context, by Caller, which string) error {
	if _, err := s.allow(ctx, by, domain.Programme, domain.ReportsRead); err != nil {
		return err
	}
	return s.auditCitizens(ctx, by, domain.ReportsRead.Audit(), domain.SubjectProgramme, which, nil, false, nil)
}

// StatusReport is the status report as of a date.
func (s *Service) StatusReport(ctx context.Context, by Caller, in ReportInput) (report.Status, error) {
	if err := s.readReports(ctx, by, "status"); err != nil {
		return report.Status{}, err
	}
	if err := validate(&in); err != nil {
		return report.Status{}, err
	}
	return report.Build(ctx, s.store, s.asOf(in))
}

// SteeringReport is each team's actual figures against its targets, and its resources.
func (s *Service) SteeringReport(ctx context.Context, by Caller, in ReportInput) (report.Steering, error) {
	if err := s.readReports(ctx, by, "steering"); err != nil {
		return report.Steering{}, err
	}
	if err := validate(&in); err != nil {
		return report.Steering{}, err
	}
	return report.BuildSteering(ctx, s.store, s.asOf(in))
}

// CommitteeReports lists the stored half-yearly reports.
func (s *Service) CommitteeReports(ctx context.Context, by Caller) ([]domain.StoredReport, error) {
	if err := s.readReports(ctx, by, "committee"); err != nil {
		return nil, err
	}
	return s.store.ListReports(ctx)
}

// CommitteeReport returns one stored report.
func (s *Service) CommitteeReport(ctx context.Context, by Caller, id string) (domain.StoredReport, error) {
	if err := s.readReports(ctx, by, "committee/"+domain.ClipRunes(printable(id), 20)); err != nil {
		return domain.StoredReport{}, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 {
		return domain.StoredReport{}, domain.Errorf(domain.ENotFound, "no report %q", domain.ClipRunes(printable(id), 20))
	}
	return s.store.GetReport(ctx, n)
}

// ProduceCommitteeReport runs the half-yearly report now, through its workflow.
func (s *Service) ProduceCommitteeReport(ctx context.Context, by Caller) (schedules.ReportResult, error) {
	if _, err := s.allow(ctx, by, domain.Programme, domain.ReportsProduce); err != nil {
		return schedules.ReportResult{}, err
	}
	tctx, cancel := s.temporalCtx(ctx)
	defer cancel()
	run, err := s.temporal.ExecuteWorkflow(tctx, client.StartWorkflowOptions{
		ID: schedules.CommitteeReportID + "-manual-" + strconv.FormatInt(s.now().Unix(), 10), TaskQueue: s.cfg.TaskQueue,
	}, schedules.StatusReportWorkflow, schedules.ReportInput{})
	if err != nil {
		return schedules.ReportResult{}, FromTemporal(err)
	}
	var res schedules.ReportResult
	if err := run.Get(tctx, &res); err != nil {
		return schedules.ReportResult{}, FromTemporal(err)
	}
	return res, nil
}
