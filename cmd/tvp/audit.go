package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"

	"tvp/internal/config"
)

// errChainBroken is the audit log not fitting its hash chain.
var errChainBroken = errors.New("the audit log does not fit its hash chain")

// runAuditVerify walks the audit log's hash chain and recomputes every row's hash. It returns
// nil when every row fits, and otherwise an error that names the first row that does not
// (the command then exits 1). It reads as the application's role: reading is all it needs.
func runAuditVerify(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := s.VerifyAuditChain(ctx)
	if err != nil {
		return err
	}
	if rep.Break != nil {
		return fmt.Errorf("%w: %s", errChainBroken, rep.Break)
	}
	attrs := []any{"rows", rep.Rows, "first_id", rep.FirstID, "last_id", rep.LastID, "head", hex.EncodeToString(rep.Head)}
	if rep.AnchorID != 0 {
		attrs = append(attrs, "from_retention_entry", rep.AnchorID)
	}
	log.Info("the audit log fits its hash chain", attrs...)
	return nil
}
