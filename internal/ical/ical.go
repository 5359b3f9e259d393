// Package ical writes a meeting's calendar message (iCalendar, RFC 5545, with the scheduling
// methods of RFC 5546) with github.com/arran4/golang-ical.
package ical

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Copenhagen wherever the binary runs

	ics "github.com/arran4/golang-ical"

	"tvp/domain"
)

// ProductID is the calendar's PRODID.
const ProductID = "-//Tvaergaaende velfaerdsprogram//TVP//DA"

// Person is someone named in a calendar message.
type Person struct {
	Name  string
	Email string
}

// Render writes the event as one calendar object: METHOD, the time zone (Europe/Copenhagen
// with its rules) and one VEVENT. people holds the organizer's and the attendees' names and
// addresses by staff id; one without an address is left out (the organizer then is from, the
// sender's address). The same event renders to the same bytes.
func Render(ev domain.MeetingEvent, people map[string]Person, from string) ([]byte, error) {
	loc := domain.Zone()
	cal := ics.NewCalendar()
	cal.SetProductId(ProductID)
	cal.SetMethod(ics.Method(ev.Method))
	cal.SetCalscale("GREGORIAN")
	copenhagen(cal)

	e := cal.AddEvent(ev.UID)
	e.SetDtStampTime(ev.Stamp)
	e.SetSequence(ev.Sequence)
	local := func(t time.Time) string { return t.In(loc).Format("20060102T150405") }
	e.SetProperty(ics.ComponentPropertyDtStart, local(ev.Start), ics.WithTZID(domain.TimeZone))
	e.SetProperty(ics.ComponentPropertyDtEnd, local(ev.End), ics.WithTZID(domain.TimeZone))
	e.SetSummary(ev.Title)
	if ev.Place != "" {
		e.SetLocation(ev.Place)
	}
	if len(ev.Agenda) > 0 {
		lines := []string{"Dagsorden:"}
		for _, a := range ev.Agenda {
			lines = append(lines, "- "+a)
		}
		e.SetDescription(strings.Join(lines, "\n"))
	}
	e.SetClass(ics.ClassificationConfidential)
	e.SetTimeTransparency(ics.TransparencyOpaque)
	if ev.Method == domain.CalendarCancel {
		e.SetStatus(ics.ObjectStatusCancelled)
	} else {
		e.SetStatus(ics.ObjectStatusConfirmed)
	}
	org, ok := people[ev.Organizer]
	if !ok || org.Email == "" {
		org = Person{Email: from}
	}
	var orgParams []ics.PropertyParameter
	if org.Name != "" {
		orgParams = append(orgParams, ics.WithCN(org.Name))
	}
	e.SetOrganizer("mailto:"+org.Email, orgParams...)
	for _, id := range ev.Attendees {
		p, ok := people[id]
		if !ok || p.Email == "" {
			continue
		}
		params := []ics.PropertyParameter{ics.ParticipationRoleReqParticipant, ics.ParticipationStatusNeedsAction, ics.WithRSVP(false)}
		if p.Name != "" {
			params = append([]ics.PropertyParameter{ics.WithCN(p.Name)}, params...)
		}
		e.AddAttendee("mailto:"+p.Email, params...)
	}
	var b strings.Builder
	if err := cal.SerializeTo(&b, ics.WithNewLine("\r\n")); err != nil { // RFC 5545: CRLF
		return nil, fmt.Errorf("write calendar: %w", err)
	}
	return []byte(b.String()), nil
}

// copenhagen adds the VTIMEZONE of Europe/Copenhagen: CET, and CEST from the last Sunday of
// March to the last Sunday of October (the EU rule since 1996).
func copenhagen(cal *ics.Calendar) {
	tz := cal.AddTimezone(domain.TimeZone)
	std := tz.AddStandard()
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), "+0200")
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), "+0100")
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzname), "CET")
	std.SetProperty(ics.ComponentPropertyDtStart, "19701025T030000")
	std.SetProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	dst := &ics.Daylight{ComponentBase: ics.ComponentBase{}}
	dst.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), "+0100")
	dst.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), "+0200")
	dst.SetProperty(ics.ComponentProperty(ics.PropertyTzname), "CEST")
	dst.SetProperty(ics.ComponentPropertyDtStart, "19700329T020000")
	dst.SetProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	tz.Components = append(tz.Components, dst)
}
