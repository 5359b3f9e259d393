package workdays_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/workdays"
)

var (
	allClosed = domain.DefaultCollaborationSettings().ClosingDays()
	allOpen   = domain.ClosingDays{}
)

// at is 10:00 in Copenhagen on the day.
func at(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, workdays.Copenhagen)
}

func day(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, workdays.Copenhagen)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour)
}

// The defaults close the town hall on the three closing days.
func TestDefaultsCloseGrundlovsdagAndTheEves(t *testing.T) {
	assert.Equal(t, domain.ClosingDays{Grundlovsdag: true, ChristmasEve: true, NewYearsEve: true}, allClosed)
	s := domain.DefaultCollaborationSettings()
	s.OpenOnGrundlovsdag = true
	assert.Equal(t, domain.ClosingDays{ChristmasEve: true, NewYearsEve: true}, s.ClosingDays())
}

// Every public holiday of 2026 and 2027 against the real calendar (Easter Sunday 5 April 2026
// and 28 March 2027), with the closing days on and off; store bededag is a working day from
// 2024 (a holiday until 2023).
func TestDays(t *testing.T) {
	for _, tc := range []struct {
		day    string
		closed domain.ClosingDays
		work   bool
		name   string
	}{
		// 2027
		{"2027-01-01", allOpen, false, "Nytårsdag"},
		{"2027-03-24", allClosed, true, ""},              // the Wednesday before Easter
		{"2027-03-25", allOpen, false, "Skærtorsdag"},    // Thursday
		{"2027-03-26", allOpen, false, "Langfredag"},     // Friday
		{"2027-03-29", allOpen, false, "Anden påskedag"}, // Monday
		{"2027-03-30", allClosed, true, ""},
		{"2027-04-23", allClosed, true, ""}, // store bededag's date: abolished from 2024
		{"2027-05-06", allOpen, false, "Kristi Himmelfartsdag"},
		{"2027-05-07", allClosed, true, ""}, // the Friday after: no holiday (a bridge day at most)
		{"2027-05-17", allOpen, false, "Anden Pinsedag"},
		{"2027-06-04", allClosed, true, ""},
		{"2027-06-05", allClosed, false, "Grundlovsdag"}, // a Saturday
		{"2027-12-24", allClosed, false, "Juleaftensdag"},
		{"2027-12-24", allOpen, true, ""},
		{"2027-12-27", allClosed, true, ""},
		{"2027-12-31", allClosed, false, "Nytårsaftensdag"},
		{"2027-12-31", allOpen, true, ""},
		// 2026
		{"2026-04-02", allOpen, false, "Skærtorsdag"},
		{"2026-04-03", allOpen, false, "Langfredag"},
		{"2026-04-06", allOpen, false, "Anden påskedag"},
		{"2026-05-01", allClosed, true, ""}, // store bededag's date: a working day
		{"2026-05-14", allOpen, false, "Kristi Himmelfartsdag"},
		{"2026-05-25", allOpen, false, "Anden Pinsedag"},
		{"2026-06-05", allClosed, false, "Grundlovsdag"}, // a Friday
		{"2026-06-05", allOpen, true, ""},
		{"2026-06-05", domain.ClosingDays{ChristmasEve: true, NewYearsEve: true}, true, ""},
		{"2026-12-24", allClosed, false, "Juleaftensdag"}, // Thursday
		{"2026-12-24", domain.ClosingDays{Grundlovsdag: true, NewYearsEve: true}, true, ""},
		{"2026-12-25", allOpen, false, "Juledag"},
		{"2026-12-31", allClosed, false, "Nytårsaftensdag"}, // Thursday
		{"2026-12-31", domain.ClosingDays{Grundlovsdag: true, ChristmasEve: true}, true, ""},
		// store bededag, the fourth Friday after Easter, until 2023 only
		{"2023-05-05", allOpen, false, "Store bededag"},
		{"2024-04-26", allClosed, true, ""},
		{"2025-05-16", allClosed, true, ""},
	} {
		c := workdays.New(tc.closed)
		d := day(tc.day)
		assert.Equal(t, tc.work, c.IsWorkday(d), "%s with %+v: working day", tc.day, tc.closed)
		name, closed := c.Closed(d)
		assert.Equal(t, tc.name, name, "%s with %+v", tc.day, tc.closed)
		assert.Equal(t, tc.name != "", closed, "%s with %+v", tc.day, tc.closed)
	}
}

