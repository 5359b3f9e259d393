// Package report builds the status report that the committees read: the seed's table per
// team, goal progression, caseloads against the norms, extensions, and the collaboration
// model. It is built from the read model, served as JSON and CSV, and stored half-yearly.
package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"tvp/domain"
	"tvp/words"
)

// Status is the whole status report.
type Status struct {
	AsOf           time.Time                   `json:"as_of"`
	Teams          []domain.TeamStatus         `json:"teams"`
	Progression    []domain.ProgressionStat    `json:"progression"`
	Caseloads      []domain.ConsultantCaseload `json:"caseloads"`
	CentreCaseload []domain.CentreCaseload     `json:"centre_caseloads"`
	Extensions     []domain.ExtensionStat      `json:"extensions"`
	Collaboration  domain.CollaborationStat    `json:"collaboration"`
}

// Source is where the reports read the programme's figures (the store).
type Source interface {
	TeamStatuses(ctx context.Context, asOf time.Time) ([]domain.TeamStatus, error)
	ProgressionStats(ctx context.Context) ([]domain.ProgressionStat, error)
	Caseloads(ctx context.Context) ([]domain.ConsultantCaseload, error)
	ListTeams(ctx context.Context) ([]domain.Team, error)
	CentreCaseloads(ctx context.Context) ([]domain.CentreCaseload, error)
	ExtensionStats(ctx context.Context) ([]domain.ExtensionStat, error)
	CollaborationStats(ctx context.Context, asOf time.Time) (domain.CollaborationStat, error)
	Resources(ctx context.Context) (domain.Resources, error)
	TeamFigures(ctx context.Context, asOf time.Time) ([]domain.TeamFigures, error)
	Targets(ctx context.Context) ([]domain.Target, error)
}

// Caseloads are every consultant's caseload against the norm of their team.
func Caseloads(ctx context.Context, s Source) ([]domain.ConsultantCaseload, error) {
	loads, err := s.Caseloads(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := s.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	return domain.WithNorms(loads, teams), nil
}

// Build assembles the report as of the time.
func Build(ctx context.Context, s Source, asOf time.Time) (Status, error) {
	r := Status{AsOf: asOf}
	var err error
	if r.Teams, err = s.TeamStatuses(ctx, asOf); err != nil {
		return r, err
	}
	if r.Progression, err = s.ProgressionStats(ctx); err != nil {
		return r, err
	}
	if r.Progression == nil {
		r.Progression = []domain.ProgressionStat{}
	}
	if r.Caseloads, err = Caseloads(ctx, s); err != nil {
		return r, err
	}
	if r.CentreCaseload, err = s.CentreCaseloads(ctx); err != nil {
		return r, err
	}
	if r.Extensions, err = s.ExtensionStats(ctx); err != nil {
		return r, err
	}
	if r.Collaboration, err = s.CollaborationStats(ctx, asOf); err != nil {
		return r, err
	}
	if r.Teams == nil {
		r.Teams = []domain.TeamStatus{}
	}
	if r.Caseloads == nil {
		r.Caseloads = []domain.ConsultantCaseload{}
	}
	return r, nil
}

// TeamsCSV renders the team table as CSV (Danish headings, as the committees read it).
func TeamsCSV(teams []domain.TeamStatus) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';' // what Danish spreadsheets expect
	rows := [][]string{words.TeamTable()}
	for _, t := range teams {
		rows = append(rows, []string{t.TeamName, itoa(t.Touched), itoa(t.Referred), itoa(t.Ongoing), itoa(t.Ended),
			itoa(t.Employment), itoa(t.Education), itoa(t.SelfSupport), itoa(t.NoResult), itoa(t.HandedBack), itoa(t.ToModel)})
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return buf.Bytes(), nil
}

func itoa(n int) string { return strconv.Itoa(n) }
