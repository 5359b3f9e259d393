package service

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/store"
	"tvp/words"
	"tvp/workflows/teampause"
)

// Teams lists the teams (names and settings: no citizen's data).
func (s *Service) Teams(ctx context.Context, by Caller) ([]domain.Team, error) {
	return s.store.ListTeams(ctx)
}

// Team returns one team.
func (s *Service) Team(ctx context.Context, by Caller, id string) (domain.Team, error) {
	if err := checkName("team", id); err != nil {
		return domain.Team{}, err
	}
	return s.store.GetTeam(ctx, id)
}

// StaffListInput filters the staff register.
type StaffListInput struct {
	TeamID string `json:"team" binding:"max=100" text:"line"`
}

// Staff lists the active staff as colleagues see them: names, teams, centres, roles.
func (s *Service) Staff(ctx context.Context, by Caller, in StaffListInput) ([]StaffMember, error) {
	if err := validate(&in); err != nil {
		return nil, err
	}
	staff, err := s.store.ListStaff(ctx, in.TeamID)
	if err != nil {
		return nil, err
	}
	out := make([]StaffMember, len(staff))
	for i, m := range staff {
		out[i] = StaffMember{ID: m.ID, Name: m.Name, TeamID: m.TeamID, Centre: m.Centre, Roles: m.Roles}
	}
	return out, nil
}

// teamFor returns the team and the caller's view of it for the action, or a refusal (audited).
func (s *Service) teamFor(ctx context.Context, by Caller, id string, act domain.Action) (domain.Team, domain.View, error) {
	if err := checkName("team", id); err != nil {
		return domain.Team{}, domain.ViewNone, err
	}
	team, err := s.store.GetTeam(ctx, id)
	if err != nil {
		return team, domain.ViewNone, err
	}
	v, err := s.allow(ctx, by, domain.TeamSubject(team.ID), act)
	return team, v, err
}

// PauseInput pauses a team until its planned resume date, and at the latest until ResumeBy
// (the seed's "genoptages senest 1. januar"): at that date the courses resume by themselves.
// Without ResumeBy the planned date is the latest.
type PauseInput struct {
	PlannedResume string `json:"planned_resume" binding:"required,datetime=2006-01-02"`
	ResumeBy      string `json:"resume_by" binding:"omitempty,datetime=2006-01-02"`
	Reason        string `json:"reason" binding:"required,max=2000"`
}

// PauseStarted says that a team's pause began.
type PauseStarted struct {
	TeamID        string `json:"team_id"`
	PlannedResume string `json:"planned_resume"`
	ResumeBy      string `json:"resume_by"`
}

// TeamPause is a team's pause as its lead and the steering group read it.
type TeamPause struct {
	TeamID        string    `json:"team_id"`
	PausedAt      time.Time `json:"paused_at"`
	PausedBy      string    `json:"paused_by"`
	Reason        string    `json:"reason"`
	PlannedResume time.Time `json:"planned_resume"`
	// ResumeBy is the latest resume date: the courses resume by themselves at it.
	ResumeBy             time.Time        `json:"resume_by"`
	Moves                []teampause.Move `json:"moves"`
	CourseIDs            []string         `json:"course_ids"`
	ResumedAt            *time.Time       `json:"resumed_at,omitempty"`
	ResumedBy            string           `json:"resumed_by,omitempty"`
	ResumedAutomatically bool             `json:"resumed_automatically,omitempty"`
}

func teamPause(st teampause.State) TeamPause {
	p := TeamPause{TeamID: st.TeamID, PausedAt: st.PausedAt, PausedBy: st.PausedBy, Reason: st.Reason,
		PlannedResume: st.PlannedResume, ResumeBy: st.ResumeBy, Moves: st.Moves, CourseIDs: st.CourseIDs,
		ResumedAt: st.ResumedAt, ResumedBy: st.ResumedBy, ResumedAutomatically: st.ResumedAutomatically}
	if p.ResumeBy.IsZero() {
		p.ResumeBy = p.PlannedResume
	}
	if p.Moves == nil {
		p.Moves = []teampause.Move{}
	}
	if p.CourseIDs == nil {
		p.CourseIDs = []string{}
	}
	return p
}

