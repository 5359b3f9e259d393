// Package words holds the Danish words people read for TVP's codes: on the staff's and the
// citizens' pages, in mails, in calendar events and in the committees' CSV files. Each code has
// its word here and nowhere else; a test finds a code of the domain without one. A code
// without a word shows as itself.
package words

import (
	"fmt"
	"strings"

	"tvp/domain"
)

var coursePhases = map[domain.CoursePhase]string{
	domain.PhaseActive:           "aktivt",
	domain.PhaseAwaitingDecision: "over slutdato – afventer afslutning eller forlængelse",
	domain.PhaseExtensionPending: "forlængelse afventer styregruppen",
	domain.PhasePaused:           "pause",
	domain.PhaseClosed:           "afsluttet",
}

var outcomes = map[domain.Outcome]string{
	domain.OutcomeEmployment:    "beskæftigelse",
	domain.OutcomeEducation:     "uddannelse",
	domain.OutcomeSelfSupport:   "selvforsørgelse",
	domain.OutcomeNoResult:      "afsluttet uden resultat",
	domain.OutcomeHandedBack:    "tilbage til almindelig sagsbehandling",
	domain.OutcomeCollaboration: "overgået til samarbejdsmodellen",
}

var planPhases = map[domain.PlanPhase]string{
	domain.PlanAwaitingConsent: "afventer samtykke",
	domain.PlanActive:          "aktiv",
	domain.PlanEnded:           "afsluttet",
}

var meetingKinds = map[domain.MeetingKind]string{
	domain.MeetingCrossDisciplinary: "tværfagligt samarbejdsmøde",
	domain.MeetingCitizen:           "møde med borgeren",
}

var meetingStatuses = map[domain.MeetingStatus]string{
	domain.MeetingUnscheduled: "ingen dato",
	domain.MeetingScheduled:   "planlagt",
	domain.MeetingHeld:        "holdt",
	domain.MeetingMinuted:     "holdt, referat skrevet",
	domain.MeetingNotHeld:     "ikke holdt",
}

var participantRoles = map[domain.ParticipantRole]string{
	domain.ParticipantCoordinator:            "tovholder",
	domain.ParticipantCoordinatingCaseworker: "koordinerende sagsbehandler",
	domain.ParticipantCaseworker:             "sagsbehandler",
}

var roles = map[domain.Role]string{
	domain.RoleConsultant:             "borgerkonsulent",
	domain.RoleTeamLead:               "teamleder",
	domain.RoleSteeringGroup:          "styregruppe",
	domain.RoleCoordinator:            "tovholder",
	domain.RoleCoordinatingCaseworker: "koordinerende sagsbehandler",
	domain.RoleCaseworker:             "sagsbehandler",
	domain.RoleAdmin:                  "administrator",
	domain.RoleCitizen:                "borger",
}

// RoleWho names a professional by what they do, for a citizen ("en tovholder"); someone
// without a known role is "en medarbejder".
func RoleWho(r domain.Role) string {
	switch l, ok := roles[r]; {
	case r == domain.RoleSteeringGroup:
		return "styregruppen"
	case ok && r != domain.RoleCitizen:
		return "en " + l
	default:
		return Someone
	}
}

// The words for who did something, where no name is shown.
const (
	Someone    = "en medarbejder" // a member of staff, for a citizen
	TheSystem  = "systemet"       // TVP itself
	TheCitizen = "borgeren"       // the citizen, as one responsible for an agreement
)

var centres = map[domain.Centre]string{
	domain.CentreChildren: "Børn og Læring",
	domain.CentreHealth:   "Sundhed og Omsorg",
	domain.CentreLabour:   "Arbejdsmarked",
}

