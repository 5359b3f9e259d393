package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tvp/domain"
)

// StuckEffects is one workflow's list of stuck effects at one change (seq) of it.
type StuckEffects struct {
	WorkflowID  string
	SubjectType domain.SubjectType
	SubjectID   string
	Seq         int64
	Effects     []domain.StuckEffect
	At          time.Time
}

// RecordStuckEffects writes a workflow's list of stuck effects: those in the list are open
// (added or updated), the workflow's other open ones are resolved at At. Ordered by Seq: a
// write older than the stored one changes nothing, so a late retry never reopens an effect.
func (s *Store) RecordStuckEffects(ctx context.Context, x StuckEffects) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		keys := make([]string, len(x.Effects))
		for i, e := range x.Effects {
			keys[i] = e.Key
			var retry *time.Time
			if !e.RetryAt.IsZero() {
				retry = &e.RetryAt
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO stuck_effects (workflow_id, effect_key, subject_type, subject_id, kind, error, since,
					attempts, retry_at, seq)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
				ON CONFLICT (workflow_id, effect_key) DO UPDATE SET kind = EXCLUDED.kind, error = EXCLUDED.error,
					since = CASE WHEN stuck_effects.resolved_at IS NULL THEN stuck_effects.since ELSE EXCLUDED.since END,
					attempts = EXCLUDED.attempts, retry_at = EXCLUDED.retry_at, resolved_at = NULL,
					seq = EXCLUDED.seq, updated_at = now()
				WHERE stuck_effects.seq < EXCLUDED.seq`,
				x.WorkflowID, e.Key, x.SubjectType, x.SubjectID, e.Kind, e.Error, e.Since, e.Attempts, retry, x.Seq); err != nil {
				return fmt.Errorf("record stuck effect of %s: %w", x.WorkflowID, translate(err))
			}
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE stuck_effects SET resolved_at = $3, seq = $4, updated_at = now()
			WHERE workflow_id = $1 AND resolved_at IS NULL AND NOT (effect_key = ANY($2)) AND seq < $4`,
			x.WorkflowID, pq.StringArray(keys), x.At, x.Seq); err != nil {
			return fmt.Errorf("resolve stuck effects of %s: %w", x.WorkflowID, translate(err))
		}
		return nil
	})
}

// stuckEffectRow is a row of OpenStuckEffects.
type stuckEffectRow struct {
	domain.StuckEffect
	WorkflowID  string             ` db:"workflow_id"`
	SubjectType domain.SubjectType ` db:"subject_type"`
	SubjectID   string             ` db:"subject_id"`
	ResolvedAt  *time.Time         ` db:"resolved_at"`
}

// OpenStuckEffects returns every effect that is stuck now, oldest first; with a workflow ID,
// only that workflow's.
func (s *Store) OpenStuckEffects(ctx context.Context, workflowID string) ([]domain.WorkflowEffect, error) {
	out := []stuckEffectRow{}
	err := s.db.SelectContext(ctx, &out, `
		SELECT workflow_id, effect_key, subject_type, subject_id, kind, error, since, attempts,
			COALESCE(retry_at, since) AS retry_at, resolved_at
		FROM stuck_effects WHERE resolved_at IS NULL AND ($1 = '' OR workflow_id = $1)
		ORDER BY since, workflow_id, effect_key`, workflowID)
	if err != nil {
		return nil, fmt.Errorf("stuck effects: %w", translate(err))
	}
	return convert(out, func(r stuckEffectRow) domain.WorkflowEffect { return domain.WorkflowEffect(r) }), nil
}
