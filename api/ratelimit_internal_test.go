package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// A bucket that has filled up again is forgotten when the map grows, and past maxKeys the
// unknown keys share one bucket: made-up keys (addresses, user names) cannot exhaust memory.
func TestLimiterStaysBounded(t *testing.T) {
	now := time.Unix(0, 0)
	l := newLimiter(Rate{PerSecond: 1, Burst: 2}, func() time.Time { return now })

	assert.Zero(t, l.take("a"))
	assert.Zero(t, l.take("a"))
	assert.InDelta(t, time.Second, l.take("a"), float64(time.Millisecond), "the third waits a second")
	now = now.Add(500 * time.Millisecond)
	assert.InDelta(t, 500*time.Millisecond, l.take("a"), float64(time.Millisecond), "a refused request takes no token")

	for i := range maxKeys + 10 {
		l.take(fmt.Sprint("k", i))
	}
	assert.LessOrEqual(t, len(l.buckets), maxKeys+1, "at most maxKeys and the shared one")
	assert.NotZero(t, l.take("one more"), "past maxKeys unknown keys share a bucket, long used up")

	now = now.Add(3 * time.Second) // every bucket is full again
	l.take("fresh")
	assert.Less(t, len(l.buckets), 10, "full buckets are forgotten")
	assert.Zero(t, l.take("a"), "a forgotten bucket starts full")
}

func TestLimiterOff(t *testing.T) {
	l := newLimiter(Rate{}, time.Now)
	for range 1000 {
		assert.Zero(t, l.take("x"))
	}
	assert.Empty(t, l.buckets)
}
