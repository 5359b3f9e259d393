package domain

import (
	"math"
	"slices"
	"time"
)

// Centre is one of the municipality's three centres (fagcentre).
type Centre string

const (
	CentreChildren Centre = "boern_og_laering"  // Børn og Læring
	CentreHealth   Centre = "sundhed_og_omsorg" // Sundhed og Omsorg
	CentreLabour   Centre = "arbejdsmarked"     // Arbejdsmarked
)

// Valid reports whether c is one of the three centres.
func (c Centre) Valid() bool {
	return c == CentreChildren || c == CentreHealth || c == CentreLabour
}

// Role is what a staff member may do in the system.
type Role string

const (
	RoleConsultant             Role = "consultant"              // borgerkonsulent
	RoleTeamLead               Role = "team_lead"               // teamleder
	RoleSteeringGroup          Role = "steering_group"          // styregruppe
	RoleCoordinator            Role = "coordinator"             // tovholder
	RoleCoordinatingCaseworker Role = "coordinating_caseworker" // koordinerende sagsbehandler
	RoleCaseworker             Role = "caseworker"              // sagsbehandler
	RoleAdmin                  Role = "admin"
	// RoleCitizen is not a staff role: it is a citizen logged in to their own plan or course
	// (CitizenActor). The staff register never holds it.
	RoleCitizen Role = "citizen"
)

// TargetGroup says whom a team serves: young people or families.
type TargetGroup string

const (
	TargetYoung  TargetGroup = "young"
	TargetFamily TargetGroup = "family"
)

// TeamSettings are the per-team rules of the borgerkonsulent course. The defaults are the
// seed's values (DOMAIN.md); a course takes a snapshot of them when it is referred.
type TeamSettings struct {
	// CourseLength is how long a course runs from its start ("up to 1 year", in the calendar).
	CourseLength Period `json:"course_length"`
	// ProgressionInterval is how often goal progression is recorded ("every half year").
	ProgressionInterval Period `json:"progression_interval"`
	// EndReminderLead is how long before the planned end the consultants are reminded.
	EndReminderLead Duration `json:"end_reminder_lead"`
	// ReminderInterval is how often an unanswered reminder is repeated.
	ReminderInterval Duration `json:"reminder_interval"`
	// EscalateAfter is how long after the planned end, with no outcome and no extension
	// request, the team lead is told.
	EscalateAfter Duration `json:"escalate_after"`
	// MaxExtension bounds how far one extension may move the end.
	MaxExtension Period `json:"max_extension"`
	// ConsultantsMin and ConsultantsMax bound the consultants of one course.
	ConsultantsMin int `json:"consultants_min"`
	ConsultantsMax int `json:"consultants_max"`
	// CaseloadMin and CaseloadMax are the norm of open courses per half-time consultant.
	CaseloadMin int `json:"caseload_min"`
	CaseloadMax int `json:"caseload_max"`
	// HalfTimeHours is the week of a half-time consultant (17 hours).
	HalfTimeHours float64 `json:"half_time_hours"`
	// ProgressionScoreMax is the top of the goal progression scale (1..max).
	ProgressionScoreMax int `json:"progression_score_max"`
}

// DefaultTeamSettings returns the seed's values for a team serving the target group.
func DefaultTeamSettings(g TargetGroup) TeamSettings {
	s := TeamSettings{
		CourseLength:        Years(1),
		ProgressionInterval: Months(6),
		EndReminderLead:     Days(60),
		ReminderInterval:    Days(7),
		EscalateAfter:       Days(14),
		MaxExtension:        Years(1),
		ConsultantsMin:      1,
		ConsultantsMax:      3,
		CaseloadMin:         5,
		CaseloadMax:         10,
		HalfTimeHours:       17,
		ProgressionScoreMax: 10,
	}
	if g == TargetFamily {
		s.CaseloadMin, s.CaseloadMax = 3, 3
	}
	return s
}

// Validate checks that the settings make sense together.
func (s TeamSettings) Validate() error {
	switch {
	case s.CourseLength.Shortest() <= 0:
		return FieldError("course_length", "must be positive")
	case s.ProgressionInterval.Shortest() <= 0:
		return FieldError("progression_interval", "must be positive")
	case s.EndReminderLead < 0 || s.EndReminderLead.D() >= s.CourseLength.Shortest():
		return FieldError("end_reminder_lead", "must be between 0 and the course length")
	case s.ReminderInterval <= 0:
		return FieldError("reminder_interval", "must be positive")
	case s.EscalateAfter < 0:
		return FieldError("escalate_after", "must not be negative")
	case s.MaxExtension.Shortest() <= 0:
		return FieldError("max_extension", "must be positive")
	case s.ConsultantsMin < 1 || s.ConsultantsMax < s.ConsultantsMin:
		return FieldError("consultants_max", "need 1 <= consultants_min <= consultants_max")
	case s.CaseloadMin < 0 || s.CaseloadMax < s.CaseloadMin || s.CaseloadMax < 1:
		return FieldError("caseload_max", "need 0 <= caseload_min <= caseload_max and caseload_max >= 1")
	case s.HalfTimeHours <= 0:
		return FieldError("half_time_hours", "must be positive")
	case s.ProgressionScoreMax < 2:
		return FieldError("progression_score_max", "must be at least 2")
	}
	return nil
}

