package domain

import (
	"strconv"
	"strings"
	"time"
)

// CalendarMethod is an iCalendar scheduling method (RFC 5546) of a meeting's invitation.
type CalendarMethod string

// The methods TVP sends: an invitation (or its update), and a cancellation.
const (
	CalendarRequest CalendarMethod = "REQUEST"
	CalendarCancel  CalendarMethod = "CANCEL"
)

// MeetingLength is how long a cross-disciplinary meeting lasts in the calendar.
const MeetingLength = 90 * time.Minute

// PlanShortNumber is the plan's short number: the first eight characters of its random id, in
// capitals (it says nothing about the citizen).
func PlanShortNumber(planID string) string {
	s := strings.ReplaceAll(planID, "-", "")
	if len(s) > 8 {
		s = s[:8]
	}
	return strings.ToUpper(s)
}

// MeetingUID is the calendar UID of one meeting of a plan: the same for its invitation, every
// update and its cancellation. It is made of the plan's random id and the meeting's number.
func MeetingUID(planID string, seq int) string {
	return "tvp-" + planID + "-m" + strconv.Itoa(seq) + "@tvp"
}

// MeetingEvent is one calendar message about a meeting: what the invitation, an update or a
// cancellation says. People are named by staff id; the mailer finds their addresses.
type MeetingEvent struct {
	UID      string         `json:"uid"`
	Sequence int            `json:"sequence"`
	Method   CalendarMethod `json:"method"`
	Title    string         `json:"title"`
	Start    time.Time      `json:"start"`
	End      time.Time      `json:"end"`
	Place    string         `json:"place,omitempty"`
	Agenda   []string       `json:"agenda,omitempty"`
	// Stamp is when the message was made (the step's time in the workflow): DTSTAMP.
	Stamp     time.Time `json:"stamp"`
	Organizer string    `json:"organizer"`
	Attendees []string  `json:"attendees"`
}

// MeetingCalendar is a meeting's calendar now: the newest message to everyone invited.
type MeetingCalendar struct {
	PlanID     string
	MeetingSeq int
	Revision   int64
	Method     CalendarMethod
	Sequence   int
	ICS        string
}
