package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/store"
	"tvp/words"
	"tvp/workflows/course"
)

// CitizenIn is a person referred or enrolled.
type CitizenIn struct {
	// CPR is used only to recognise the citizen (a keyed hash); it is never stored or sent on.
	CPR       string `json:"cpr" binding:"required" text:"line"`
	Name      string `json:"name" binding:"required,max=200" text:"line"`
	BirthDate string `json:"birth_date" binding:"omitempty,datetime=2006-01-02"`
}

// GoalIn is one goal of a referral.
type GoalIn struct {
	Text string `json:"text" binding:"required,max=2000"`
}

// ReferInput is a referral of a citizen or a family to a team.
type ReferInput struct {
	TeamID        string      `json:"team_id" binding:"required,max=100" text:"line"`
	Citizens      []CitizenIn `json:"citizens" binding:"required,min=1,max=12,dive"`
	ConsultantIDs []string    `json:"consultant_ids" binding:"required,min=1,max=3,dive,required,max=100"`
	StartDate     string      `json:"start_date" binding:"required,datetime=2006-01-02"`
	Goals         []GoalIn    `json:"goals" binding:"required,min=1,max=20,dive"`
	// CaseloadOverrideReason lets the team's lead assign consultants beyond the team's norm.
	CaseloadOverrideReason string `json:"caseload_override_reason" binding:"max=2000"`
}

// Refer refers a citizen or a family to a team (visitation): the referral rules are decided
// and the course reserved in one transaction (domain.DecideReferral, store.Refer), then its
// workflow starts. The same idempotency key from the same caller refers once.
func (s *Service) Refer(ctx context.Context, by Caller, in ReferInput) (Created, error) {
	// The team first (a name, not a secret), then who may refer to it, then the rest. The
	// referral's transaction reads the team again (store.Refer), so a referral that may go
	// ahead does not read it here.
	if checkName("team", in.TeamID) != nil {
		return Created{}, validate(&in)
	}
	team := domain.TeamSubject(in.TeamID)
	if _, refused := domain.Access(by.Actor, team, domain.CourseRefer); refused != nil || validate(&in) != nil {
		if _, err := s.store.GetTeam(ctx, in.TeamID); domain.ErrorCode(err) == domain.ENotFound {
			return Created{}, domain.FieldError("team_id", "team %q does not exist", printable(in.TeamID))
		} else if err != nil {
			return Created{}, err
		}
		if _, err := s.allow(ctx, by, team, domain.CourseRefer); err != nil {
			return Created{}, err
		}
		return Created{}, validate(&in)
	}
	start := day(in.StartDate)
	citizens := make([]store.NewCitizen, len(in.Citizens))
	seen := map[string]bool{}
	for i, ci := range in.Citizens {
		field := fmt.Sprintf("citizens[%d].cpr", i)
		cpr, err := domain.NormalizeCPR(ci.CPR)
		if err != nil {
			return Created{}, domain.FieldError(field, "%s", domain.ErrorMessage(err))
		}
		if seen[cpr] {
			return Created{}, domain.FieldError(field, "the same person is named twice")
		}
		seen[cpr] = true
		citizens[i] = store.NewCitizen{ID: newID(by, fmt.Sprintf("citizen/%d", i)), Hash: domain.CPRHash(s.cfg.CPRPepper, cpr),
			Previous: s.previousCPRHash(cpr), Name: ci.Name}
		if ci.BirthDate != "" {
			b := ci.BirthDate
			citizens[i].BirthDate = &b
		}
	}
	goals := make([]course.Goal, len(in.Goals))
	for i, g := range in.Goals {
		goals[i] = course.Goal{ID: fmt.Sprintf("g%d", i+1), Text: g.Text}
	}
	wf := course.Input{
		CourseID: newID(by, "course"), TeamID: in.TeamID, ConsultantIDs: in.ConsultantIDs,
		StartDate: start, Goals: goals, ReferredBy: by.Actor.ID,
	}
	req := domain.ReferralRequest{TeamID: in.TeamID, StartDate: start, ConsultantIDs: in.ConsultantIDs,
		Citizens: len(in.Citizens), OverrideReason: in.CaseloadOverrideReason}
	rec := domain.CourseRecord{ID: wf.CourseID, WorkflowID: course.WorkflowID(wf.CourseID), TeamID: in.TeamID,
		Phase: domain.PhaseActive, StartDate: start, ReferredBy: by.Actor.ID, ConsultantIDs: in.ConsultantIDs}
	reserved, err := s.store.Refer(ctx, store.Referral{Course: rec, Citizens: citizens, Today: s.now(),
		// The reservation takes the team's settings for the start date.
		Plan: func(t domain.Team) domain.CourseRecord {
			r := rec
			r.Kind, r.PlannedEnd = t.TargetGroup, t.Settings.CourseLength.After(start)
			return r
		}},
		func(f domain.ReferralFacts) ([]domain.CaseloadOverride, error) {
			return domain.DecideReferral(by.Actor, req, f)
		})
	if err != nil {
		return Created{}, s.referralRefused(ctx, by, err)
	}
	wf.Kind, wf.Settings, wf.CitizenIDs = reserved.Team.TargetGroup, reserved.Team.Settings, reserved.CitizenIDs
	// A repeated referral starts its workflow again if the first request died before it did;
	// a workflow that runs (or ran) already is the same course.
	if err := s.startCourse(ctx, wf, reserved.Created); err != nil {
		return Created{}, err
	}
	return Created{ID: wf.CourseID, New: reserved.Created}, nil
}