// The minutes deadline, 5 working days after a meeting (and other counts), around Easter and
// Whitsun 2027, Christmas, Grundlovsdag and the two eves with the settings on and off.
func TestAdd(t *testing.T) {
	for _, tc := range []struct {
		name   string
		from   string
		n      int
		closed domain.ClosingDays
		want   string
	}{
		// Easter 2027: skærtorsdag 25, langfredag 26, 2. påskedag 29 March.
		{"Monday before Easter", "2027-03-22", 5, allClosed, "2027-04-01"},
		{"Tuesday before Easter", "2027-03-23", 5, allClosed, "2027-04-02"},
		{"Wednesday before Easter", "2027-03-24", 5, allClosed, "2027-04-05"},
		{"Wednesday before Easter, 1 day", "2027-03-24", 1, allClosed, "2027-03-30"},
		{"Skærtorsdag itself", "2027-03-25", 5, allClosed, "2027-04-05"},
		{"Langfredag itself", "2027-03-26", 1, allClosed, "2027-03-30"},
		// Whitsun 2027: Kristi himmelfart 6 May, 2. pinsedag 17 May; 23 April (store bededag's
		// date) counts.
		{"over store bededag's date", "2027-04-20", 5, allClosed, "2027-04-27"},
		{"Tuesday before Kristi himmelfart", "2027-05-04", 5, allClosed, "2027-05-12"},
		{"Wednesday before Kristi himmelfart", "2027-05-05", 5, allClosed, "2027-05-13"},
		{"Wednesday before Whitsun", "2027-05-12", 5, allClosed, "2027-05-20"},
		{"Friday before Whitsun", "2027-05-14", 5, allClosed, "2027-05-24"},
		{"Friday before Whitsun, 1 day", "2027-05-14", 1, allClosed, "2027-05-18"},
		// Grundlovsdag on Friday 5 June 2026.
		{"before Grundlovsdag, closed", "2026-06-01", 5, allClosed, "2026-06-09"},
		{"before Grundlovsdag, open", "2026-06-01", 5, allOpen, "2026-06-08"},
		{"the day before Grundlovsdag, closed", "2026-06-04", 1, allClosed, "2026-06-08"},
		{"the day before Grundlovsdag, open", "2026-06-04", 1, allOpen, "2026-06-05"},
		{"Grundlovsdag itself, closed", "2026-06-05", 1, allClosed, "2026-06-08"},
		{"after Grundlovsdag", "2026-06-08", 5, allClosed, "2026-06-15"},
		// Grundlovsdag on Saturday 5 June 2027: nothing to skip.
		{"around Grundlovsdag 2027, closed", "2027-06-01", 5, allClosed, "2027-06-08"},
		{"around Grundlovsdag 2027, open", "2027-06-01", 5, allOpen, "2027-06-08"},
		// Grundlovsdag on Thursday 5 June 2025, 2. pinsedag on Monday 9 June.
		{"before Grundlovsdag 2025, closed", "2025-06-03", 5, allClosed, "2025-06-12"},
		{"before Grundlovsdag 2025, open", "2025-06-03", 5, allOpen, "2025-06-11"},
		// Christmas 2026: 24 (Thu), 25 (Fri), 26 (Sat), 31 (Thu), 1 January (Fri).
		{"Monday before Christmas 2026, closed", "2026-12-21", 5, allClosed, "2026-12-30"},
		{"Monday before Christmas 2026, open", "2026-12-21", 5, allOpen, "2026-12-29"},
		{"Monday before Christmas 2026, only 24 December open", "2026-12-21", 5, domain.ClosingDays{Grundlovsdag: true, NewYearsEve: true}, "2026-12-29"},
		{"Monday before Christmas 2026, only 31 December open", "2026-12-21", 5, domain.ClosingDays{Grundlovsdag: true, ChristmasEve: true}, "2026-12-30"},
		{"Wednesday 23 December 2026, closed", "2026-12-23", 1, allClosed, "2026-12-28"},
		{"Wednesday 23 December 2026, open", "2026-12-23", 1, allOpen, "2026-12-24"},
		{"Wednesday 30 December 2026, closed", "2026-12-30", 1, allClosed, "2027-01-04"},
		{"Wednesday 30 December 2026, open", "2026-12-30", 1, allOpen, "2026-12-31"},
		{"Christmas week 2026, 5 days", "2026-12-23", 5, allClosed, "2027-01-05"},
		{"Christmas week 2026, 5 days, open", "2026-12-23", 5, allOpen, "2026-12-31"},
		// Christmas 2027: 24 (Fri), 25 (Sat), 26 (Sun), 31 (Fri), 1 January 2028 (Sat).
		{"Monday before Christmas 2027, closed", "2027-12-20", 5, allClosed, "2027-12-28"},
		{"Monday before Christmas 2027, open", "2027-12-20", 5, allOpen, "2027-12-27"},
		{"Thursday 23 December 2027, closed", "2027-12-23", 5, allClosed, "2028-01-03"},
		{"Thursday 23 December 2027, open", "2027-12-23", 5, allOpen, "2027-12-30"},
		// Christmas 2025: 24 (Wed), 25 (Thu), 26 (Fri), 31 (Wed), 1 January (Thu).
		{"Friday before Christmas 2025, closed", "2025-12-19", 5, allClosed, "2026-01-02"},
		{"Friday before Christmas 2025, open", "2025-12-19", 5, allOpen, "2025-12-30"},
		{"Monday 22 December 2025, 3 days, closed", "2025-12-22", 3, allClosed, "2025-12-30"},
		{"Monday 22 December 2025, 3 days, open", "2025-12-22", 3, allOpen, "2025-12-29"},
		{"Monday 29 December 2025, 3 days, closed", "2025-12-29", 3, allClosed, "2026-01-05"},
		{"Monday 29 December 2025, 3 days, open", "2025-12-29", 3, allOpen, "2026-01-02"},
		// No holiday near.
		{"an ordinary week", "2026-09-07", 5, allClosed, "2026-09-14"},
		{"from a Saturday", "2026-09-12", 1, allClosed, "2026-09-14"},
		{"none", "2027-03-25", 0, allClosed, "2027-03-25"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := workdays.New(tc.closed).Add(day(tc.from), tc.n)
			assert.Equal(t, day(tc.want), got, "%s + %d working days", tc.from, tc.n)
		})
	}
}

// A meeting is counted on its day in Copenhagen: late evening UTC on a Wednesday is Thursday
// there. The time of day is kept in Copenhagen over the change to summer time (28 March 2027),
// and the result is in the location it was given in.
func TestAddInCopenhagen(t *testing.T) {
	c := workdays.New(allClosed)
	held := time.Date(2027, 3, 17, 23, 30, 0, 0, time.UTC) // Thursday 18 March 00:30 in Copenhagen
	got := c.Add(held, 5)
	assert.Equal(t, time.UTC, got.Location())
	assert.Equal(t, time.Date(2027, 3, 29, 22, 30, 0, 0, time.UTC), got, "Tuesday 30 March 00:30 (summer time), after Easter")

	held = time.Date(2027, 3, 24, 9, 0, 0, 0, time.UTC) // 10:00 winter time
	assert.Equal(t, time.Date(2027, 4, 5, 8, 0, 0, 0, time.UTC), c.Add(held, 5), "10:00 summer time")
	require.True(t, at(2027, time.March, 24).Equal(held))
}
