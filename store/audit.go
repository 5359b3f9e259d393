package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"tvp/domain"
)

// AppendAudit appends one entry to the audit log. An entry with a key that is already
// logged adds nothing, so a retried activity logs once.
func (s *Store) AppendAudit(ctx context.Context, e domain.AuditEntry) error {
	details := "{}"
	if len(e.Details) > 0 {
		var err error
		if details, err = jsonText(e.Details); err != nil {
			return fmt.Errorf("append audit %s: %w", e.Action, err)
		}
	}
	var key *string
	if e.Key != "" {
		key = &e.Key
	}
	at := any(nil)
	if !e.At.IsZero() {
		at = e.At
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, citizen_id, purpose, details, key)
		VALUES (COALESCE($1, now()), $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (key) DO NOTHING`,
		at, e.ActorID, e.Action, e.SubjectType, e.SubjectID, e.CitizenID, e.Purpose, details, key)
	if err != nil {
		return fmt.Errorf("append audit %s: %w", e.Action, translate(err))
	}
	return nil
}

// CitizenAccessLog returns the audit entries about one citizen, oldest first.
func (s *Store) CitizenAccessLog(ctx context.Context, citizenID string) ([]domain.AuditEntry, error) {
	type row struct {
		domain.AuditEntry
		DetailsJSON []byte `db:"details"`
	}
	var rows []row
	err := s.db.SelectContext(ctx, &rows, `
		SELECT at, actor_id, action, subject_type, subject_id, citizen_id::text, purpose, details, COALESCE(key, '') AS key
		FROM audit_log WHERE citizen_id = $1 ORDER BY at, id`, citizenID)
	if err != nil {
		return nil, fmt.Errorf("citizen access log: %w", translate(err))
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.AuditEntry
		if err := json.Unmarshal(r.DetailsJSON, &out[i].Details); err != nil {
			return nil, fmt.Errorf("citizen access log details: %w", err)
		}
	}
	return out, nil
}

// DeleteAuditBefore deletes the audit entries older than the time (the retention limit) and
// returns how many.
func (s *Store) DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM audit_log WHERE at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("delete expired audit entries: %w", translate(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
