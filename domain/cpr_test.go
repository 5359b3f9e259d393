package domain_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
)

// A CPR hash is reversed by whoever has the pepper: the numbers of the citizen's birth day at
// once, the rest by trying the days given.
func TestReverseCPRHashes(t *testing.T) {
	peppers := []string{"the previous pepper", "the current pepper"}
	day := func(s string) *time.Time {
		d, err := time.Parse(time.DateOnly, s)
		require.NoError(t, err)
		return &d
	}
	targets := []domain.CPRTarget{
		{Hash: domain.CPRHash(peppers[0], "0102031234"), Born: day("2003-02-01")}, // its birth day
		{Hash: domain.CPRHash(peppers[1], "1505904321")},                          // the current pepper, no birth day
		{Hash: domain.CPRHash(peppers[0], "1605900001"), Born: day("1990-05-15")}, // a birth day that is not its CPR date
		{Hash: domain.CPRHash("another pepper", "1505900002")},                    // under neither
		{Hash: domain.CPRHash(peppers[0], "0101500003")},                          // outside the days tried
		{Hash: []byte("not a hash")},
	}
	from := time.Date(1990, 5, 10, 0, 0, 0, 0, time.UTC)
	found, err := domain.ReverseCPRHashes(context.Background(), peppers, targets, domain.DayRange{From: from, To: from.AddDate(0, 0, 10)})
	require.NoError(t, err)
	assert.Equal(t, []domain.CPRFound{
		{CPR: "0102031234", Pepper: 0}, {CPR: "1505904321", Pepper: 1}, {CPR: "1605900001", Pepper: 0}, {}, {}, {},
	}, found)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = domain.ReverseCPRHashes(ctx, peppers, targets[1:2], domain.CPRDays)
	assert.ErrorIs(t, err, context.Canceled, "a long search stops when asked")
}

// CPRDays are exactly the dates NormalizeCPR accepts.
func TestCPRDays(t *testing.T) {
	n := 0
	for d := domain.CPRDays.From; !d.After(domain.CPRDays.To); d = d.AddDate(0, 0, 1) {
		n++
	}
	assert.Equal(t, 36525, n, "a hundred years, each DDMMYY once")
	for _, s := range []string{"010169-0000", "311268-9999", "290200-1234", "290268-1234"} {
		_, err := domain.NormalizeCPR(s)
		assert.NoError(t, err, s)
	}
	_, err := domain.NormalizeCPR("290269-1234")
	assert.Error(t, err, "2069 is not a leap year, and 1969 neither")
}
