package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tvp/domain"
)

// CitizenHash is how a citizen is recognised: the keyed hash of their CPR number, and their
// birth day if known (the day a CPR number usually starts with).
type CitizenHash struct {
	ID        string     `db:"id"`
	Hash      []byte     `db:"cpr_hmac"`
	BirthDate *time.Time `db:"birth_date"`
}

// CitizenHashes returns every citizen's hash, for tvp citizens rehash.
func (s *Store) CitizenHashes(ctx context.Context) ([]CitizenHash, error) {
	var out []CitizenHash
	err := s.db.SelectContext(ctx, &out, `SELECT id::text, cpr_hmac, birth_date FROM citizens WHERE cpr_hmac IS NOT NULL ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("citizen hashes: %w", translate(err))
	}
	return out, nil
}

// HashMove moves a citizen's hash from one pepper's to another's.
type HashMove struct {
	ID       string
	From, To []byte
}

// MoveCitizenHashes gives each citizen the new hash, if they still have the old one, in one
// transaction; it returns how many moved. A new hash that another citizen already has (the
// same person recorded twice, once under each pepper: an API that ran with the new pepper
// without the previous one) is not moved: those citizens are returned, for a person to look
// at.
func (s *Store) MoveCitizenHashes(ctx context.Context, moves []HashMove) (moved int64, taken []string, err error) {
	if len(moves) == 0 {
		return 0, nil, nil
	}
	ids, from, to := make([]string, len(moves)), make([][]byte, len(moves)), make([][]byte, len(moves))
	for i, m := range moves {
		ids[i], from[i], to[i] = m.ID, m.From, m.To
	}
	err = s.Transact(ctx, func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &taken, `
			SELECT m.id FROM unnest($1::uuid[], $2::bytea[]) AS m(id, h)
			JOIN citizens c ON c.cpr_hmac = m.h AND c.id <> m.id ORDER BY m.id`,
			pq.StringArray(ids), pq.ByteaArray(to)); err != nil {
			return fmt.Errorf("move citizen hashes: %w", translate(err))
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE citizens c SET cpr_hmac = m.h_to
			FROM unnest($1::uuid[], $2::bytea[], $3::bytea[]) AS m(id, h_from, h_to)
			WHERE c.id = m.id AND c.cpr_hmac = m.h_from
				AND NOT EXISTS (SELECT 1 FROM citizens o WHERE o.cpr_hmac = m.h_to AND o.id <> m.id)`,
			pq.StringArray(ids), pq.ByteaArray(from), pq.ByteaArray(to))
		if err != nil {
			return fmt.Errorf("move citizen hashes: %w", translate(err))
		}
		moved, err = res.RowsAffected()
		return err
	})
	return moved, taken, err
}

// CitizenByHash returns the citizen recognised by one of the keyed CPR hashes (the current
// pepper's first, then the one being rotated out); ENotFound if none is in the programme.
func (s *Store) CitizenByHash(ctx context.Context, hashes ...[]byte) (string, error) {
	var ids []string
	err := s.db.SelectContext(ctx, &ids, `
		SELECT id::text FROM citizens WHERE cpr_hmac = ANY($1) ORDER BY cpr_hmac = $2 DESC LIMIT 1`,
		pq.ByteaArray(hashes), firstOf(hashes))
	if err != nil {
		return "", fmt.Errorf("citizen by hash: %w", translate(err))
	}
	if len(ids) == 0 {
		return "", domain.Errorf(domain.ENotFound, "no citizen in the programme has this CPR number")
	}
	return ids[0], nil
}

func firstOf(hashes [][]byte) []byte {
	if len(hashes) == 0 {
		return nil
	}
	return hashes[0]
}

// CitizenName returns a citizen's name; ENotFound if there is no such citizen (id is a UUID).
func (s *Store) CitizenName(ctx context.Context, id string) (string, error) {
	var name string
	err := s.db.GetContext(ctx, &name, `SELECT name FROM citizens WHERE id = $1`, id)
	if err != nil {
		return "", fmt.Errorf("citizen %s: %w", id, notFound(err, "no such citizen"))
	}
	return name, nil
}

// SetCitizenHash gives a citizen the keyed hash of their CPR number (the demo citizens, whose
// made-up numbers the development provider asserts), unless another citizen has it already.
func (s *Store) SetCitizenHash(ctx context.Context, id string, hash []byte) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE citizens SET cpr_hmac = $2
		WHERE id = $1 AND cpr_hmac IS DISTINCT FROM $2 AND NOT EXISTS (SELECT 1 FROM citizens WHERE cpr_hmac = $2)`, id, hash)
	if err != nil {
		return fmt.Errorf("set citizen hash: %w", translate(err))
	}
	return nil
}