// nextSteps say what a course or a plan waits for.
var nextSteps = map[domain.NextCode]string{
	domain.NextTeamPaused:        "teamet holder pause; det genoptages senest",
	domain.NextExtensionDecision: "styregruppen træffer afgørelse om forlængelse",
	domain.NextOverdue:           "overskredet: afslut med et resultat eller søg forlængelse",
	domain.NextProgression:       "registrér målprogression",
	domain.NextCloseOrExtend:     "afslut med et resultat eller søg forlængelse",
	domain.NextSetMeetingDate:    "tovholderen fastsætter dato for næste møde",
	domain.NextSendInvitation:    "tovholderen sender indkaldelse",
	domain.NextMeeting:           "det tværfaglige samarbejdsmøde",
	domain.NextWriteMinutes:      "tovholderen skriver referat",
	domain.NextCitizenMeeting:    "den koordinerende sagsbehandler mødes med borgeren",
}

// consentMissing is added to what a plan waits for while the citizen's consent is missing.
const consentMissing = " (borgerens samtykke mangler)"

// bodies are the deciding bodies; the committees are named by their own abbreviations.
var bodies = map[domain.DecisionBody]string{
	domain.BodySteeringGroup: "Styregruppen",
}

// targetKeys are the success criteria a committee sets a team.
var targetKeys = map[domain.TargetKey]string{
	domain.TargetOutcomeShare: "andel af forløb med job eller uddannelse",
	domain.TargetPerYear:      "visiterede forløb det seneste år",
	domain.TargetCapacityUse:  "udnyttelse af kapaciteten (åbne forløb mod normen)",
}

// changeKinds are what a decision changed (domain.Change's Kind).
var changeKinds = map[domain.ChangeKind]string{
	domain.ChangeTeamSettings: "teamets indstillinger",
	domain.ChangeTargets:      "mål",
	domain.ChangePhaseOut:     "udfasning",
	domain.ChangeCourseTerms:  "forløbets vilkår",
	domain.ChangeExtension:    "forlængelse",
	domain.ChangePause:        "teamets pause",
}

// errorMessages are the pages' words for a refusal, by error code.
var errorMessages = map[string]string{
	domain.EInvalid:      "Oplysningerne er ikke gyldige.",
	domain.ENotFound:     "Siden findes ikke.",
	domain.EConflict:     "Det strider mod det, der allerede er registreret.",
	domain.EPhase:        "Det kan ikke lade sig gøre nu.",
	domain.EForbidden:    "Du har ikke adgang til denne side.",
	domain.EUnauthorized: "Du er ikke logget ind.",
	domain.EUnavailable:  "TVP kan ikke nå en tjeneste lige nu. Prøv igen om lidt.",
	domain.ETimeout:      "TVP fik ikke svar i tide. Prøv igen.",
	domain.ETooLarge:     "Der er for meget tekst.",
	domain.ERateLimited:  "For mange forsøg",
	domain.EMethod:       "Siden kan ikke bruges sådan.",
	domain.EInternal:     "Der skete en fejl hos os. Prøv igen.",
}

// citizenErrors are the citizen's words for a refusal, by error code.
var citizenErrors = map[string]string{
	domain.EInvalid:      "Det, du skrev, kunne ikke gemmes.",
	domain.ENotFound:     "Siden findes ikke.",
	domain.EConflict:     "Din plan er blevet ændret, mens du læste den. Læs den igen.",
	domain.EPhase:        "Det kan ikke lade sig gøre nu.",
	domain.EForbidden:    "Du kan kun se din egen plan og dit eget forløb.",
	domain.EUnauthorized: "Du er ikke logget ind.",
	domain.EUnavailable:  "Vi kan ikke hente dine oplysninger lige nu. Prøv igen om lidt.",
	domain.ETimeout:      "Vi fik ikke svar i tide. Prøv igen.",
	domain.ETooLarge:     "Der er for meget tekst. Skriv lidt kortere.",
	domain.ERateLimited:  "Der er kommet for mange forsøg på kort tid. Vent lidt, og prøv igen.",
	domain.EMethod:       "Siden kan ikke bruges sådan.",
	domain.EInternal:     "Der skete en fejl hos os. Prøv igen senere.",
}