// Team is a borgerkonsulent team (Ungeteam, Familieteam).
type Team struct {
	ID          string       `json:"id" db:"id"`
	Name        string       `json:"name" db:"name"`
	Centre      Centre       `json:"centre" db:"centre"`
	TargetGroup TargetGroup  `json:"target_group" db:"target_group"`
	Settings    TeamSettings `json:"settings" db:"-"`
	CreatedAt   time.Time    `json:"created_at" db:"created_at"`
}

// Staff is a person who works in the programme.
type Staff struct {
	ID           string  `json:"id" db:"id"`
	Name         string  `json:"name" db:"name"`
	Email        string  `json:"email,omitempty" db:"email"`
	TeamID       *string `json:"team_id,omitempty" db:"team_id"`
	Centre       *Centre `json:"centre,omitempty" db:"centre"`
	HoursPerWeek float64 `json:"hours_per_week" db:"hours_per_week"`
	LeadID       *string `json:"lead_id,omitempty" db:"lead_id"`
	Roles        []Role  `json:"roles" db:"-"`
	// Leads are the staff members whose lead this person is (their lead_id names them).
	Leads []string `json:"leads,omitempty" db:"-"`
}

// ConsultantOf reports whether the staff member is a consultant of the team: whom a course of
// the team can be given to.
func (s Staff) ConsultantOf(teamID string) bool {
	return s.HasRole(RoleConsultant) && s.TeamID != nil && *s.TeamID == teamID
}

// HasRole reports whether the staff member has the role.
func (s Staff) HasRole(r Role) bool {
	return slices.Contains(s.Roles, r)
}

// Citizen is a person in the programme, known inside TVP by a pseudonymous id. The CPR number
// is never stored: only a keyed hash of it, to recognise the same person again.
type Citizen struct {
	ID        string    `json:"id" db:"id"`
	Name      string    `json:"name" db:"name"`
	BirthDate *string   `json:"birth_date,omitempty" db:"birth_date"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// Actor is a person taking a step, as authenticated: their staff id, their roles, and the
// facts of the staff register that the access rules (access.go) need.
type Actor struct {
	ID    string `json:"id"`
	Roles []Role `json:"roles"`
	// TeamID is the person's team, if any: a team lead acts within their own team.
	TeamID string `json:"team_id,omitempty"`
	// Leads are the staff members whose lead this person is.
	Leads []string `json:"leads,omitempty"`
	// CitizenID is set for a citizen acting on their own data (CitizenActor), and only then.
	CitizenID string `json:"citizen_id,omitempty"`
	// StandsInFor are the absent colleagues this person stands in for today (StandsInOn):
	// they take over those colleagues' ties to their courses and plans (Relations).
	StandsInFor []string `json:"stands_in_for,omitempty"`
}

// CitizenActorPrefix begins the actor id of a citizen: what the audit log and the workflows'
// histories record as who acted, never a CPR number.
const CitizenActorPrefix = "borger:"

// CitizenActor is a citizen, logged in through the citizens' provider and recognised by the
// keyed hash of their CPR number, acting on their own plan or course.
func CitizenActor(citizenID string) Actor {
	return Actor{ID: CitizenActorPrefix + citizenID, Roles: []Role{RoleCitizen}, CitizenID: citizenID}
}

// IsCitizen reports whether the actor is a citizen (not staff).
func (a Actor) IsCitizen() bool { return a.CitizenID != "" }

// Has reports whether the actor holds the role.
func (a Actor) Has(r Role) bool {
	for _, x := range a.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Actor returns the staff member as an actor.
func (s Staff) Actor() Actor {
	a := Actor{ID: s.ID, Roles: s.Roles, Leads: s.Leads}
	if s.TeamID != nil {
		a.TeamID = *s.TeamID
	}
	return a
}

// Norm is the caseload norm of a consultant working hoursPerWeek: the team's caseload_max per
// half-time consultant, in proportion to the hours (rounded down).
func (s TeamSettings) Norm(hoursPerWeek float64) int {
	return int(math.Floor(float64(s.CaseloadMax) * hoursPerWeek / s.HalfTimeHours))
}

// NormMin is the low end of the norm (caseload_min), in proportion to the hours likewise.
func (s TeamSettings) NormMin(hoursPerWeek float64) int {
	return int(math.Floor(float64(s.CaseloadMin) * hoursPerWeek / s.HalfTimeHours))
}

// TeamPauseRecord is a pause of a team, as the read model holds it.
type TeamPauseRecord struct {
	TeamID        string     `json:"team_id"`
	PausedAt      time.Time  `json:"paused_at"`
	PlannedResume time.Time  `json:"planned_resume"`
	ResumedAt     *time.Time `json:"resumed_at,omitempty"`
	PausedBy      string     `json:"paused_by"`
	Reason        string     `json:"reason"`
}
