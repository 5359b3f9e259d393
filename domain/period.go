package domain

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period is a length of time as people count it: whole years and months in the calendar
// ("the course lasts up to 1 year", "progression every half year"), or days, or an exact
// duration (short settings, tests). A course of one year started on 1 November 2019 ends on
// 1 November 2020, not 365 days later on 31 October.
//
// It reads and writes JSON as text: "1y", "6mo", "1y6mo", "365d" or a Go duration ("36h").
// A setting stored as "365d" before periods existed stays 365 days.
type Period struct {
	Years, Months, Days int
	Exact               time.Duration
}

// Years is a period of n calendar years; Months of n calendar months.
func Years(n int) Period  { return Period{Years: n} }
func Months(n int) Period { return Period{Months: n} }

// DaysPeriod is a period of n days; ExactPeriod one of exactly d.
func DaysPeriod(n int) Period            { return Period{Days: n} }
func ExactPeriod(d time.Duration) Period { return Period{Exact: d} }

// After is the moment the period after t: years and months in the calendar (the day of the
// month kept, or the month's last day where it has no such day: 31 August and six months is the
// end of February), then the days, then the exact part.
func (p Period) After(t time.Time) time.Time {
	if p.Years != 0 || p.Months != 0 {
		y, m, d := t.Date()
		months := int(m) - 1 + p.Months + 12*p.Years
		y2, m2 := y+floorDiv(months, 12), time.Month(floorMod(months, 12)+1)
		if last := daysIn(y2, m2, t.Location()); d > last {
			d = last
		}
		h, mi, s := t.Clock()
		t = time.Date(y2, m2, d, h, mi, s, t.Nanosecond(), t.Location())
	}
	return t.AddDate(0, 0, p.Days).Add(p.Exact)
}

// Shortest is the least time the period can take (a year of 365 days, a month of 28): for
// comparing settings with durations, never for dates.
func (p Period) Shortest() time.Duration {
	return time.Duration(365*p.Years+28*p.Months+p.Days)*24*time.Hour + p.Exact
}

// Calendar reports whether the period counts years or months.
func (p Period) Calendar() bool { return p.Years != 0 || p.Months != 0 }

// IsZero reports whether the period is empty.
func (p Period) IsZero() bool { return p == Period{} }

func (p Period) String() string {
	var b strings.Builder
	if p.Years != 0 {
		b.WriteString(strconv.Itoa(p.Years) + "y")
	}
	if p.Months != 0 {
		b.WriteString(strconv.Itoa(p.Months) + "mo")
	}
	if p.Days != 0 {
		b.WriteString(strconv.Itoa(p.Days) + "d")
	}
	if p.Exact != 0 || b.Len() == 0 {
		b.WriteString(Duration(p.Exact).String())
	}
	return b.String()
}

var periodForm = regexp.MustCompile(`^(?:(\d+)y)?(?:(\d+)mo)?(?:(\d+)d)?(.*)$`)

// ParsePeriod reads "1y", "6mo", "1y6mo", "365d", "1y30d" or any form ParseDuration takes.
func ParsePeriod(s string) (Period, error) {
	s = strings.TrimSpace(s)
	m := periodForm.FindStringSubmatch(s)
	if m == nil || s == "" {
		return Period{}, fmt.Errorf("period %q: a number of years (1y), months (6mo), days (60d) or a duration (36h)", s)
	}
	var p Period
	for i, dst := range []*int{&p.Years, &p.Months, &p.Days} {
		if m[i+1] != "" {
			n, err := strconv.Atoi(m[i+1])
			if err != nil {
				return Period{}, fmt.Errorf("period %q: %w", s, err)
			}
			*dst = n
		}
	}
	if rest := m[4]; rest != "" {
		if m[1]+m[2]+m[3] != "" {
			return Period{}, fmt.Errorf("period %q: years, months and days, or a duration, not both", s)
		}
		d, err := ParseDuration(rest)
		if err != nil {
			return Period{}, fmt.Errorf("period %q: a number of years (1y), months (6mo), days (60d) or a duration (36h)", s)
		}
		if d.D()%(24*time.Hour) == 0 {
			p.Days = int(d.D() / (24 * time.Hour))
		} else {
			p.Exact = d.D()
		}
	}
	return p, nil
}

func (p Period) MarshalJSON() ([]byte, error) { return json.Marshal(p.String()) }

func (p *Period) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("period must be a string such as \"1y\", \"6mo\", \"60d\" or \"36h\"")
	}
	v, err := ParsePeriod(s)
	if err != nil {
		return err
	}
	*p = v
	return nil
}

func daysIn(y int, m time.Month, loc *time.Location) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, loc).Day()
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }

// Exactly is the period as a fixed length, as courses counted before periods were counted in
// the calendar: a year of 365 days, a month of a twelfth of that in whole days (six months
// are 182 days).
func (p Period) Exactly() time.Duration {
	return time.Duration(365*p.Years+(365*p.Months)/12+p.Days)*24*time.Hour + p.Exact
}