// citizenActions are what a professional did with the citizen's data, in the citizen's words.
var citizenActions = map[domain.AuditAction]string{
	domain.PlanRead.Audit():           "læste din plan",
	domain.PlanReadOwn.Audit():        "læste din plan",
	domain.CourseReadOwn.Audit():      "læste dit forløb",
	domain.PlanReadInvitation.Audit(): "hentede indkaldelsen til et møde",
	domain.CourseRead.Audit():         "læste dit forløb",
	domain.PlansList.Audit():          "så din plan i en oversigt",
	domain.CoursesList.Audit():        "så dit forløb i en oversigt",
	domain.TeamRead.Audit():           "så dit forløb i teamets oversigt",
	domain.TeamWorklist.Audit():       "så dit forløb i teamets arbejdsliste",
	domain.AccessLogExport.Audit():    "hentede listen over, hvem der har set din sag",
	domain.AuditCitizenNamesResolved:  "så dit navn",
	domain.AuditEnrolled:              "startede samarbejdet om din plan",
	domain.AuditConsentRecorded:       "registrerede dit samtykke",
	domain.AuditMeetingHeld:           "registrerede et samarbejdsmøde",
	domain.AuditMinutesRecorded:       "skrev referat af et møde",
	domain.AuditCitizenMeetingHeld:    "registrerede et møde med dig",
	domain.AuditMeetingScheduled:      "satte dato for et møde",
	domain.AuditMeetingMoved:          "flyttede et møde",
	domain.AuditInvitationSent:        "sendte indkaldelse til et møde",
	domain.AuditParticipantsChanged:   "ændrede, hvem der arbejder med din plan",
	domain.AuditAgreementDone:         "markerede en aftale som klaret",
	domain.AuditAgendaPointAdded:      "satte et punkt på dagsordenen",
	domain.AuditCourseReferred:        "henviste dig til et forløb",
	domain.AuditProgressionRecorded:   "registrerede din målprogression",
}

// purposes are why a citizen's data was read or changed, in the citizen's words.
var purposes = map[domain.Purpose]string{
	domain.PurposeCasework:          "sagsbehandling",
	domain.PurposeOwnData:           "du så dine egne oplysninger",
	domain.PurposeLogin:             "log ind",
	domain.PurposeLogout:            "log ud",
	domain.PurposeReferral:          "henvisning til et forløb",
	domain.PurposeGoalProgression:   "målprogression",
	domain.PurposeOutcome:           "resultat undervejs",
	domain.PurposeExtension:         "anmodning om forlængelse",
	domain.PurposeExtensionDecision: "afgørelse om forlængelse",
	domain.PurposeClose:             "afslutning af forløbet",
	domain.PurposeTeamPause:         "teamets pause",
	domain.PurposeReorganisation:    "omorganisering af teamet",
	domain.PurposeEnrolment:         "start af samarbejdet",
	domain.PurposeConsent:           "samtykke",
	domain.PurposeEnd:               "afslutning",
	domain.PurposeMeeting:           "møde",
	domain.PurposeMinutes:           "referat",
	domain.PurposeCitizenMeeting:    "møde med dig",
	domain.PurposeParticipants:      "hvem der arbejder med din plan",
	domain.PurposeAgenda:            "dagsorden",
	domain.PurposeGoalWords:         "dine ord om målene",
	domain.PurposeFormResponse:      "dit svar på planen",
	domain.PurposeAgreement:         "aftale",
}

// citizenRoles are what the professionals do in the plan, in the citizen's words.
var citizenRoles = map[domain.ParticipantRole]string{
	domain.ParticipantCoordinator:            "Din tovholder: indkalder til møderne og holder styr på din plan",
	domain.ParticipantCoordinatingCaseworker: "Din koordinerende sagsbehandler: holder møderne med dig mellem de store møder",
	domain.ParticipantCaseworker:             "Sagsbehandler",
}

