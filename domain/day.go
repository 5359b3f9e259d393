package domain

import (
	"time"
	_ "time/tzdata" // the municipality's time zone wherever the binary runs
)

// The municipality's day. A date in TVP (a course's start and end, the day it closed, a
// milestone, a due date, an absence) is a day in Europe/Copenhagen, carried as midnight UTC of
// that date (what time.Parse(time.DateOnly, ...) gives). "Today" is the date on which an
// instant falls in Copenhagen: between 23:00 and 24:00 UTC in winter (22:00 in summer) it is
// already tomorrow's date in UTC terms. Every comparison of a date with the clock goes through
// these functions, so that it does not depend on the hour or the machine's zone.

// DayIn is the date (YYYY-MM-DD) of the instant in the municipality's time zone.
func DayIn(t time.Time) string {
	return t.In(municipalZone).Format(time.DateOnly)
}

// DateIn is the date of the instant in the municipality's time zone, as midnight UTC.
func DateIn(t time.Time) time.Time {
	y, m, d := t.In(municipalZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// AfterToday reports whether the date (midnight UTC of a day, as dates are carried) lies after
// the municipality's day on which now falls: a day that has not come yet.
func AfterToday(date, now time.Time) bool {
	y, m, d := date.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).After(DateIn(now))
}

// TimeZone is the municipality's time zone: its days, the times its people read (pages, mails,
// calendars), its Schedules' hours.
const TimeZone = "Europe/Copenhagen"

// Zone is the municipality's time zone (TimeZone).
func Zone() *time.Location { return municipalZone }

var municipalZone = func() *time.Location {
	loc, err := time.LoadLocation(TimeZone)
	if err != nil {
		panic(err) // time/tzdata is embedded: this cannot happen
	}
	return loc
}()

// HalfYearBefore is the half-year that ended last before the municipality's day on which t
// falls: [from, to), dates as midnight UTC (the committees' half-yearly report is of it).
func HalfYearBefore(t time.Time) (from, to time.Time) {
	d := DateIn(t)
	to = time.Date(d.Year(), time.January, 1, 0, 0, 0, 0, time.UTC)
	if d.Month() >= time.July {
		to = time.Date(d.Year(), time.July, 1, 0, 0, 0, 0, time.UTC)
	}
	return to.AddDate(0, -6, 0), to
}
