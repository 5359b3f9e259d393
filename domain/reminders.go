package domain

// reminderTitles are the reminder kinds as people read them (Danish, as the pages are).
var reminderTitles = map[string]string{
	"course.progression_due":     "målprogression skal registreres",
	"course.end_approaching":     "forløbet nærmer sig sin slutdato",
	"course.end_overdue":         "forløbet er over sin slutdato: afslut eller søg forlængelse",
	"course.end_escalated":       "et forløb er over sin slutdato uden afgørelse",
	"course.extension_decision":  "en anmodning om forlængelse venter på styregruppen",
	"team.resume_due":            "teamets pause skal afsluttes",
	"collab.schedule_meeting":    "fastsæt dato for næste samarbejdsmøde",
	"collab.send_invitation":     "send indkaldelse til samarbejdsmødet",
	"collab.record_meeting":      "registrér om samarbejdsmødet blev holdt",
	"collab.minutes_due":         "referatet af samarbejdsmødet mangler",
	"collab.minutes_escalated":   "et referat mangler for anden gang",
	"collab.citizen_meeting_due": "mødet med borgeren mellem to samarbejdsmøder",
}

// ReminderTitle returns a reminder kind as people read it.
func ReminderTitle(kind string) string {
	if t, ok := reminderTitles[kind]; ok {
		return t
	}
	return kind
}
