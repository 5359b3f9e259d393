package service

import (
	"context"
	"time"

	"tvp/domain"
	"tvp/words"
)

// InboxInput filters the caller's inbox.
type InboxInput struct {
	IncludeDone bool `json:"include_done"`
}

// InboxItem is one of the caller's reminders.
type InboxItem struct {
	ID          int64               `json:"id"`
	Kind        domain.ReminderKind `json:"kind"`
	Title       string              `json:"title"`
	SubjectType domain.SubjectType  `json:"subject_type"`
	SubjectID   string              `json:"subject_id"`
	DueAt       time.Time           `json:"due_at"`
	CreatedAt   time.Time           `json:"created_at"`
	DoneAt      *time.Time          `json:"done_at,omitempty"`
	Overdue     bool                `json:"overdue"`
	// OnBehalfOf is the absent colleague whose reminder the caller holds as their stand-in.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// Inbox lists the caller's own reminders, overdue first. A reminder names its subject by id
// and kind only: reading the subject is a read of its own.
func (s *Service) Inbox(ctx context.Context, by Caller, in InboxInput) ([]InboxItem, error) {
	items, err := s.store.Inbox(ctx, by.Actor.ID, s.now(), in.IncludeDone)
	if err != nil {
		return nil, err
	}
	out := make([]InboxItem, len(items))
	for i, it := range items {
		out[i] = InboxItem{ID: it.ID, Kind: it.Kind, Title: words.Reminder(it.Kind), SubjectType: it.SubjectType, SubjectID: it.SubjectID,
			DueAt: it.DueAt, CreatedAt: it.CreatedAt, DoneAt: it.DoneAt, Overdue: it.Overdue}
		if it.OwnerID != by.Actor.ID {
			out[i].OnBehalfOf = it.OwnerID
		}
	}
	return out, nil
}

// InboxDone marks one of the caller's own reminders done.
func (s *Service) InboxDone(ctx context.Context, by Caller, id string) error {
	n, err := parseSeq(id)
	if err != nil {
		return domain.Errorf(domain.ENotFound, "no reminder %q", domain.ClipRunes(printable(id), 20))
	}
	return s.store.MarkReminderDone(ctx, by.Actor.ID, int64(n), s.now())
}

// AccessLogEntry is one access to a citizen's data, as the citizen is told of it (CJEU
// C-579/21): when, what, why, and whether it was refused.
type AccessLogEntry struct {
	At      string         `json:"at"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Subject string         `json:"subject"`
	Purpose domain.Purpose `json:"purpose"`
	Refused bool           `json:"refused,omitempty"`
}

// AccessLog is a citizen's access log.
type AccessLog struct {
	CitizenID string           `json:"citizen_id"`
	Entries   []AccessLogEntry `json:"entries"`
}

// AccessLog exports who read or changed a citizen's data, when and why, for the citizen to be
// told. The export is itself an access, and audited.
func (s *Service) AccessLog(ctx context.Context, by Caller, citizenID string) (AccessLog, error) {
	if err := checkID("citizen", citizenID); err != nil {
		return AccessLog{}, err
	}
	subj := domain.Programme
	subj.ID, subj.CitizenIDs = "citizen/"+citizenID, []string{citizenID}
	if _, err := s.allow(ctx, by, subj, domain.AccessLogExport); err != nil {
		return AccessLog{}, err
	}
	if _, err := s.store.GetCitizen(ctx, citizenID); err != nil {
		return AccessLog{}, err
	}
	entries, err := s.store.CitizenAccessLog(ctx, citizenID)
	if err != nil {
		return AccessLog{}, err
	}
	out := AccessLog{CitizenID: citizenID, Entries: make([]AccessLogEntry, len(entries))}
	for i, e := range entries {
		out.Entries[i] = AccessLogEntry{At: e.At.UTC().Format(time.RFC3339), Actor: e.ActorID, Action: string(e.Action),
			Subject: string(e.SubjectType) + "/" + e.SubjectID, Purpose: e.Purpose, Refused: e.Refused}
	}
	if err := s.audit(ctx, by, domain.AccessLogExport.Audit(), subj, false, nil); err != nil {
		return AccessLog{}, err
	}
	return out, nil
}

// AuthorizeDecode lets an administrator decode Temporal payloads (the codec server of the
// Web UI); each use, and each refusal, is audited.
func (s *Service) AuthorizeDecode(ctx context.Context, by Caller, path string, payloads int) error {
	subj := domain.Programme
	subj.ID = "payloads"
	if _, err := s.allow(ctx, by, subj, domain.PayloadsDecode); err != nil {
		return err
	}
	return s.audit(ctx, by, domain.PayloadsDecode.Audit(), subj, false, map[string]any{"path": path, "payloads": payloads})
}

// Replay is what an idempotent request was about, kept with its answer: a repeat of the
// request is answered again only after the access rule for it is asked again.
type Replay struct {
	Action      domain.Action      `json:"action"`
	SubjectType domain.SubjectType `json:"subject_type"`
	SubjectID   string             `json:"subject_id"`
}

// AuthorizeReplay asks the access rules again before a stored answer is given again, and
// audits the replay (with the subject's citizens), refused or not.
func (s *Service) AuthorizeReplay(ctx context.Context, by Caller, r Replay) error {
	var subj domain.Subject
	switch r.SubjectType {
	case domain.SubjectCourse:
		rec, err := s.store.GetCourse(ctx, r.SubjectID)
		if err != nil {
			return err
		}
		subj = courseSubject(rec)
	case domain.SubjectPlan:
		f, err := s.store.PlanFacts(ctx, r.SubjectID)
		if err != nil {
			return err
		}
		subj = planSubject(f)
	case domain.SubjectTeam:
		subj = domain.TeamSubject(r.SubjectID)
	case domain.SubjectStaff:
		subj = domain.StaffSubject(r.SubjectID)
	default:
		subj = domain.Programme
	}
	_, err := domain.Access(by.Actor, subj, r.Action)
	if aerr := s.audit(ctx, by, domain.AuditIdempotentReplay, subj, err != nil, map[string]any{"action": string(r.Action)}); aerr != nil {
		return aerr
	}
	return err
}

// names are the citizens' names, for a transport that shows people by name (the pages): the
// read that gave the ids is audited already.
func (s *Service) names(ctx context.Context, by Caller, ids []string) (map[string]string, error) {
	if !by.Names || len(ids) == 0 {
		return nil, nil
	}
	return s.store.CitizenNames(ctx, ids)
}

// parseSeq reads a positive whole number from a path.
func parseSeq(v string) (int, error) {
	n := 0
	if v == "" || len(v) > 9 {
		return 0, domain.Errorf(domain.ENotFound, "not found")
	}
	for _, r := range v {
		if r < '0' || r > '9' {
			return 0, domain.Errorf(domain.ENotFound, "not found")
		}
		n = n*10 + int(r-'0')
	}
	if n < 1 {
		return 0, domain.Errorf(domain.ENotFound, "not found")
	}
	return n, nil
}
