package domain_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"tvp/domain"
)

// The municipality's day is Copenhagen's: from 23:00 UTC in winter (22:00 in summer) it is
// tomorrow's date in UTC terms, and a date is "today" or "ahead" by that day, whatever the hour.
func TestTheMunicipalitysDay(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	date := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		now, today string
	}{
		{"2026-12-07T22:59:59Z", "2026-12-07"},
		{"2026-12-07T23:00:00Z", "2026-12-08"}, // midnight in Copenhagen (CET)
		{"2026-06-30T21:59:59Z", "2026-06-30"},
		{"2026-06-30T22:00:00Z", "2026-07-01"}, // midnight in Copenhagen (CEST)
		{"2026-03-29T00:30:00Z", "2026-03-29"}, // the night summer time begins
		{"2026-10-24T22:30:00Z", "2026-10-25"}, // the night it ends
	}
	for _, c := range cases {
		now := at(c.now)
		assert.Equal(t, c.today, domain.DayIn(now), c.now)
		assert.Equal(t, date(c.today), domain.DateIn(now), c.now)
		assert.Equal(t, time.UTC, domain.DateIn(now).Location())
		today := date(c.today)
		assert.False(t, domain.AfterToday(today, now), "%s: today is not ahead", c.now)
		assert.False(t, domain.AfterToday(today.AddDate(0, 0, -1), now), "%s: yesterday is not ahead", c.now)
		assert.True(t, domain.AfterToday(today.AddDate(0, 0, 1), now), "%s: tomorrow is ahead", c.now)
		// A date carried with a time or in another zone is still its calendar date.
		assert.False(t, domain.AfterToday(today.Add(23*time.Hour), now), "%s: later today is today", c.now)
	}
}

// The half-year a report is of is the one that ended before the municipality's day: at 00:30 in
// Copenhagen on 1 January (23:30 UTC on 31 December) the second half of the year has ended.
func TestHalfYearBefore(t *testing.T) {
	cases := []struct{ at, from, to string }{
		{"2026-12-31T22:59:00Z", "2026-01-01", "2026-07-01"},
		{"2026-12-31T23:30:00Z", "2026-07-01", "2027-01-01"},
		{"2027-03-15T12:00:00Z", "2026-07-01", "2027-01-01"},
		{"2027-06-30T22:30:00Z", "2027-01-01", "2027-07-01"}, // 00:30 on 1 July in summer time
	}
	for _, c := range cases {
		at, err := time.Parse(time.RFC3339, c.at)
		if err != nil {
			t.Fatal(err)
		}
		from, to := domain.HalfYearBefore(at)
		assert.Equal(t, c.from, from.Format(time.DateOnly), c.at)
		assert.Equal(t, c.to, to.Format(time.DateOnly), c.at)
	}
}
