// Tests that do not depend on the day they run: the guard reports none of them.
package good

import (
	"testing"
	"time"

	"tvp/internal/testing/apptest"
	"tvp/internal/testing/testenv"
)

// A pure date function, on fixed dates: no clock.
func TestEasterMonday(t *testing.T) {
	d := time.Date(2026, 4, 6, 0, 0, 0, 0, time.UTC)
	if d.Format(time.DateOnly) != "2026-04-06" {
		t.Fatal(d)
	}
}

// Every date from the test's today.
func TestExtensionFromToday(t *testing.T) {
	app := apptest.Start(t)
	body := map[string]any{"start_date": app.Day(0, -1, 0), "new_end": app.Day(1, 1, 0)}
	_ = body
	_ = testenv.Today().AddDate(0, 0, 7)
}

// A date that is meant, marked on its line.
func TestImpossibleDate(t *testing.T) {
	app := apptest.Start(t)
	_ = app
	body := map[string]any{"start_date": "2026-02-30"} // tvp:fixed-date a date that never is
	_ = body
}

// tvp:fixed-date the seed's report is as of 1 July 2020, long past on any day
func TestSeedReport(t *testing.T) {
	_ = time.Since(time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC))
}

// Go's reference layout is not a date.
func TestLayout(t *testing.T) {
	_ = time.Now().Format("2006-01-02")
}
