package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"tvp/domain"
)

// AppendAudit appends entries to the audit log, in one statement. An entry with a key that is
// already logged adds nothing, so a retried activity logs once. An entry without a time is
// logged at the database's now.
func (s *Store) AppendAudit(ctx context.Context, entries ...domain.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	n := len(entries)
	var (
		at                                              = make([]*time.Time, n)
		actor, action, stype, sid, citizen, purpose, dt = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]string, n), make([]string, n)
		key                                             = make([]*string, n)
		refused                                         = make([]bool, n)
	)
	for i, e := range entries {
		dt[i] = "{}"
		if len(e.Details) > 0 {
			var err error
			if dt[i], err = jsonText(e.Details); err != nil {
				return fmt.Errorf("append audit %s: %w", e.Action, err)
			}
		}
		if e.Key != "" {
			k := e.Key
			key[i] = &k
		}
		if !e.At.IsZero() {
			t := e.At
			at[i] = &t
		}
		actor[i], action[i], stype[i], sid[i], citizen[i], purpose[i], refused[i] =
			e.ActorID, string(e.Action), string(e.SubjectType), e.SubjectID, e.CitizenID, e.Purpose, e.Refused
	}
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, citizen_id, purpose, details, key, refused)
		SELECT COALESCE(x.at, now()), x.actor, x.action, x.stype, x.sid, x.citizen::uuid, x.purpose, x.details::jsonb, x.key, x.refused
		FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[])
			WITH ORDINALITY AS x(at, actor, action, stype, sid, citizen, purpose, details, key, refused, ord)
		ORDER BY x.ord
		ON CONFLICT (key) DO NOTHING`,
		pq.Array(at), pq.StringArray(actor), pq.StringArray(action), pq.StringArray(stype), pq.StringArray(sid),
		pq.Array(citizen), pq.StringArray(purpose), pq.StringArray(dt), pq.Array(key), pq.BoolArray(refused))
	if err != nil {
		return fmt.Errorf("append audit %s: %w", entries[0].Action, translate(err))
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
		SELECT at, actor_id, action, subject_type, subject_id, citizen_id::text, purpose, details, COALESCE(key, '') AS key, refused
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
