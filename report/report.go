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
	"tvp/store"
)

// Status is the whole status report.
type Status struct {
	AsOf           time.Time               `json:"as_of"`
	Teams          []store.TeamStatus      `json:"teams"`
	Progression    []store.ProgressionStat `json:"progression"`
	Caseloads      []store.ConsultantLoad  `json:"caseloads"`
	CentreCaseload []domain.CentreCaseload `json:"centre_caseloads"`
	Extensions     []store.ExtensionStat   `json:"extensions"`
	Collaboration  store.CollaborationStat `json:"collaboration"`
}

// Build assembles the report as of the time.
func Build(ctx context.Context, s *store.Store, asOf time.Time) (Status, error) {
	r := Status{AsOf: asOf}
	var err error
	if r.Teams, err = s.TeamStatuses(ctx, asOf); err != nil {
		return r, err
	}
	if r.Progression, err = s.ProgressionStats(ctx); err != nil {
		return r, err
	}
	if r.Progression == nil {
		r.Progression = []store.ProgressionStat{}
	}
	if r.Caseloads, err = s.Caseloads(ctx); err != nil {
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
		r.Teams = []store.TeamStatus{}
	}
	if r.Caseloads == nil {
		r.Caseloads = []store.ConsultantLoad{}
	}
	return r, nil
}

// TeamsCSV renders the team table as CSV (Danish headings, as the committees read it).
func TeamsCSV(teams []store.TeamStatus) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';' // what Danish spreadsheets expect
	rows := [][]string{{"team", "berørte borgere", "visiterede forløb", "igangværende", "afsluttede",
		"beskæftigelse", "uddannelse", "selvforsørgelse", "uden resultat", "tilbage til centrene", "til samarbejdsmodellen"}}
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

// HalfYear returns the half-year that ended last before t: [from, to).
func HalfYear(t time.Time) (from, to time.Time) {
	t = t.UTC()
	if t.Month() >= time.July {
		to = time.Date(t.Year(), time.July, 1, 0, 0, 0, 0, time.UTC)
	} else {
		to = time.Date(t.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
	}
	return to.AddDate(0, -6, 0), to
}