// reminderTitles are the reminder kinds as people read them (Danish, as the pages are).
var reminderTitles = map[domain.ReminderKind]string{
	domain.ReminderProgressionDue:    "målprogression skal registreres",
	domain.ReminderEndApproaching:    "forløbet nærmer sig sin slutdato",
	domain.ReminderEndOverdue:        "forløbet er over sin slutdato: afslut eller søg forlængelse",
	domain.ReminderEndEscalated:      "et forløb er over sin slutdato uden afgørelse",
	domain.ReminderExtensionDecision: "en anmodning om forlængelse venter på styregruppen",
	domain.ReminderResumeDue:         "teamets pause skal afsluttes",
	domain.ReminderScheduleMeeting:   "fastsæt dato for næste samarbejdsmøde",
	domain.ReminderSendInvitation:    "send indkaldelse til samarbejdsmødet",
	domain.ReminderRecordMeeting:     "registrér om samarbejdsmødet blev holdt",
	domain.ReminderMinutesDue:        "referatet af samarbejdsmødet mangler",
	domain.ReminderMinutesEscalated:  "et referat mangler for anden gang",
	domain.ReminderCitizenMeeting:    "mødet med borgeren mellem to samarbejdsmøder",
	domain.ReminderEffectsStuck:      "en sags registreringer kunne ikke gemmes: ret årsagen og prøv igen",
	domain.ReminderAgreementDue:      "en aftale i borgerens plan har frist i dag",
}

// decisions are the steering group's decisions on an extension, as the register and the
// course's timeline say them.
var decisions = map[domain.ExtensionDecision]string{
	domain.DecisionApproved: "godkendt",
	domain.DecisionRejected: "afvist",
}

// label returns a code's word, or the code itself.
func label[K ~string](labels map[K]string, k K) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return string(k)
}

// CoursePhase is a course's phase in words.
func CoursePhase(p domain.CoursePhase) string { return label(coursePhases, p) }

// Outcome is a course's outcome in words.
func Outcome(o domain.Outcome) string { return label(outcomes, o) }

// PlanPhase is a plan's phase in words.
func PlanPhase(p domain.PlanPhase) string { return label(planPhases, p) }

// MeetingKind is a kind of meeting in words.
func MeetingKind(k domain.MeetingKind) string { return label(meetingKinds, k) }

// MeetingStatus is a meeting's status in words.
func MeetingStatus(s domain.MeetingStatus) string { return label(meetingStatuses, s) }

// Participant is what a professional does in a plan, in words.
func Participant(r domain.ParticipantRole) string { return label(participantRoles, r) }

// Role is a role in words.
func Role(r domain.Role) string { return label(roles, r) }

// Centre is a centre's name.
func Centre(c domain.Centre) string { return label(centres, c) }

// Body is a deciding body in words (a committee by its own abbreviation).
func Body(b domain.DecisionBody) string { return label(bodies, b) }

// Change is what a decision changed, in words.
func Change(k domain.ChangeKind) string { return label(changeKinds, k) }

// Target is a success criterion in words.
func Target(k domain.TargetKey) string { return label(targetKeys, k) }

// Error is the staff's pages' words for a refusal, by its error code.
func Error(code string) string { return label(errorMessages, code) }

// CitizenError is the citizen's words for a refusal, by its error code.
func CitizenError(code string) string { return label(citizenErrors, code) }

// CitizenAction is what a professional did with the citizen's data, in the citizen's words.
func CitizenAction(a domain.AuditAction) string {
	if l, ok := citizenActions[a]; ok {
		return l
	}
	return "arbejdede med din sag"
}

// CitizenRole is what a professional does in the citizen's plan, in the citizen's words.
func CitizenRole(r domain.ParticipantRole) string { return citizenRoles[r] }

// Reminder is a reminder kind as people read it.
func Reminder(k domain.ReminderKind) string { return label(reminderTitles, k) }

// Purpose is why a citizen's data was read or changed, in the citizen's words: a code's word,
// or the words a member of staff gave, as they wrote them.
func Purpose(p domain.Purpose) string { return label(purposes, p) }

// Next says what a course or a plan waits for.
func Next(n *domain.Next) string {
	if n == nil {
		return ""
	}
	s := label(nextSteps, n.Code)
	if n.ConsentMissing {
		s += consentMissing
	}
	return s
}

