package web

import "tvp/domain"

// The Danish labels of the pages, each keyed by the typed code it names. A code without a
// label shows as itself (a test checks that every code has one).

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

// roleWho names a professional by what they do, for a citizen ("en tovholder"); someone
// without a known role is "en medarbejder".
func roleWho(r domain.Role) string {
	switch l, ok := roles[r]; {
	case r == domain.RoleSteeringGroup:
		return "styregruppen"
	case ok && r != domain.RoleCitizen:
		return "en " + l
	default:
		return "en medarbejder"
	}
}

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
var bodies = map[string]string{
	domain.BodySteeringGroup: "Styregruppen",
}

// targetKeys are the success criteria a committee sets a team.
var targetKeys = map[string]string{
	domain.TargetOutcomeShare: "andel af forløb med job eller uddannelse",
	domain.TargetPerYear:      "visiterede forløb det seneste år",
	domain.TargetCapacityUse:  "udnyttelse af kapaciteten (åbne forløb mod normen)",
}

// changeKinds are what a decision changed (domain.Change's Kind).
var changeKinds = map[string]string{
	"team_settings": "teamets indstillinger",
	"targets":       "mål",
	"phase_out":     "udfasning",
	"course_terms":  "forløbets vilkår",
	"extension":     "forlængelse",
	"pause":         "teamets pause",
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
	domain.EInternal:     "Der skete en fejl hos os. Prøv igen.",
}

// label returns a code's Danish label, or the code itself.
func label[K ~string](labels map[K]string, k K) string {
	if l, ok := labels[k]; ok {
		return l
	}
	return string(k)
}

// nextLabel says what a course or a plan waits for.
func nextLabel(n *domain.Next) string {
	if n == nil {
		return ""
	}
	s := label(nextSteps, n.Code)
	if n.ConsentMissing {
		s += consentMissing
	}
	return s
}