// PauseTeam starts the team's pause: every open course pauses until the team resumes.
func (s *Service) PauseTeam(ctx context.Context, caller Caller, id string, in PauseInput) (PauseStarted, error) {
	team, _, err := s.teamFor(ctx, caller, id, domain.TeamPause)
	if err != nil {
		return PauseStarted{}, err
	}
	if err := validate(&in); err != nil {
		return PauseStarted{}, err
	}
	resume, by := day(in.PlannedResume), day(in.PlannedResume)
	if !domain.AfterToday(resume, s.now()) {
		return PauseStarted{}, domain.FieldError("planned_resume", "the planned resume date must be in the future")
	}
	if in.ResumeBy != "" {
		if by = day(in.ResumeBy); by.Before(resume) {
			return PauseStarted{}, domain.FieldError("resume_by", "the latest resume date is at or after the planned one")
		}
	}
	tctx, cancel := s.temporalCtx(ctx)
	defer cancel()
	_, err = s.temporal.ExecuteWorkflow(tctx, client.StartWorkflowOptions{
		ID:                       teampause.WorkflowID(team.ID),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// One pause per team at a time: a second one is an error, not the first one again.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, teampause.TeamPauseWorkflow, teampause.Input{
		TeamID: team.ID, PausedBy: caller.Actor.ID, PlannedResume: resume, ResumeBy: by, Reason: in.Reason,
		RemindEvery: team.Settings.ReminderInterval,
	})
	if err != nil {
		err = FromTemporal(err)
		if domain.ErrorCode(err) == domain.EConflict {
			err = domain.Errorf(domain.EConflict, "%s is already paused", team.Name)
		}
		return PauseStarted{}, err
	}
	return PauseStarted{TeamID: team.ID, PlannedResume: in.PlannedResume, ResumeBy: by.Format(time.DateOnly)}, nil
}

// ResumeTeam ends the team's pause; its courses go on with their remaining time.
func (s *Service) ResumeTeam(ctx context.Context, by Caller, id string) (TeamPause, error) {
	team, _, err := s.teamFor(ctx, by, id, domain.TeamResume)
	if err != nil {
		return TeamPause{}, err
	}
	var res teampause.ResumeResult
	err = s.update(ctx, by, teampause.WorkflowID(team.ID), teampause.UpdateResume, teampause.ResumeRequest{Actor: by.Actor}, &res)
	if domain.ErrorCode(err) == domain.ENotFound {
		err = domain.Errorf(domain.EPhase, "team %q is not paused", team.ID)
	}
	return teamPause(res.State), err
}

// ResumeByInput moves a pause's latest resume date, by a decision.
type ResumeByInput struct {
	ResumeBy string     `json:"resume_by" binding:"required,datetime=2006-01-02"`
	Decision DecisionIn `json:"decision" binding:"required"`
}

// MovePauseResumeBy moves the latest date of the team's pause by a new decision, recorded in
// the register and linked to the team: the courses then resume by themselves at the new date.
func (s *Service) MovePauseResumeBy(ctx context.Context, by Caller, id string, in ResumeByInput) (TeamPause, error) {
	team, _, err := s.teamFor(ctx, by, id, domain.TeamMoveResume)
	if err != nil {
		return TeamPause{}, err
	}
	if err := validate(&in); err != nil {
		return TeamPause{}, err
	}
	date := day(in.ResumeBy)
	if !domain.AfterToday(date, s.now()) {
		return TeamPause{}, domain.FieldError("resume_by", "the latest resume date must be in the future")
	}
	if _, err := s.store.OpenTeamPause(ctx, team.ID); err != nil {
		if domain.ErrorCode(err) == domain.ENotFound {
			err = domain.Errorf(domain.EPhase, "%s is not paused", team.Name)
		}
		return TeamPause{}, err
	}
	decisionID, err := s.store.AddDecision(ctx, in.Decision.decision(by.Actor.ID,
		domain.Change{Kind: domain.ChangePause, TeamID: team.ID, Note: words.ResumeBy(in.ResumeBy)}), decisionKey(by))
	if err != nil {
		return TeamPause{}, err
	}
	var res teampause.MoveResumeResult
	err = s.update(ctx, by, teampause.WorkflowID(team.ID), teampause.UpdateMoveResume,
		teampause.MoveResumeRequest{Actor: by.Actor, ResumeBy: date, DecisionID: decisionID}, &res)
	if domain.ErrorCode(err) == domain.ENotFound {
		err = domain.Errorf(domain.EPhase, "%s is not paused", team.Name)
	}
	return teamPause(res.State), err
}

// TeamStatus is a team's phase-out status: the open courses still to be handed back to the
// centres or moved to the collaboration model (to the team's lead), or only how many are left
// (to the steering group); closed when none is left.
type TeamStatus struct {
	domain.Team
	PhaseOutFrom *time.Time `json:"phase_out_from,omitempty"`
	Closed       bool       `json:"closed"`
	OpenCourses  int        `json:"open_courses"`
	// Worklist is the open courses (the team's lead and an administrator only).
	Worklist *[]CourseSummary `json:"worklist,omitempty"`
}