// referralRefused says why a referral was refused, telling of an existing course only a
// caller who may read it; a refusal about a known citizen is in that citizen's access log.
func (s *Service) referralRefused(ctx context.Context, by Caller, err error) error {
	var dup *domain.DuplicateCourse
	if !errors.As(err, &dup) {
		return err
	}
	field := dup.Field
	if dup.CourseID == "" {
		return &domain.Error{Code: domain.EConflict, Field: field, Message: "the citizen cannot be referred to this team now: the team works with them already"}
	}
	rec, gerr := s.store.GetCourse(ctx, dup.CourseID)
	if gerr != nil {
		return gerr
	}
	subj := courseSubject(rec)
	if aerr := s.audit(ctx, by, domain.CourseRefer.Audit(), subj, true, map[string]any{"reason": "active course in the team"}); aerr != nil {
		return aerr
	}
	if domain.May(by.Actor, subj, domain.CourseRead) {
		return &domain.Error{Code: domain.EConflict, Field: field, Message: fmt.Sprintf("the citizen already has an active course in this team (%s)", dup.CourseID)}
	}
	return &domain.Error{Code: domain.EConflict, Field: field, Message: "the citizen cannot be referred to this team now: the team works with them already; ask the team's lead"}
}

// startCourse starts a reserved course's workflow; if a new one surely did not start, the
// reservation is released so that the citizen can be referred again.
func (s *Service) startCourse(ctx context.Context, in course.Input, isNew bool) error {
	tctx, cancel := s.temporalCtx(ctx)
	defer cancel()
	_, err := s.temporal.ExecuteWorkflow(tctx, client.StartWorkflowOptions{
		ID:                       course.WorkflowID(in.CourseID),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, course.CourseWorkflow, in)
	if err != nil {
		err = FromTemporal(err)
		if !isNew && domain.ErrorCode(err) == domain.EConflict {
			return nil // it ran and has closed: the same course
		}
		if isNew && domain.ErrorCode(err) != domain.ETimeout {
			if rerr := s.store.ReleaseReservation(context.WithoutCancel(ctx), in.CourseID); rerr != nil {
				s.log.ErrorContext(ctx, "release reservation", "course", in.CourseID, "err", rerr)
			}
		}
		return fmt.Errorf("start course: %w", err)
	}
	return nil
}

func courseSubject(r domain.CourseRecord) domain.Subject {
	return domain.CourseSubject(r.ID, r.TeamID, r.ConsultantIDs, r.ExtensionRequested, r.CitizenIDs)
}

// courseFor returns the course's read-model row and the caller's view of it for the action,
// or a refusal (audited). A course that does not exist is ENotFound.
func (s *Service) courseFor(ctx context.Context, by Caller, id string, act domain.Action) (domain.CourseRecord, domain.View, error) {
	if err := checkID("course", id); err != nil {
		return domain.CourseRecord{}, domain.ViewNone, err
	}
	rec, err := s.store.GetCourse(ctx, id)
	if err != nil {
		return rec, domain.ViewNone, err
	}
	v, err := s.allow(ctx, by, courseSubject(rec), act)
	return rec, v, err
}

// Course reads a course: from its workflow while it runs, from the read model once it has
// closed. The read is audited; the answer is cut to the caller's view.
func (s *Service) Course(ctx context.Context, by Caller, id string) (CourseView, error) {
	rec, v, err := s.courseFor(ctx, by, id, domain.CourseRead)
	if err != nil {
		return CourseView{}, err
	}
	if err := s.audit(ctx, by, domain.CourseRead.Audit(), courseSubject(rec), false, viewDetails(v)); err != nil {
		return CourseView{}, err
	}
	st, err := s.courseState(ctx, rec)
	if err != nil {
		return CourseView{}, err
	}
	out := courseView(st, v)
	if st.Phase != domain.PhaseClosed {
		out.Can = can(by.Actor, courseSubject(rec), courseSteps...)
	}
	if v == domain.ViewFull {
		out.Names, err = s.names(ctx, by, st.CitizenIDs)
	}
	return out, err
}

// viewDetails records a view narrower than the whole in the audit entry.
func viewDetails(v domain.View) map[string]any {
	if v == domain.ViewFull {
		return nil
	}
	return map[string]any{"view": string(v)}
}

// courseState is the course's state: its workflow's, or the read model's once it has closed.
func (s *Service) courseState(ctx context.Context, rec domain.CourseRecord) (course.State, error) {
	if rec.Phase == domain.PhaseClosed {
		full, err := s.store.GetCourseRecords(ctx, rec)
		if err != nil {
			return course.State{}, err
		}
		return stateFromRecord(full), nil
	}
	var st course.State
	if err := s.query(ctx, course.WorkflowID(rec.ID), course.QueryState, course.StateQuery{}, &st); err != nil {
		return course.State{}, s.courseError(ctx, rec.ID, err)
	}
	return st, nil
}

// courseError explains a Temporal error about a course: a course whose workflow is gone is
// closed (wrong phase) or unknown (not found).
func (s *Service) courseError(ctx context.Context, id string, err error) error {
	if domain.ErrorCode(err) != domain.ENotFound {
		return err
	}
	rec, rerr := s.store.GetCourse(ctx, id)
	if rerr == nil && rec.Phase == domain.PhaseClosed {
		return domain.Errorf(domain.EPhase, "the course is closed")
	}
	return domain.Errorf(domain.ENotFound, "course %s does not exist", id)
}

// courseStep runs a step of a course as an Update: the access rule for it first, then the
// input's check (in), then the Update that step makes of it; the answer is the course as the
// caller may read it.
func (s *Service) courseStep(ctx context.Context, by Caller, id string, act domain.Action, in any, step func() (name string, arg any, err error)) (CourseView, error) {
	rec, _, err := s.courseFor(ctx, by, id, act)
	if err != nil {
		return CourseView{}, err
	}
	res, err := runStep[course.StepResult](ctx, s, by, courseSubject(rec), act, course.WorkflowID(id), in, step,
		func(err error) error { return s.courseError(ctx, id, err) })
	if err != nil {
		return CourseView{}, err
	}
	v, err := domain.Access(by.Actor, courseSubject(rec), domain.CourseRead)
	if err != nil {
		// The caller may take the step but not read the course (none such today): the answer
		// carries what every step's caller may know.
		v = domain.ViewExtension
	}
	return courseView(res.State, v), nil
}

// ScoreIn is one goal's score.
type ScoreIn struct {
	GoalID string `json:"goal_id" binding:"required,max=20" text:"line"`
	Score  int    `json:"score"`
}

// ProgressionInput is the half-yearly goal progression.
type ProgressionInput struct {
	Scores []ScoreIn `json:"scores" binding:"required,min=1,max=50,dive"`
	Note   string    `json:"note" binding:"required,max=5000"`
}

// RecordProgression records the half-yearly goal progression of a course.
func (s *Service) RecordProgression(ctx context.Context, by Caller, id string, in ProgressionInput) (CourseView, error) {
	return s.courseStep(ctx, by, id, domain.CourseProgression, &in, func() (string, any, error) {
		scores := make([]course.GoalScore, len(in.Scores))
		for i, sc := range in.Scores {
			scores[i] = course.GoalScore{GoalID: sc.GoalID, Score: sc.Score}
		}
		return course.UpdateRecordProgression, course.ProgressionRequest{Actor: by.Actor, Scores: scores, Note: in.Note}, nil
	})
}

// MilestoneInput is an outcome reached while the course goes on.
type MilestoneInput struct {
	Outcome domain.Outcome `json:"outcome" binding:"required"`
	Date    string         `json:"date" binding:"required,datetime=2006-01-02"`
}

// RecordMilestone records an outcome reached during a course.
func (s *Service) RecordMilestone(ctx context.Context, by Caller, id string, in MilestoneInput) (CourseView, error) {
	return s.courseStep(ctx, by, id, domain.CourseMilestone, &in, func() (string, any, error) {
		return course.UpdateRecordMilestone, course.MilestoneRequest{Actor: by.Actor, Outcome: in.Outcome, Date: day(in.Date)},
			oneOf("outcome", in.Outcome, domain.MilestoneOutcomes())
	})
}

// ExtensionInput asks the steering group to move the planned end.
type ExtensionInput struct {
	Reason string `json:"reason" binding:"required,max=5000"`
	NewEnd string `json:"new_end" binding:"required,datetime=2006-01-02"`
}

// RequestExtension asks the steering group for an extension.
func (s *Service) RequestExtension(ctx context.Context, by Caller, id string, in ExtensionInput) (CourseView, error) {
	return s.courseStep(ctx, by, id, domain.CourseRequestExtension, &in, func() (string, any, error) {
		return course.UpdateRequestExtension, course.ExtensionRequest{Actor: by.Actor, Reason: in.Reason, NewEnd: day(in.NewEnd)}, nil
	})
}

// DecisionInput is the steering group's decision on an extension request.
type DecisionInput struct {
	Approve *bool  `json:"approve" binding:"required"`
	Reason  string `json:"reason" binding:"required,max=5000"`
}

// DecideExtension records the steering group's decision on the pending extension request
// seq, and enters it in the decisions register, linked to the course. The answer is the
// course as the steering group reads it.
func (s *Service) DecideExtension(ctx context.Context, by Caller, id string, seq int, in DecisionInput) (CourseView, error) {
	if seq < 1 {
		return CourseView{}, domain.Errorf(domain.ENotFound, "no extension request %d", seq)
	}
	rec, _, err := s.courseFor(ctx, by, id, domain.CourseDecideExtension)
	if err != nil {
		return CourseView{}, err
	}
	res, err := runStep[course.StepResult](ctx, s, by, courseSubject(rec), domain.CourseDecideExtension, course.WorkflowID(id), &in,
		func() (string, any, error) {
			return course.UpdateDecideExtension, course.DecisionRequest{Actor: by.Actor, Approve: *in.Approve, Reason: in.Reason, Sequence: seq}, nil
		},
		func(err error) error { return s.courseError(ctx, id, err) })
	if err != nil {
		return CourseView{}, err
	}
	var ext domain.Extension
	for _, e := range res.State.Extensions {
		if e.Seq == seq {
			ext = e
		}
	}
	if _, err := s.store.AddDecision(ctx, domain.Decision{
		DecidedOn: s.now(), Body: domain.BodySteeringGroup, Title: words.ExtensionDecided(ext.Decision),
		Text: in.Reason, RecordedBy: by.Actor.ID,
		Changes: []domain.Change{{Kind: domain.ChangeExtension, TeamID: rec.TeamID, CourseID: id,
			Note: words.Request(ext.Seq, ext.OldEnd.Format(time.DateOnly), ext.NewEnd.Format(time.DateOnly))}},
	}, fmt.Sprintf("extension/%s/%d", id, seq)); err != nil {
		return CourseView{}, err
	}
	v, _ := domain.Access(by.Actor, courseSubject(rec), domain.CourseRead)
	return courseView(res.State, v), nil
}

// CloseInput ends a course with an outcome.
type CloseInput struct {
	Outcome domain.Outcome `json:"outcome" binding:"required"`
	Date    string         `json:"date" binding:"required,datetime=2006-01-02"`
	Note    string         `json:"note" binding:"max=5000"`
}

// Close ends a course with an outcome.
func (s *Service) Close(ctx context.Context, by Caller, id string, in CloseInput) (CourseView, error) {
	return s.courseStep(ctx, by, id, domain.CourseClose, &in, func() (string, any, error) {
		return course.UpdateClose, course.CloseRequest{Actor: by.Actor, Outcome: in.Outcome, Date: day(in.Date), Note: in.Note},
			oneOf("outcome", in.Outcome, domain.CloseOutcomes())
	})
}

// CourseListInput filters a list of courses.
type CourseListInput struct {
	TeamID       string             `json:"team" text:"line"`
	ConsultantID string             `json:"consultant" text:"line"`
	Phase        domain.CoursePhase `json:"phase" binding:"omitempty,code"`
	DueBefore    string             `json:"due_before" text:"line"`
	Cursor       string             `json:"cursor" text:"line"`
	Limit        int                `json:"limit" binding:"omitempty,min=1,max=500"`
}

// Courses lists the courses the caller may read (a consultant their own, a team's lead the
// team's, an administrator all), newest first. The search is audited with its criteria and
// every citizen it shows.
func (s *Service) Courses(ctx context.Context, by Caller, in CourseListInput) (Page[CourseSummary], error) {
	if _, err := s.allow(ctx, by, domain.Programme, domain.CoursesList); err != nil {
		return Page[CourseSummary]{}, err
	}
	if err := validate(&in); err != nil {
		return Page[CourseSummary]{}, err
	}
	due, err := dueBefore(in.DueBefore)
	if err != nil {
		return Page[CourseSummary]{}, err
	}
	page, err := s.store.ListCourses(ctx, store.CourseFilter{
		TeamID: in.TeamID, ConsultantID: in.ConsultantID, Phase: in.Phase, DueBefore: due,
		Scope: domain.CourseListScope(by.Actor), Cursor: in.Cursor, Limit: in.Limit,
	})
	if err != nil {
		return Page[CourseSummary]{}, err
	}
	out := Page[CourseSummary]{Items: []CourseSummary{}, NextCursor: page.NextCursor}
	var citizens []string
	for _, r := range page.Items {
		if v, _ := domain.Access(by.Actor, courseSubject(r), domain.CourseRead); v != domain.ViewFull {
			continue // the scope is the rule's list form; the rule itself has the last word
		}
		out.Items = append(out.Items, courseSummary(r))
		citizens = append(citizens, r.CitizenIDs...)
	}
	if err := s.auditCitizens(ctx, by, domain.CoursesList.Audit(), domain.SubjectCourse, "*", citizens, false,
		map[string]any{"criteria": in, "results": len(out.Items)}); err != nil {
		return Page[CourseSummary]{}, err
	}
	out.Names, err = s.names(ctx, by, citizens)
	return out, err
}

// PendingExtension is an extension request waiting for the steering group.
type PendingExtension = domain.PendingExtension

// PendingExtensions is the steering group's worklist: the extension requests that wait for a
// decision, oldest first. The read is audited with the courses' citizens.
func (s *Service) PendingExtensions(ctx context.Context, by Caller) ([]PendingExtension, error) {
	if _, err := s.allow(ctx, by, domain.Programme, domain.ExtensionsPending); err != nil {
		return nil, err
	}
	items, err := s.store.PendingExtensions(ctx)
	if err != nil {
		return nil, err
	}
	var citizens []string
	for _, it := range items {
		citizens = append(citizens, it.CitizenIDs...)
	}
	if err := s.auditCitizens(ctx, by, domain.ExtensionsPending.Audit(), domain.SubjectProgramme, "extensions", citizens, false,
		map[string]any{"results": len(items)}); err != nil {
		return nil, err
	}
	return items, nil
}

// day parses a date already checked by a binding tag.
func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

// dueBefore reads a list's due_before filter: a date or an RFC 3339 time.
func dueBefore(v string) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		d, derr := time.Parse(time.DateOnly, v)
		if derr != nil {
			return nil, domain.FieldError("due_before", "must be a date (YYYY-MM-DD) or a time (RFC 3339)")
		}
		t = d
	}
	return &t, nil
}

// checkID refuses an id that is not a UUID: it names nothing that exists.
func checkID(what, id string) error {
	if len(id) != 36 || !isUUID(id) {
		return domain.Errorf(domain.ENotFound, "%s %q does not exist", what, domain.ClipRunes(printable(id), 40))
	}
	return nil
}
