// Tests that depend on the day they run: each line the guard must report says "want".
package bad

import (
	"testing"
	"time"

	"tvp/internal/testing/apptest"
)

// The defect that broke make test on 5 December 2026: the fixture course starts on a fixed
// date, the test asks for an end thirteen months from now.
func referral() map[string]any {
	return map[string]any{"team_id": "ungeteam", "start_date": "2026-01-05"} // want
}

func TestExtensionThirteenMonthsFromNow(t *testing.T) {
	app := apptest.Start(t)
	_ = app
	body := referral()
	body["new_end"] = time.Now().AddDate(1, 1, 0).Format(time.DateOnly)
}

// A date literal beside the wall clock in one function.
func TestMeetingHeldBeforeNow(t *testing.T) {
	held := time.Date(2026, 4, 1, 8, 0, 0, 0, time.UTC) // want
	if held.After(time.Now()) {
		t.Fatal("in the future")
	}
}

// A mark without a reason marks nothing.
func TestMarkedWithoutAReason(t *testing.T) {
	/* tvp:fixed-date */  // want
	start := "2027-03-01" // want
	_ = time.Until(time.Now())
	_ = start
}

// A helper of a helper that reads the clock.
func today() time.Time { return time.Now().UTC().Truncate(24 * time.Hour) }

func due() string { return today().Format(time.DateOnly) }

func TestDueBeforeAFixedDay(t *testing.T) {
	if due() > "2027-01-01" { // want
		t.Fatal("late")
	}
}