// Worklist is a team's status during a phase-out. The read is audited with the citizens it
// shows.
func (s *Service) Worklist(ctx context.Context, by Caller, id string) (TeamStatus, error) {
	team, v, err := s.teamFor(ctx, by, id, domain.TeamWorklist)
	if err != nil {
		return TeamStatus{}, err
	}
	from, err := s.store.PhaseOut(ctx, team.ID)
	if err != nil {
		return TeamStatus{}, err
	}
	open, err := s.openCourses(ctx, team.ID)
	if err != nil {
		return TeamStatus{}, err
	}
	out := TeamStatus{Team: team, PhaseOutFrom: from, OpenCourses: len(open)}
	out.Closed = from != nil && !s.now().Before(*from) && len(open) == 0
	var citizens []string
	if v == domain.ViewFull {
		list := []CourseSummary{}
		for _, r := range open {
			list = append(list, courseSummary(r))
			citizens = append(citizens, r.CitizenIDs...)
		}
		out.Worklist = &list
	}
	if err := s.auditCitizens(ctx, by, domain.TeamWorklist.Audit(), domain.SubjectTeam, team.ID, citizens, false, viewDetails(v)); err != nil {
		return TeamStatus{}, err
	}
	return out, nil
}

// openCourses are every open course of the team, page by page.
func (s *Service) openCourses(ctx context.Context, teamID string) ([]domain.CourseRecord, error) {
	var out []domain.CourseRecord
	f := store.CourseFilter{TeamID: teamID, Scope: domain.CourseScope{All: true}, Limit: 500}
	for {
		page, err := s.store.ListCourses(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, r := range page.Items {
			if r.Phase != domain.PhaseClosed {
				out = append(out, r)
			}
		}
		if page.NextCursor == "" {
			return out, nil
		}
		f.Cursor = page.NextCursor
	}
}

// TeamPage is what a team's page shows its members: the open courses each may read, the
// caseloads against the norm, and the pause.
type TeamPage struct {
	Team      domain.Team
	Courses   []CourseSummary
	Names     map[string]string
	Caseloads []domain.ConsultantCaseload
	Pause     *domain.TeamPauseRecord
	// MayPause: the caller may pause and resume the team (its lead).
	MayPause bool
}

// TeamOverview is a team's page. Its list of courses is cut by the course read rule (a team's
// lead sees them all, a consultant their own), and audited with the citizens it shows.
func (s *Service) TeamOverview(ctx context.Context, by Caller, id string) (TeamPage, error) {
	team, _, err := s.teamFor(ctx, by, id, domain.TeamRead)
	if err != nil {
		return TeamPage{}, err
	}
	open, err := s.openCourses(ctx, team.ID)
	if err != nil {
		return TeamPage{}, err
	}
	out := TeamPage{Team: team, Courses: []CourseSummary{}, MayPause: domain.May(by.Actor, domain.TeamSubject(team.ID), domain.TeamPause)}
	var citizens []string
	for _, r := range open {
		if v, _ := domain.Access(by.Actor, courseSubject(r), domain.CourseRead); v == domain.ViewFull {
			out.Courses = append(out.Courses, courseSummary(r))
			citizens = append(citizens, r.CitizenIDs...)
		}
	}
	if err := s.auditCitizens(ctx, by, domain.TeamRead.Audit(), domain.SubjectTeam, team.ID, citizens, false, nil); err != nil {
		return TeamPage{}, err
	}
	if out.Names, err = s.names(ctx, by, citizens); err != nil {
		return TeamPage{}, err
	}
	loads, err := s.store.Caseloads(ctx)
	if err != nil {
		return TeamPage{}, err
	}
	for _, l := range domain.WithNorms(loads, []domain.Team{team}) {
		if l.TeamID == team.ID {
			out.Caseloads = append(out.Caseloads, l)
		}
	}
	if pause, err := s.store.OpenTeamPause(ctx, team.ID); err == nil {
		out.Pause = &pause
	} else if domain.ErrorCode(err) != domain.ENotFound {
		return TeamPage{}, err
	}
	return out, nil
}

// checkName refuses a name (a team's id) that is not one line of text: it names nothing.
func checkName(what, id string) error {
	if id == "" || len(id) > 100 || domain.CheckLine("id", id) != nil {
		return domain.Errorf(domain.ENotFound, "%s %q does not exist", what, domain.ClipRunes(printable(id), 40))
	}
	return nil
}

// printable is s with what cannot be shown in a message replaced.
func printable(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if domain.CheckLine("", string(r)) != nil {
			r = '?'
		}
		out = append(out, r)
	}
	return string(out)
}

func isUUID(s string) bool {
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// Me is the caller as the staff register has them (for the pages' header).
func (s *Service) Me(ctx context.Context, by Caller) (domain.Staff, error) {
	return s.store.GetStaff(ctx, by.Actor.ID)
}
