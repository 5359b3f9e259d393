// Package workdays is the municipality's calendar of working days: Monday to Friday, but for
// the Danish public holidays (helligdage) of the maintained holiday library
// github.com/rickar/cal/v2 (its dk package) and the municipality's own closing days, which are
// settings (domain.ClosingDays). Dates are the municipality's: a time is looked at in
// Europe/Copenhagen.
//
// The public holidays are nytårsdag, skærtorsdag, langfredag, 2. påskedag, Kristi
// himmelfartsdag, 2. pinsedag, juledag and 2. juledag (påskedag and pinsedag are Sundays);
// store bededag was one until 2023 (abolished by law from 2024). Grundlovsdag (5 June) is no
// helligdag; the library lists it, but here it is a closing day like juleaftensdag (24
// December) and nytårsaftensdag (31 December), each when its setting says so.
package workdays

import (
	"time"
	_ "time/tzdata" // Europe/Copenhagen in any image, with or without the system's zoneinfo

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/dk"

	"tvp/domain"
)

// Copenhagen is the municipality's time zone: the day a time falls on is its day there.
var Copenhagen = domain.Zone()

// LastStoreBededag is the last year store bededag was a public holiday (lov nr. 105 af 28.
// februar 2023 abolished it from 2024).
const LastStoreBededag = 2023

// The municipality's closing days, besides the public holidays.
var (
	grundlovsdag = dk.Grundlovsdag
	juleaften    = &cal.Holiday{Name: "Juleaftensdag", Type: cal.ObservanceOther, Month: time.December, Day: 24, Func: cal.CalcDayOfMonth}
	nytaarsaften = &cal.Holiday{Name: "Nytårsaftensdag", Type: cal.ObservanceOther, Month: time.December, Day: 31, Func: cal.CalcDayOfMonth}
)

// publicHolidays are the library's Danish holidays but Grundlovsdag (a setting here), with
// store bededag held to its last year whatever a later release of the library says.
func publicHolidays() []*cal.Holiday {
	var hs []*cal.Holiday
	for _, h := range dk.Holidays {
		switch h {
		case dk.Grundlovsdag:
			continue
		case dk.StoreBededag:
			if h.EndYear == 0 || h.EndYear > LastStoreBededag {
				h = h.Clone(&cal.Holiday{EndYear: LastStoreBededag})
			}
		}
		hs = append(hs, h)
	}
	return hs
}

// Calendar says which days are working days, for one set of closing days. It is safe for
// concurrent use (it caches nothing).
type Calendar struct {
	bc *cal.BusinessCalendar
}

// New returns the calendar with the public holidays and the given closing days.
func New(closed domain.ClosingDays) *Calendar {
	bc := cal.NewBusinessCalendar() // Monday to Friday
	bc.AddHoliday(publicHolidays()...)
	if closed.Grundlovsdag {
		bc.AddHoliday(grundlovsdag)
	}
	if closed.ChristmasEve {
		bc.AddHoliday(juleaften)
	}
	if closed.NewYearsEve {
		bc.AddHoliday(nytaarsaften)
	}
	return &Calendar{bc: bc}
}

// IsWorkday reports whether the day t falls on (in Copenhagen) is a working day.
func (c *Calendar) IsWorkday(t time.Time) bool {
	return c.bc.IsWorkday(t.In(Copenhagen))
}

// Closed returns the name of the holiday or closing day t falls on (in Copenhagen), if any.
func (c *Calendar) Closed(t time.Time) (string, bool) {
	_, observed, h := c.bc.IsHoliday(t.In(Copenhagen))
	if !observed || h == nil {
		return "", false
	}
	return h.Name, true
}

// Add returns t moved n working days ahead (n ≥ 0): the same time of day in Copenhagen on
// the n-th working day after t's day, in t's location. A time on a day off counts from that
// day, as from any other: Saturday + 1 is Monday.
func (c *Calendar) Add(t time.Time, n int) time.Time {
	if n <= 0 {
		return t
	}
	return c.bc.WorkdaysFrom(t.In(Copenhagen), n).In(t.Location())
}