// TeamTable are the headings of the seed's table per team (the committees' CSV file), in the
// order of its columns: the team, its people and courses, then the outcomes reached.
func TeamTable() []string {
	return []string{"team", "berørte borgere", "visiterede forløb", "igangværende", "afsluttede",
		Outcome(domain.OutcomeEmployment), Outcome(domain.OutcomeEducation), Outcome(domain.OutcomeSelfSupport),
		Outcome(domain.OutcomeNoResult), Outcome(domain.OutcomeHandedBack), Outcome(domain.OutcomeCollaboration)}
}

// Decision is the steering group's decision on an extension, in words.
func Decision(d domain.ExtensionDecision) string { return label(decisions, d) }

// ExtensionDecided is the title of an extension decision in the decisions register.
func ExtensionDecided(d domain.ExtensionDecision) string {
	return "Forlængelse af forløb " + Decision(d)
}

// From is a change's note in the decisions register: in force from a date (YYYY-MM-DD).
func From(date string) string { return "fra " + date }

// ResumeBy is a moved pause's note in the decisions register: the latest resume date.
func ResumeBy(date string) string { return "genoptages senest " + date }

// Request is an extension decision's note in the decisions register: which request, from
// which end to which.
func Request(seq int, from, to string) string {
	return fmt.Sprintf("anmodning %d: %s → %s", seq, from, to)
}

// TryAgainIn asks to try again in a number of seconds (too many requests came too fast).
func TryAgainIn(secs int) string {
	return fmt.Sprintf("Der er kommet for mange forespørgsler på kort tid. Prøv igen om %d sekunder.", secs)
}

// ReminderMail is the mail that tells of a new reminder: its subject and its text, with a link
// to it in the inbox and its reference (the kind of case and the reminder's number; nothing
// about the citizen).
func ReminderMail(kind domain.ReminderKind, link, ref string) (subject, body string) {
	return "TVP: ny påmindelse (" + Reminder(kind) + ")",
		fmt.Sprintf("Du har en ny påmindelse i TVP: %s.\r\n\r\nSe den her: %s\r\n\r\nReference: %s\r\n", Reminder(kind), link, ref)
}

// DigestMail is the daily mail of a person's open and overdue reminders.
func DigestMail(open, overdue int, link string) (subject, body string) {
	return "TVP: dagens påmindelser",
		fmt.Sprintf("Du har %d åbne påmindelser i TVP, heraf %d overskredne.\r\n\r\nSe dem her: %s\r\n", open, overdue, link)
}

// InvitationMail is the mail a calendar message comes in: an invitation, a change or a
// cancellation, with the meeting's title, time (in the municipality's time zone) and place,
// and a link; nothing else about the citizen.
func InvitationMail(ev domain.MeetingEvent, link string) (subject, body string) {
	when := ev.Start.In(domain.Zone()).Format("02.01.2006 kl. 15.04")
	var b strings.Builder
	switch {
	case ev.Method == domain.CalendarCancel:
		subject = fmt.Sprintf("Aflyst: %s %s", ev.Title, when)
		fmt.Fprintf(&b, "Mødet er aflyst for dig: %s %s.\r\n", ev.Title, when)
	case ev.Sequence > 0:
		subject = fmt.Sprintf("Ændret: %s %s", ev.Title, when)
		fmt.Fprintf(&b, "Mødet er ændret: %s %s.\r\n", ev.Title, when)
	default:
		subject = fmt.Sprintf("Invitation: %s %s", ev.Title, when)
		fmt.Fprintf(&b, "Du er inviteret til %s %s.\r\n", ev.Title, when)
	}
	if ev.Place != "" {
		fmt.Fprintf(&b, "Sted: %s\r\n", ev.Place)
	}
	fmt.Fprintf(&b, "\r\nSe mere her: %s\r\n", link)
	return subject, b.String()
}

// MeetingTitle is what a calendar event says about the meeting, and so about the citizen: the
// kind of meeting and the plan's short number. No name, no CPR number, no address.
func MeetingTitle(planID string) string { return "Samarbejdsmøde " + domain.PlanShortNumber(planID) }
