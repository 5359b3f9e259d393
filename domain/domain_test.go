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
	assert.Equal(t, domain.Days(365), u.CourseLength)
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
