package store

import (
	"context"
	"fmt"
)

// MigrateTo applies the migrations up to version, for a test of a migration over the data of
// the schema before it.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	p, err := s.migrations()
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("migrate to %d: %w", version, err)
	}
	return nil
}
