package domain

import (
	"slices"
	"time"
)

// Absence is a staff member away from one date to another (both included), with the colleague
// who stands in for them. With no stand-in named, their lead stands in.
type Absence struct {
	ID      string `json:"id" db:"id"`
	StaffID string `json:"staff_id" db:"staff_id"`
	// From and To are dates (YYYY-MM-DD) in the municipality's time zone, both included.
	From string `json:"from" db:"from_date"`
	To   string `json:"to" db:"to_date"`
	// StandInID is the colleague named to stand in, if any.
	StandInID *string `json:"stand_in_id,omitempty" db:"stand_in_id"`
	// HolderID is who stands in: the stand-in named, or else the absent person's lead (none if
	// they have neither: their reminders then stay with them).
	HolderID   *string   `json:"holder_id,omitempty" db:"holder_id"`
	RecordedBy string    `json:"recorded_by" db:"recorded_by"`
	RecordedAt time.Time `json:"recorded_at" db:"recorded_at"`
}

// Covers reports whether the absence lasts on the day (YYYY-MM-DD).
func (a Absence) Covers(day string) bool { return a.From <= day && day <= a.To }

// MaxAbsenceDays bounds one absence: a longer one is a change of the staff register.
const MaxAbsenceDays = 366

// StandsInOn returns whom the holder stands in for on the day: the absent people of the
// absences that cover the day and whose holder they are (each once, sorted). It fills
// Actor.StandsInFor.
func StandsInOn(absences []Absence, holderID, day string) []string {
	var out []string
	for _, a := range absences {
		if a.HolderID != nil && *a.HolderID == holderID && a.StaffID != holderID && a.Covers(day) && !slices.Contains(out, a.StaffID) {
			out = append(out, a.StaffID)
		}
	}
	slices.Sort(out)
	return out
}

// CheckStandIn says whether the colleague may stand in for the absent person: someone else,
// who holds each of the absent person's working roles (consultant, coordinator, coordinating
// caseworker, caseworker), or who is their lead.
func CheckStandIn(absent, standIn Staff) error {
	if standIn.ID == absent.ID {
		return FieldError("stand_in_id", "nobody stands in for themself")
	}
	if absent.LeadID != nil && *absent.LeadID == standIn.ID {
		return nil
	}
	for _, r := range []Role{RoleConsultant, RoleCoordinator, RoleCoordinatingCaseworker, RoleCaseworker} {
		if absent.HasRole(r) && !standIn.HasRole(r) {
			return FieldError("stand_in_id", "%s cannot stand in for %s: they do not hold the role %s", standIn.ID, absent.ID, r)
		}
	}
	return nil
}
