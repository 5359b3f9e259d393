package domain

import (
	"fmt"
	"time"
)

// The referral rules (visitation): who may be referred to a team, by whom, with which
// consultants. DecideReferral is their one home; the store reads the facts it needs in the
// referral's transaction (with the consultants' rows locked, so that two referrals at once
// cannot both pass a norm), and writes nothing about the citizen unless it accepts.

// ReferralRequest is a referral as asked.
type ReferralRequest struct {
	TeamID        string
	StartDate     time.Time
	ConsultantIDs []string
	// Citizens counts the people referred (one young person, or a family's members).
	Citizens int
	// OverrideReason lets the team's lead assign a consultant beyond the norm.
	OverrideReason string
}

// ConsultantLoad is a staff member named in a referral, with the open courses they work on.
type ConsultantLoad struct {
	Staff
	Caseload int
}

// ReferredCitizen is what is known of one person referred (by the keyed hash of their CPR
// number): their id if they are known, and their active course in the team, if any.
type ReferredCitizen struct {
	ID             string
	ActiveCourseID string
}

// ReferralFacts are what a referral is decided on, read at once.
type ReferralFacts struct {
	// Team, with the settings in effect for a course referred on the start date.
	Team         Team
	Paused       bool
	PhaseOutFrom *time.Time
	Today        time.Time
	// Consultants are the named consultants that exist and are active, by id.
	Consultants map[string]ConsultantLoad
	// Citizens, in the order of the request.
	Citizens []ReferredCitizen
}

// CaseloadOverride records that a team lead let a consultant take a course beyond the norm.
type CaseloadOverride struct {
	StaffID, By, Reason string
}

// DuplicateCourse refuses a referral of a citizen who has an active course in the team. The
// service says which course only to a caller who may read it.
type DuplicateCourse struct {
	Field    string // the citizen's field in the request
	CourseID string
}

func (e *DuplicateCourse) Error() string {
	return fmt.Sprintf("%s: the citizen has an active course in the team (%s)", e.Field, e.CourseID)
}

// DecideReferral applies the referral rules: the team takes referrals (not paused, not being
// phased out, valid settings), the number of people fits the team, the consultants are the
// team's and within its norm (or the team's lead overrides it with a reason), a consultant
// refers courses they work on themselves, and nobody referred already has an active course in
// the team. It returns the overrides to record. Access to the team (CourseRefer) is checked
// before it.
func DecideReferral(a Actor, r ReferralRequest, f ReferralFacts) ([]CaseloadOverride, error) {
	team := f.Team
	if f.Paused {
		return nil, Errorf(EConflict, "%s is paused: its citizens keep ordinary casework in the centres", team.Name)
	}
	if from := f.PhaseOutFrom; from != nil && !f.Today.Before(*from) {
		return nil, Errorf(EConflict, "%s is being phased out since %s: it takes no new referrals", team.Name, from.Format(time.DateOnly))
	}
	if err := team.Settings.Validate(); err != nil {
		return nil, Errorf(EConflict, "%s's settings are not valid (%s): ask an administrator", team.Name, ErrorMessage(err))
	}
	if team.TargetGroup == TargetYoung && r.Citizens != 1 {
		return nil, FieldError("citizens", "a course in %s is for one young person", team.Name)
	}
	s := team.Settings
	if n := len(r.ConsultantIDs); n < s.ConsultantsMin || n > s.ConsultantsMax {
		return nil, FieldError("consultant_ids", "%s assigns %d to %d consultants to a course", team.Name, s.ConsultantsMin, s.ConsultantsMax)
	}
	override := May(a, TeamSubject(team.ID), CourseOverrideNorm)
	var overrides []CaseloadOverride
	seen := map[string]bool{}
	for i, id := range r.ConsultantIDs {
		field := fmt.Sprintf("consultant_ids[%d]", i)
		if seen[id] {
			return nil, FieldError(field, "%q is named twice", id)
		}
		seen[id] = true
		m, ok := f.Consultants[id]
		if !ok {
			return nil, FieldError(field, "staff member %q does not exist", id)
		}
		if !m.ConsultantOf(team.ID) {
			return nil, FieldError(field, "%q is not a consultant in %s", id, team.Name)
		}
		norm := s.Norm(m.HoursPerWeek)
		if m.Caseload+1 > norm {
			if r.OverrideReason == "" || !override {
				return nil, &Error{Code: EConflict, Field: field, Message: fmt.Sprintf(
					"%s has %d open courses; %s's norm for %.0f hours a week is %d. The team's lead can override with a reason (caseload_override_reason)",
					m.Name, m.Caseload, team.Name, m.HoursPerWeek, norm)}
			}
			overrides = append(overrides, CaseloadOverride{StaffID: id, By: a.ID, Reason: r.OverrideReason})
		}
	}
	if r.OverrideReason != "" && !override {
		return nil, FieldError("caseload_override_reason", "only the team's lead may override the caseload norm")
	}
	if !seen[a.ID] {
		if err := Permit(a, TeamSubject(team.ID), CourseReferOthers); err != nil {
			return nil, err
		}
	}
	for i, c := range f.Citizens {
		if c.ActiveCourseID != "" {
			return nil, &DuplicateCourse{Field: fmt.Sprintf("citizens[%d].cpr", i), CourseID: c.ActiveCourseID}
		}
	}
	return overrides, nil
}

// DuplicatePlan refuses an enrolment of a citizen who is in the collaboration model already.
// The service says which plan only to a caller who may read it.
type DuplicatePlan struct {
	PlanID string
}

func (e *DuplicatePlan) Error() string {
	return fmt.Sprintf("the citizen is in the collaboration model already (%s)", e.PlanID)
}
