package domain

// NextCode is what a course or a plan waits for next, as a code: the pages say it in Danish,
// the API gives it as it is. Each is defined here once.
type NextCode string

// What a course waits for.
const (
	NextTeamPaused        NextCode = "course.team_paused"        // the team is paused until it resumes
	NextExtensionDecision NextCode = "course.extension_decision" // the steering group decides on the request
	NextOverdue           NextCode = "course.overdue"            // past the end: close or ask for an extension
	NextProgression       NextCode = "course.record_progression" // goal progression is due
	NextCloseOrExtend     NextCode = "course.close_or_extend"    // the end approaches: close or ask for an extension
)

// What a plan waits for.
const (
	NextSetMeetingDate NextCode = "plan.set_meeting_date" // the coordinator sets the next meeting's date
	NextSendInvitation NextCode = "plan.send_invitation"  // the coordinator sends the invitation
	NextMeeting        NextCode = "plan.meeting"          // the cross-disciplinary meeting itself
	NextWriteMinutes   NextCode = "plan.write_minutes"    // the coordinator writes the minutes
	NextCitizenMeeting NextCode = "plan.citizen_meeting"  // the coordinating caseworker meets the citizen
)

// Next is what a course or a plan waits for next, with its parameters. Its time is the
// record's NextDeadline.
type Next struct {
	Code NextCode `json:"code"`
	// MeetingSeq is the meeting a plan waits for.
	MeetingSeq int `json:"meeting_seq,omitempty"`
	// ConsentMissing: the plan waits for the citizen's consent as well.
	ConsentMissing bool `json:"consent_missing,omitempty"`
}
