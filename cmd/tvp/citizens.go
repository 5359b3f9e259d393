package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"tvp/domain"
	"tvp/internal/config"
	"tvp/store"
)

// errRehashIncomplete is a rehash that left citizens it could not move.
var errRehashIncomplete = errors.New("citizens left behind")

// runCitizensRehash moves every citizen's CPR hash from the previous pepper
// (TVP_CPR_PEPPER_PREVIOUS) to the current one (TVP_CPR_PEPPER). The numbers are not stored,
// so each hash is reversed with the previous pepper by trying CPR numbers (the citizen's
// birth day first, then every day: minutes), and hashed again. It exits 0 when every citizen
// is under the current pepper, and 1 naming how many are not.
func runCitizensRehash(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	if cfg.CPRPepperPrevious == "" {
		return errors.New("TVP_CPR_PEPPER_PREVIOUS: set it to the pepper to move from, and TVP_CPR_PEPPER to the new one")
	}
	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := rehashCitizens(ctx, s, cfg.CPRPepper, cfg.CPRPepperPrevious, domain.CPRDays, log)
	if err != nil {
		return err
	}
	log.Info("citizens rehashed", "citizens", rep.Citizens, "moved", rep.Moved, "already_current", rep.Current,
		"under_neither", len(rep.Neither), "recorded_twice", len(rep.Taken))
	return rep.err()
}

// err says which citizens the rehash left behind, if any.
func (rep rehashReport) err() error {
	var left []string
	if n := len(rep.Neither); n > 0 {
		left = append(left, fmt.Sprintf("%d under neither pepper (a wrong TVP_CPR_PEPPER_PREVIOUS?): %s", n, some(rep.Neither)))
	}
	if n := len(rep.Taken); n > 0 {
		left = append(left, fmt.Sprintf("%d recorded twice, once under each pepper (not moved; merge them): %s", n, some(rep.Taken)))
	}
	if len(left) > 0 {
		return fmt.Errorf("%w: %s", errRehashIncomplete, strings.Join(left, "; "))
	}
	return nil
}

// some lists at most five ids.
func some(ids []string) string {
	if len(ids) > 5 {
		return strings.Join(ids[:5], ", ") + ", …"
	}
	return strings.Join(ids, ", ")
}

// rehashReport is what a rehash did: of Citizens, Moved were moved to the current pepper and
// Current were under it already; Neither were under neither pepper, Taken (recorded twice)
// could not be moved.
type rehashReport struct {
	Citizens, Moved, Current int
	Neither, Taken           []string
}

// rehashCitizens moves the citizens under the previous pepper to the current one, trying the
// CPR numbers of days (domain.CPRDays; a test tries fewer) for those not found by birth day.
func rehashCitizens(ctx context.Context, s *store.Store, current, previous string, days domain.DayRange, log *slog.Logger) (rehashReport, error) {
	rows, err := s.CitizenHashes(ctx)
	if err != nil {
		return rehashReport{}, err
	}
	targets := make([]domain.CPRTarget, len(rows))
	for i, r := range rows {
		targets[i] = domain.CPRTarget{Hash: r.Hash, Born: r.BirthDate}
	}
	log.Info("reversing the citizens' CPR hashes: by birth day first, then every CPR number (minutes)", "citizens", len(rows))
	start := time.Now()
	found, err := domain.ReverseCPRHashes(ctx, []string{previous, current}, targets, days)
	if err != nil {
		return rehashReport{}, fmt.Errorf("reverse the CPR hashes: %w", err)
	}
	log.Info("CPR hashes reversed", "took", time.Since(start).Round(time.Second))
	rep := rehashReport{Citizens: len(rows)}
	var moves []store.HashMove
	for i, f := range found {
		switch {
		case f.CPR == "":
			rep.Neither = append(rep.Neither, rows[i].ID)
		case f.Pepper == 1:
			rep.Current++
		default:
			moves = append(moves, store.HashMove{ID: rows[i].ID, From: rows[i].Hash, To: domain.CPRHash(current, f.CPR)})
		}
	}
	moved, taken, err := s.MoveCitizenHashes(ctx, moves)
	if err != nil {
		return rep, err
	}
	rep.Moved, rep.Taken = int(moved), taken
	return rep, nil
}
