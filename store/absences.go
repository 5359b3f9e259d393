package store

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"tvp/domain"
)

// holderOf is the SQL for who holds the reminders of the staff member (an expression) on the
// day (a date parameter): the stand-in of their absence that covers the day, else their lead,
// else (no absence, or nobody to hold them) the staff member themself.
func holderOf(staff, day string) string {
	return `COALESCE((SELECT COALESCE(a.stand_in_id, al.lead_id) FROM absences a JOIN staff al ON al.id = a.staff_id
		WHERE a.staff_id = ` + staff + ` AND ` + day + `::date BETWEEN a.from_date AND a.to_date
		ORDER BY a.recorded_at DESC LIMIT 1), ` + staff + `)`
}

const absenceColumns = `a.id, a.staff_id, to_char(a.from_date, 'YYYY-MM-DD') AS from_date,
	to_char(a.to_date, 'YYYY-MM-DD') AS to_date, a.stand_in_id, COALESCE(a.stand_in_id, al.lead_id) AS holder_id,
	a.recorded_by, a.recorded_at`

const absenceFrom = ` FROM absences a JOIN staff al ON al.id = a.staff_id`

// RecordAbsence records an absence and hands the absent person's open reminders over at once
// if it has begun on the day (YYYY-MM-DD, today). An absence that overlaps another of the same
// person is a conflict.
func (s *Store) RecordAbsence(ctx context.Context, a domain.Absence, day string) (domain.Absence, error) {
	var out domain.Absence
	err := s.Transact(ctx, func(tx *sqlx.Tx) error {
		// One person's absences are written one at a time: the overlap check holds.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM staff WHERE id = $1 FOR UPDATE`, a.StaffID); err != nil {
			return translate(err)
		}
		var overlap string
		err := tx.GetContext(ctx, &overlap, `SELECT id FROM absences
			WHERE staff_id = $1 AND from_date <= $3::date AND to_date >= $2::date LIMIT 1`, a.StaffID, a.From, a.To)
		if err == nil {
			return domain.Errorf(domain.EConflict, "%s is already recorded as absent on some of these days (absence %s)", a.StaffID, overlap)
		} else if domain.ErrorCode(translate(err)) != domain.ENotFound {
			return translate(err)
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO absences (id, staff_id, from_date, to_date, stand_in_id, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6)`, a.ID, a.StaffID, a.From, a.To, a.StandInID, a.RecordedBy); err != nil {
			return translate(err)
		}
		if err := tx.GetContext(ctx, &out, `SELECT `+absenceColumns+absenceFrom+` WHERE a.id = $1`, a.ID); err != nil {
			return translate(err)
		}
		_, err = handOver(ctx, tx, day)
		return err
	})
	if err != nil {
		return domain.Absence{}, fmt.Errorf("record absence of %s: %w", a.StaffID, err)
	}
	return out, nil
}

// CancelAbsence deletes one of the staff member's absences and gives back at once what its
// stand-in held for them.
func (s *Store) CancelAbsence(ctx context.Context, staffID, id, day string) (domain.Absence, error) {
	var out domain.Absence
	err := s.Transact(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, `SELECT `+absenceColumns+absenceFrom+` WHERE a.id = $1 AND a.staff_id = $2`, id, staffID); err != nil {
			return notFound(err, "%s has no absence %s", staffID, id)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM absences WHERE id = $1`, id); err != nil {
			return translate(err)
		}
		_, err := handOver(ctx, tx, day)
		return err
	})
	if err != nil {
		return domain.Absence{}, fmt.Errorf("cancel absence %s: %w", id, err)
	}
	return out, nil
}

// Absences returns the staff member's absences that end on the day or later (all, if day is
// ""), by start.
func (s *Store) Absences(ctx context.Context, staffID, day string) ([]domain.Absence, error) {
	out := []domain.Absence{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+absenceColumns+absenceFrom+`
		WHERE a.staff_id = $1 AND ($2 = '' OR a.to_date >= $2::date) ORDER BY a.from_date, a.id`, staffID, day)
	if err != nil {
		return nil, fmt.Errorf("absences of %s: %w", staffID, translate(err))
	}
	return out, nil
}

// AbsencesHeldBy returns the absences that cover the day and whose holder (stand-in, or with
// none the absent person's lead) is the staff member.
func (s *Store) AbsencesHeldBy(ctx context.Context, holderID, day string) ([]domain.Absence, error) {
	out := []domain.Absence{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+absenceColumns+absenceFrom+`
		WHERE COALESCE(a.stand_in_id, al.lead_id) = $1 AND $2::date BETWEEN a.from_date AND a.to_date
		ORDER BY a.staff_id`, holderID, day)
	if err != nil {
		return nil, fmt.Errorf("absences held by %s: %w", holderID, translate(err))
	}
	return out, nil
}

// HolderOn returns who holds the staff member's reminders on the day: the stand-in of an
// absence that covers it, else their lead, else they themself.
func (s *Store) HolderOn(ctx context.Context, staffID, day string) (string, error) {
	var h string
	if err := s.db.GetContext(ctx, &h, `SELECT `+holderOf("$1::text", "$2"), staffID, day); err != nil {
		return "", fmt.Errorf("holder of %s's reminders: %w", staffID, translate(err))
	}
	return h, nil
}

// HandOverReminders gives every open reminder to whoever holds its owner's reminders on the
// day: to the stand-in when an absence has begun, back to the owner when it has ended. It moves
// nothing else, so it can run any number of times: the daily job runs it, recording and
// cancelling an absence run it, and a run missed is made good by the next.
func (s *Store) HandOverReminders(ctx context.Context, day string) (int64, error) {
	n, err := handOver(ctx, s.db, day)
	if err != nil {
		return 0, fmt.Errorf("hand over reminders: %w", err)
	}
	return n, nil
}

func handOver(ctx context.Context, db sqlx.ExecerContext, day string) (int64, error) {
	res, err := db.ExecContext(ctx, `
		UPDATE reminders r SET recipient_id = h.holder
		FROM (SELECT o.key, `+holderOf("o.owner_id", "$1")+` AS holder FROM reminders o WHERE o.done_at IS NULL) h
		WHERE r.key = h.key AND r.done_at IS NULL AND r.recipient_id <> h.holder`, day)
	if err != nil {
		return 0, translate(err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
