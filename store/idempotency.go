package store

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"tvp/domain"
)

// StoredResponse is the first answer given to an idempotency key, and what the request was
// about (an access action and its subject), so that a repeat asks the access rule again.
type StoredResponse struct {
	Status      int
	Body        []byte
	ContentType string
	Action      string
	SubjectType string
	SubjectID   string
}

// ClaimIdempotencyKey claims the caller's key for a request. It returns nil if the request is
// the first with this key within ttl (the caller goes on, then calls SaveIdempotentResponse
// or ReleaseIdempotencyKey), or the stored first answer. The same key with another request,
// or while the first is still running, is EConflict. A key older than ttl is forgotten: its
// answer is given no more.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, actorID, key, method, path string, requestHash []byte, ttl time.Duration) (*StoredResponse, error) {
	// A claim released after a failure on the server's side, or left in flight for a minute
	// (its request died with its process), is taken over by the same request. An expired
	// answer is taken over by any.
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO idempotency_keys (actor_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (actor_id, key) DO UPDATE SET created_at = now(), method = EXCLUDED.method, path = EXCLUDED.path,
			request_hash = EXCLUDED.request_hash, status = NULL, body = NULL, content_type = NULL,
			action = NULL, subject_type = NULL, subject_id = NULL, released = false
		WHERE idempotency_keys.created_at < now() - make_interval(secs => $6)
			OR (idempotency_keys.status IS NULL
				AND (idempotency_keys.released OR idempotency_keys.created_at < now() - interval '1 minute')
				AND idempotency_keys.method = EXCLUDED.method AND idempotency_keys.path = EXCLUDED.path
				AND idempotency_keys.request_hash = EXCLUDED.request_hash)`,
		actorID, key, method, path, requestHash, ttl.Seconds())
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", translate(err))
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var row struct {
		Method, Path                          string
		Hash                                  []byte
		Status                                *int
		Body                                  []byte
		ContentType, Action, SubjType, SubjID *string
	}
	err = s.db.QueryRowContext(ctx, `
		SELECT method, path, request_hash, status, body, content_type, action, subject_type, subject_id FROM idempotency_keys
		WHERE actor_id = $1 AND key = $2`, actorID, key).Scan(&row.Method, &row.Path, &row.Hash, &row.Status, &row.Body,
		&row.ContentType, &row.Action, &row.SubjType, &row.SubjID)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", translate(err))
	}
	if row.Method != method || row.Path != path || !bytes.Equal(row.Hash, requestHash) {
		return nil, domain.Errorf(domain.EConflict, "this Idempotency-Key was used for another request")
	}
	if row.Status == nil {
		return nil, domain.Errorf(domain.EConflict, "a request with this Idempotency-Key is still being processed")
	}
	return &StoredResponse{Status: *row.Status, Body: row.Body, ContentType: deref(row.ContentType),
		Action: deref(row.Action), SubjectType: deref(row.SubjType), SubjectID: deref(row.SubjID)}, nil
}

// SaveIdempotentResponse stores the first answer to the key.
func (s *Store) SaveIdempotentResponse(ctx context.Context, actorID, key string, r StoredResponse) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE idempotency_keys SET status = $3, body = $4, content_type = $5,
			action = NULLIF($6, ''), subject_type = NULLIF($7, ''), subject_id = NULLIF($8, '')
		WHERE actor_id = $1 AND key = $2`,
		actorID, key, r.Status, r.Body, r.ContentType, r.Action, r.SubjectType, r.SubjectID)
	if err != nil {
		return fmt.Errorf("save idempotent response: %w", translate(err))
	}
	return nil
}

// ReleaseIdempotencyKey releases a claim whose request failed on the server's side: a retry
// of the same request with the key runs again; another request with the key is still refused,
// as the failed one may have done part of its work (a step's Update that went on after the
// answer timed out).
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, actorID, key string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE idempotency_keys SET released = true WHERE actor_id = $1 AND key = $2 AND status IS NULL`, actorID, key)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", translate(err))
	}
	return nil
}

// DeleteIdempotencyKeysBefore deletes the keys (and their stored answers) claimed before the
// time, and returns how many.
func (s *Store) DeleteIdempotencyKeysBefore(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("delete expired idempotency keys: %w", translate(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
