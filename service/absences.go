package service

import (
	"context"
	"time"

	"tvp/domain"
)

// AbsenceInput records an absence: from and to (dates, both included) and, if one is named,
// the colleague who stands in (with none, the absent person's lead does).
type AbsenceInput struct {
	From      string `json:"from" binding:"required,datetime=2006-01-02"`
	To        string `json:"to" binding:"required,datetime=2006-01-02"`
	StandInID string `json:"stand_in_id" binding:"max=200" text:"line"`
}

// today is the municipality's date now.
func (s *Service) today() string { return domain.DayIn(s.now()) }

// staffFor checks that the caller may take the action on the staff member's absences, and
// that they are in the register.
func (s *Service) staffFor(ctx context.Context, by Caller, staffID string, act domain.Action) (domain.Staff, error) {
	if staffID == "" || len(staffID) > 200 || domain.CheckLine("staff_id", staffID) != nil {
		return domain.Staff{}, domain.Errorf(domain.ENotFound, "staff member %q does not exist", domain.ClipRunes(printable(staffID), 40))
	}
	if _, err := s.allow(ctx, by, domain.StaffSubject(staffID), act); err != nil {
		return domain.Staff{}, err
	}
	return s.store.GetStaff(ctx, staffID)
}

// RecordAbsence records a staff member's absence (they themself, their lead or an
// administrator). While it lasts, their reminders are held by the stand-in (or, with none,
// their lead), who also takes over their ties to their courses and plans (domain.Relations);
// open reminders change hands at once if it has begun.
func (s *Service) RecordAbsence(ctx context.Context, by Caller, staffID string, in AbsenceInput) (domain.Absence, error) {
	absent, err := s.staffFor(ctx, by, staffID, domain.AbsenceRecord)
	if err != nil {
		return domain.Absence{}, err
	}
	if err := validate(&in); err != nil {
		return domain.Absence{}, err
	}
	from, _ := time.Parse(time.DateOnly, in.From)
	to, _ := time.Parse(time.DateOnly, in.To)
	today := s.today()
	switch {
	case to.Before(from):
		return domain.Absence{}, domain.FieldError("to", "is before from")
	case in.To < today:
		return domain.Absence{}, domain.FieldError("to", "is in the past: an absence is recorded before it ends")
	case to.Sub(from) >= domain.MaxAbsenceDays*24*time.Hour:
		return domain.Absence{}, domain.FieldError("to", "an absence lasts at most %d days", domain.MaxAbsenceDays)
	}
	a := domain.Absence{ID: newID(by, "absence"), StaffID: staffID, From: in.From, To: in.To, RecordedBy: by.Actor.ID}
	if in.StandInID != "" {
		standIn, err := s.store.GetStaff(ctx, in.StandInID)
		if domain.ErrorCode(err) == domain.ENotFound {
			return domain.Absence{}, domain.FieldError("stand_in_id", "%q is not a member of TVP's staff", domain.ClipRunes(in.StandInID, 40))
		} else if err != nil {
			return domain.Absence{}, err
		}
		if err := domain.CheckStandIn(absent, standIn); err != nil {
			return domain.Absence{}, err
		}
		a.StandInID = &in.StandInID
	}
	out, err := s.store.RecordAbsence(ctx, a, today)
	s.register.forget() // who stands in for whom has changed
	if err != nil {
		return domain.Absence{}, err
	}
	details := map[string]any{"absence_id": out.ID, "from": out.From, "to": out.To}
	if out.HolderID != nil {
		details["stand_in_id"] = *out.HolderID
	}
	if err := s.audit(ctx, by, domain.AbsenceRecord.Audit(), domain.StaffSubject(staffID), false, details); err != nil {
		return domain.Absence{}, err
	}
	return out, nil
}

// Absences returns the staff member's absences that have not ended.
func (s *Service) Absences(ctx context.Context, by Caller, staffID string) ([]domain.Absence, error) {
	if _, err := s.staffFor(ctx, by, staffID, domain.AbsenceRead); err != nil {
		return nil, err
	}
	return s.store.Absences(ctx, staffID, s.today())
}

// CancelAbsence deletes an absence (one that was recorded in error, or that ends early: record
// the shorter one after): what its stand-in held goes back at once.
func (s *Service) CancelAbsence(ctx context.Context, by Caller, staffID, id string) error {
	if _, err := s.staffFor(ctx, by, staffID, domain.AbsenceCancel); err != nil {
		return err
	}
	if err := checkID("absence", id); err != nil {
		return err
	}
	out, err := s.store.CancelAbsence(ctx, staffID, id, s.today())
	s.register.forget()
	if err != nil {
		return err
	}
	return s.audit(ctx, by, domain.AbsenceCancel.Audit(), domain.StaffSubject(staffID), false,
		map[string]any{"absence_id": out.ID, "from": out.From, "to": out.To})
}

// StandingIn are the absences whose stand-in the caller is today (the inbox page shows them).
func (s *Service) StandingIn(ctx context.Context, by Caller) ([]domain.Absence, error) {
	return s.store.AbsencesHeldBy(ctx, by.Actor.ID, s.today())
}
