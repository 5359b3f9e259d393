package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
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
