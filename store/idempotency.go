package store

import (
	"bytes"
	"context"
	"fmt"

	"tvp/domain"
)

// StoredResponse is the first answer given to an idempotency key.
type StoredResponse struct {
	Status      int
	Body        []byte
	ContentType string
}

// ClaimIdempotencyKey claims the caller's key for a request. It returns nil if the request is
// the first with this key (the caller goes on, then calls SaveIdempotentResponse or
// ReleaseIdempotencyKey), or the stored first answer. The same key with another request, or
// while the first is still running, is EConflict.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, actorID, key, method, path string, requestHash []byte) (*StoredResponse, error) {
	// A claim left in flight for a minute belongs to a request that died with its process:
	// the next request with the key takes it over.
	res, err := s.db.ExecContext(ctx, `
		INSERT INTO idempotency_keys (actor_id, key, method, path, request_hash) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (actor_id, key) DO UPDATE SET created_at = now()
		WHERE idempotency_keys.status IS NULL AND idempotency_keys.created_at < now() - interval '1 minute'
			AND idempotency_keys.request_hash = EXCLUDED.request_hash`, actorID, key, method, path, requestHash)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", translate(err))
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var row struct {
		Method, Path string
		Hash         []byte
		Status       *int
		Body         []byte
		ContentType  *string
	}
	err = s.db.QueryRowContext(ctx, `
		SELECT method, path, request_hash, status, body, content_type FROM idempotency_keys
		WHERE actor_id = $1 AND key = $2`, actorID, key).Scan(&row.Method, &row.Path, &row.Hash, &row.Status, &row.Body, &row.ContentType)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", translate(err))
	}
	if row.Method != method || row.Path != path || !bytes.Equal(row.Hash, requestHash) {
		return nil, domain.Errorf(domain.EConflict, "this Idempotency-Key was used for another request")
	}
	if row.Status == nil {
		return nil, domain.Errorf(domain.EConflict, "a request with this Idempotency-Key is still being processed")
	}
	ct := ""
	if row.ContentType != nil {
		ct = *row.ContentType
	}
	return &StoredResponse{Status: *row.Status, Body: row.Body, ContentType: ct}, nil
}

// SaveIdempotentResponse stores the first answer to the key.
func (s *Store) SaveIdempotentResponse(ctx context.Context, actorID, key string, r StoredResponse) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE idempotency_keys SET status = $3, body = $4, content_type = $5 WHERE actor_id = $1 AND key = $2`,
		actorID, key, r.Status, r.Body, r.ContentType)
	if err != nil {
		return fmt.Errorf("save idempotent response: %w", translate(err))
	}
	return nil
}

// ReleaseIdempotencyKey forgets a claim whose request failed on the server's side, so that a
// retry with the same key runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, actorID, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE actor_id = $1 AND key = $2 AND status IS NULL`, actorID, key)
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", translate(err))
	}
	return nil
}
