package ical_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"tvp/domain"
	"tvp/internal/ical"
	"tvp/words"
)

func TestRenderParsesBack(t *testing.T) {
	start := time.Date(2027, 3, 29, 8, 0, 0, 0, time.UTC) // 10:00 CEST, the day after the change
	ev := domain.MeetingEvent{
		UID: domain.MeetingUID("0c0ffee0-0000-4000-8000-000000000001", 2), Sequence: 3, Method: domain.CalendarRequest,
		Title: words.MeetingTitle("0c0ffee0-0000-4000-8000-000000000001"), Start: start, End: start.Add(domain.MeetingLength),
		Place: "Jobcentret, mødelokale 2; 1. sal", Agenda: []string{"Bolig", "Skole, og fritid"},
		Stamp: time.Date(2027, 3, 1, 9, 30, 0, 0, time.UTC), Organizer: "tovholder.ida", Attendees: []string{"tovholder.ida", "sagsbehandler.lise", "uden.adresse"},
	}
	people := map[string]ical.Person{
		"tovholder.ida":      {Name: "Ida Tovholder", Email: "ida@kommune.example"},
		"sagsbehandler.lise": {Name: "Lise Sagsbehandler", Email: "lise@kommune.example"},
	}
	b, err := ical.Render(ev, people, "tvp@kommune.example")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ical.Render(ev, people, "tvp@kommune.example")
	if !bytes.Equal(b, again) {
		t.Fatal("the same event rendered twice differs")
	}
	for _, want := range []string{"METHOD:REQUEST", "BEGIN:VTIMEZONE", "TZID:Europe/Copenhagen", "DTSTART;TZID=Europe/Copenhagen:20270329T100000", "SEQUENCE:3", "\r\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %q in\n%s", want, b)
		}
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events", len(evs))
	}
	e := evs[0]
	if e.Id() != ev.UID {
		t.Errorf("UID %q", e.Id())
	}
	if got, err := e.GetStartAt(); err != nil || !got.Equal(start) {
		t.Errorf("start %v %v", got, err)
	}
	if got := e.GetProperty(ics.ComponentPropertyLocation).Value; got != ev.Place {
		t.Errorf("location %q", got)
	}
	if got := e.GetProperty(ics.ComponentPropertySummary).Value; got != "Samarbejdsmøde 0C0FFEE0" {
		t.Errorf("summary %q", got)
	}
	if n := len(e.Attendees()); n != 2 {
		t.Errorf("%d attendees (one has no address)", n)
	}
	if tz := cal.Timezones(); len(tz) != 1 || len(tz[0].Components) != 2 {
		t.Errorf("time zone %+v", tz)
	}
}
