package domain_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
)

func TestDurationJSON(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
		out  string
	}{
		{`"60d"`, 60 * 24 * time.Hour, `"60d"`},
		{`"36h"`, 36 * time.Hour, `"36h0m0s"`},
		{`"48h"`, 48 * time.Hour, `"2d"`},
		{`"90s"`, 90 * time.Second, `"1m30s"`},
	}
	for _, tc := range cases {
		var d domain.Duration
		require.NoError(t, json.Unmarshal([]byte(tc.in), &d), tc.in)
		assert.Equal(t, tc.want, d.D())
		b, err := json.Marshal(d)
		require.NoError(t, err)
		assert.Equal(t, tc.out, string(b))
	}
	for _, bad := range []string{`"1.5d"`, `"soon"`, `60`} {
		var d domain.Duration
		assert.Error(t, json.Unmarshal([]byte(bad), &d), bad)
	}
}

func TestDefaultSettingsAreTheSeeds(t *testing.T) {
	u := domain.DefaultTeamSettings(domain.TargetYoung)
	f := domain.DefaultTeamSettings(domain.TargetFamily)
	require.NoError(t, u.Validate())
	require.NoError(t, f.Validate())
	assert.Equal(t, domain.Years(1), u.CourseLength, "up to 1 year")
	assert.Equal(t, domain.Months(6), u.ProgressionInterval, "every half year")
	assert.Equal(t, domain.Days(60), u.EndReminderLead)
	assert.Equal(t, [2]int{5, 10}, [2]int{u.CaseloadMin, u.CaseloadMax})
	assert.Equal(t, [2]int{3, 3}, [2]int{f.CaseloadMin, f.CaseloadMax})
	assert.Equal(t, 17.0, u.HalfTimeHours)
}

func TestNormalizeCPR(t *testing.T) {
	for in, want := range map[string]string{"010203-1234": "0102031234", " 0102031234 ": "0102031234"} {
		got, err := domain.NormalizeCPR(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "123", "01020312345", "3201031234", "01a2031234"} {
		_, err := domain.NormalizeCPR(bad)
		assert.Equal(t, domain.EInvalid, domain.ErrorCode(err), bad)
		assert.Equal(t, "cpr", domain.ErrorField(err))
	}
	a := domain.CPRHash("p1", "0102031234")
	assert.Equal(t, a, domain.CPRHash("p1", "0102031234"))
	assert.NotEqual(t, a, domain.CPRHash("p2", "0102031234"), "the pepper keys the hash")
}

// A period is counted as people count it: a year in the calendar, half a year as six
// months, the month's last day where the month is shorter; days and exact lengths as they are.
func TestPeriodsCountInTheCalendar(t *testing.T) {
	day := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return v
	}
	cases := []struct {
		p          domain.Period
		from, want string
	}{
		{domain.Years(1), "2019-11-01", "2020-11-01"}, // not 2020-10-31 (365 days, 2020 a leap year)
		{domain.Years(1), "2024-02-29", "2025-02-28"},
		{domain.Months(6), "2026-08-31", "2027-02-28"},
		{domain.Months(6), "2026-01-05", "2026-07-05"},
		{domain.Period{Years: 1, Months: 6}, "2026-01-31", "2027-07-31"},
		{domain.Months(-1), "2026-03-31", "2026-02-28"},
		{domain.DaysPeriod(365), "2019-11-01", "2020-10-31"},
		{domain.Years(2), "2026-01-05", "2028-01-05"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.p.After(day(c.from)).Format(time.DateOnly), "%s after %s", c.p, c.from)
	}
	at := time.Date(2026, 1, 5, 10, 30, 0, 0, time.UTC)
	assert.Equal(t, at.Add(90*time.Second), domain.ExactPeriod(90*time.Second).After(at))

	for _, tc := range []struct {
		in   string
		want domain.Period
		out  string
	}{
		{"1y", domain.Years(1), "1y"},
		{"6mo", domain.Months(6), "6mo"},
		{"1y6mo", domain.Period{Years: 1, Months: 6}, "1y6mo"},
		{"365d", domain.DaysPeriod(365), "365d"}, // as stored before periods: stays 365 days
		{"48h", domain.DaysPeriod(2), "2d"},
		{"90m", domain.ExactPeriod(90 * time.Minute), "1h30m0s"},
		{"36h", domain.ExactPeriod(36 * time.Hour), "36h0m0s"},
	} {
		var p domain.Period
		require.NoError(t, json.Unmarshal([]byte(`"`+tc.in+`"`), &p), tc.in)
		assert.Equal(t, tc.want, p, tc.in)
		b, err := json.Marshal(p)
		require.NoError(t, err)
		assert.Equal(t, `"`+tc.out+`"`, string(b))
	}
	for _, bad := range []string{`""`, `"1x"`, `"y"`, `"1y36h"`, `12`, `"mo"`} {
		var p domain.Period
		assert.Error(t, json.Unmarshal([]byte(bad), &p), bad)
	}
	assert.Equal(t, 182*24*time.Hour, domain.Months(6).Exactly(), "the half year courses counted before")
	assert.Equal(t, 365*24*time.Hour, domain.Years(1).Exactly())
}
