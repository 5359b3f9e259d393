package collab

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"tvp/domain"
	"tvp/words"
	"tvp/workflows"
)

// The goals-and-agreements form's agreements as items (each with a responsible party, a due
// date and a state), and the citizen's own steps: points on the agenda, their own words on the
// goals, and their answer to each version of the form.

// MaxCitizenText bounds what the citizen writes in one step, in characters.
const MaxCitizenText = 2000

// validGoals checks the goals of a new version of the form: a goal has a text; an agreement
// has a text and who is responsible: a professional taking part in the plan, the citizen, or
// someone outside it by name; a due date is a date; an id is one of the current form's.
func (p *plan) validGoals(goals []domain.FormGoal) error {
	if len(goals) == 0 {
		return domain.FieldError("goals", "the goals-and-agreements form needs at least one goal")
	}
	seen := map[string]bool{}
	for i, g := range goals {
		if strings.TrimSpace(g.Goal) == "" {
			return domain.FieldError(fieldf("goals[%d].goal", i), "a goal needs a text")
		}
		if err := domain.CheckText(fieldf("goals[%d].goal", i), g.Goal); err != nil {
			return err
		}
		for j, a := range g.Agreements {
			field := fieldf("goals[%d].agreements[%d]", i, j)
			if err := p.validAgreement(field, a); err != nil {
				return err
			}
			if a.ID != "" {
				if seen[a.ID] {
					return domain.FieldError(field+".id", "agreement %q is in the form twice", a.ID)
				}
				seen[a.ID] = true
			}
		}
	}
	return nil
}

func (p *plan) validAgreement(field string, a domain.Agreement) error {
	for _, f := range [][2]string{{"text", a.Text}, {"responsible", a.Responsible}, {"due", a.Due}} {
		if err := domain.CheckText(field+"."+f[0], f[1]); err != nil {
			return err
		}
	}
	for _, f := range [][2]string{{"id", a.ID}, {"staff_id", a.StaffID}, {"outside", a.Outside}, {"due_date", a.DueDate}} {
		if err := domain.CheckLine(field+"."+f[0], f[1]); err != nil {
			return err
		}
	}
	if strings.TrimSpace(a.Text) == "" {
		return domain.FieldError(field, "an agreement needs a text and who is responsible")
	}
	switch a.Party {
	case "":
		if strings.TrimSpace(a.Responsible) == "" {
			return domain.FieldError(field, "an agreement needs a text and who is responsible")
		}
	case domain.PartyStaff:
		if !slices.Contains(p.state.Subject().ParticipantIDs, a.StaffID) {
			return domain.FieldError(field+".staff_id", "the responsible professional must take part in the plan")
		}
	case domain.PartyOutside:
		if strings.TrimSpace(a.Outside) == "" || len([]rune(a.Outside)) > 200 {
			return domain.FieldError(field+".outside", "name the outside participant responsible (up to 200 characters)")
		}
	case domain.PartyCitizen:
	default:
		return domain.FieldError(field+".party", "is staff, citizen or outside, not %q", a.Party)
	}
	if a.DueDate != "" {
		if _, ok := domain.AgreementDueAt(a.DueDate); !ok {
			return domain.FieldError(field+".due_date", "is a date (YYYY-MM-DD), not %q", a.DueDate)
		}
	}
	if a.ID != "" && p.state.Agreement(a.ID) == nil {
		return domain.FieldError(field+".id", "no agreement %q in the current form: leave the id out for a new one", a.ID)
	}
	if a.DoneAt != nil || a.DoneBy != "" {
		return domain.FieldError(field+".done_at", "an agreement is marked done by its own step, not in the form")
	}
	return nil
}

// addFormVersion adds a version of the form. Its agreements are items: a new one gets an id;
// one carried on keeps its state (done or not), and its reminders unless its due date moved.
// It returns the reminder occasions it answered: those of an agreement dropped from the form
// or given a new due date.
func (p *plan) addFormVersion(ctx workflow.Context, by string, meetingSeq int, summary string, goals []domain.FormGoal) []string {
	var done []string
	kept := map[string]bool{}
	goals = slices.Clone(goals)
	for i := range goals {
		goals[i].Agreements = slices.Clone(goals[i].Agreements)
		for j := range goals[i].Agreements {
			a := &goals[i].Agreements[j]
			switch a.Party {
			case domain.PartyStaff:
				a.Outside = ""
				if a.Responsible == "" {
					a.Responsible = a.StaffID
				}
			case domain.PartyCitizen:
				a.StaffID, a.Outside = "", ""
				if a.Responsible == "" {
					a.Responsible = words.TheCitizen
				}
			case domain.PartyOutside:
				a.StaffID = ""
				if a.Responsible == "" {
					a.Responsible = a.Outside
				}
				p.addToNetwork(ctx, a.Outside)
			}
			// An id the current form no longer holds (a version accepted alongside this one
			// dropped it since this one was checked) makes a new agreement, not a panic.
			old := p.state.Agreement(a.ID)
			if old == nil {
				p.state.Agreements++
				a.ID = fmt.Sprintf("a%d", p.state.Agreements)
				continue
			}
			kept[a.ID] = true
			a.DoneAt, a.DoneBy = old.DoneAt, old.DoneBy
			if old.DueDate != a.DueDate {
				done = append(done, p.agreementAnswered(*old)...)
				p.forgetAgreement(a.ID)
			}
		}
	}
	if cur := p.state.CurrentForm(); cur != nil {
		for _, g := range cur.Goals {
			for _, a := range g.Agreements {
				if a.ID != "" && !kept[a.ID] {
					done = append(done, p.agreementAnswered(a)...)
					p.forgetAgreement(a.ID)
				}
			}
		}
	}
	p.state.FormVersions = append(p.state.FormVersions, domain.FormVersion{
		Version: len(p.state.FormVersions) + 1, MeetingSeq: meetingSeq, ChangedBy: by,
		ChangedAt: workflow.Now(ctx), Summary: summary, Goals: goals,
	})
	return done
}

func (p *plan) addToNetwork(ctx workflow.Context, name string) {
	name = strings.TrimSpace(name)
	for _, m := range p.state.Network {
		if strings.EqualFold(m.Name, name) {
			return
		}
	}
	p.state.Network = append(p.state.Network, domain.NetworkMember{Name: name, AddedAt: workflow.Now(ctx)})
}

// openAgreements are the current form's agreements not yet done.
func (s State) openAgreements() []domain.Agreement {
	var out []domain.Agreement
	if f := s.CurrentForm(); f != nil {
		for _, g := range f.Goals {
			for _, a := range g.Agreements {
				if a.ID != "" && a.DoneAt == nil {
					out = append(out, a)
				}
			}
		}
	}
	return out
}

// hasDueAgreements reports whether an open agreement has a due date (it is reminded).
func (p *plan) hasDueAgreements() bool {
	for _, a := range p.state.openAgreements() {
		if a.DueDate != "" {
			return true
		}
	}
	return false
}

// agreementTrack returns the reminder bookkeeping of an agreement.
func (p *plan) agreementTrack(id string) *Track {
	for i := range p.state.Tracks {
		if t := &p.state.Tracks[i]; t.Kind == domain.ReminderAgreementDue && t.AgreementID == id {
			return t
		}
	}
	p.state.Tracks = append(p.state.Tracks, Track{Kind: domain.ReminderAgreementDue, AgreementID: id})
	return &p.state.Tracks[len(p.state.Tracks)-1]
}

func (p *plan) peekAgreement(id string) Track {
	for _, t := range p.state.Tracks {
		if t.Kind == domain.ReminderAgreementDue && t.AgreementID == id {
			return t
		}
	}
	return Track{Kind: domain.ReminderAgreementDue, AgreementID: id}
}

func (p *plan) forgetAgreement(id string) {
	p.state.Tracks = slices.DeleteFunc(p.state.Tracks, func(t Track) bool {
		return t.Kind == domain.ReminderAgreementDue && t.AgreementID == id
	})
}

// agreementOccasion is the key prefix of an agreement's reminder, due at a time.
func (p *plan) agreementOccasion(id string, due time.Time) string {
	return fmt.Sprintf("%s/%s/%s/%d/", WorkflowID(p.state.PlanID), domain.ReminderAgreementDue, id, due.Unix())
}

// agreementAnswered returns the reminder occasion of an agreement (if it has a due date).
func (p *plan) agreementAnswered(a domain.Agreement) []string {
	if due, ok := domain.AgreementDueAt(a.DueDate); ok && a.ID != "" {
		return []string{p.agreementOccasion(a.ID, due)}
	}
	return nil
}

// agreementRecipient is whom an agreement's reminder goes to: its responsible professional
// while they take part in the plan, otherwise (the citizen's, an outside participant's, or a
// professional's who has left) the coordinating caseworker.
func (p *plan) agreementRecipient(a domain.Agreement) string {
	if a.Party == domain.PartyStaff && slices.Contains(p.state.Subject().ParticipantIDs, a.StaffID) {
		return a.StaffID
	}
	return p.state.CoordinatingCaseworkerID
}

// nextAgreement considers each open agreement's reminder (behind AgreementReminders).
func (p *plan) nextAgreements(consider func(time.Time, occasion)) {
	if p.agreementsV != 1 {
		return
	}
	for _, a := range p.state.openAgreements() {
		if due, ok := domain.AgreementDueAt(a.DueDate); ok {
			consider(p.dueAfter(p.peekAgreement(a.ID), due), occasion{kind: occAgreement, agreement: a.ID})
		}
	}
}

// versionAgreements asks, once per run and only when an agreement has a due date, whether
// this plan reminds about agreements (a history from before does not).
func (p *plan) versionAgreements(ctx workflow.Context) {
	if p.agreementsV == 0 && p.hasDueAgreements() {
		p.agreementsV = int(workflow.GetVersion(ctx, AgreementReminders, workflow.DefaultVersion, 1))
		if p.agreementsV == int(workflow.DefaultVersion) {
			p.agreementsV = -1
		}
	}
}

func (p *plan) validateAgenda(r AgendaRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanAgendaPoint); err != nil {
		return err
	}
	if m := p.openMeeting(); m == nil {
		return domain.Errorf(domain.EPhase, "no meeting is coming up")
	}
	return citizenText("text", r.Text)
}

func citizenText(field, text string) error {
	if strings.TrimSpace(text) == "" {
		return domain.FieldError(field, "write something")
	}
	if len([]rune(text)) > MaxCitizenText {
		return domain.FieldError(field, "is longer than %d characters", MaxCitizenText)
	}
	return domain.CheckText(field, text)
}

func (p *plan) addAgendaPoint(ctx workflow.Context, r AgendaRequest) (StepResult, error) {
	m := p.openMeeting()
	m.Agenda = append(m.Agenda, domain.AgendaPoint{Text: r.Text, By: r.Actor.ID, At: workflow.Now(ctx), ByCit: r.Actor.IsCitizen()})
	err := p.commit(ctx, r.Actor.ID, domain.AuditAgendaPointAdded, domain.PurposeAgenda, true)
	return StepResult{State: p.state}, err
}

func (p *plan) validateGoalWords(r GoalWordsRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanGoalWords); err != nil {
		return err
	}
	f := p.state.CurrentForm()
	if f == nil {
		return domain.Errorf(domain.EPhase, "the plan has no goals yet: they are written at the first meeting")
	}
	if r.FormVersion != f.Version {
		return domain.Errorf(domain.EConflict, "the plan has changed since you read it (version %d is the newest): read it again", f.Version)
	}
	if r.Goal < 0 || r.Goal >= len(f.Goals) {
		return domain.FieldError("goal", "no goal %d in version %d", r.Goal, f.Version)
	}
	return citizenText("text", r.Text)
}

func (p *plan) writeGoalWords(ctx workflow.Context, r GoalWordsRequest) (StepResult, error) {
	p.state.GoalWords = append(p.state.GoalWords, domain.GoalWords{FormVersion: r.FormVersion, Goal: r.Goal, Text: r.Text, By: r.Actor.ID, At: workflow.Now(ctx)})
	err := p.commit(ctx, r.Actor.ID, domain.AuditGoalWordsWritten, domain.PurposeGoalWords, true)
	return StepResult{State: p.state}, err
}

func (p *plan) validateFormResponse(r FormResponseRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanRespondForm); err != nil {
		return err
	}
	if r.Version < 1 || r.Version > len(p.state.FormVersions) {
		return domain.FieldError("version", "no version %d of the form", r.Version)
	}
	if !r.Confirmed && strings.TrimSpace(r.Comment) == "" {
		return domain.FieldError("comment", "confirm the version, or say what you think should be different")
	}
	if r.Comment == "" {
		return nil
	}
	return citizenText("comment", r.Comment)
}

func (p *plan) respondToForm(ctx workflow.Context, r FormResponseRequest) (StepResult, error) {
	v := &p.state.FormVersions[r.Version-1]
	v.Responses = append(v.Responses, domain.FormResponse{By: r.Actor.ID, At: workflow.Now(ctx), Confirmed: r.Confirmed, Comment: r.Comment})
	err := p.commit(ctx, r.Actor.ID, domain.AuditFormResponded, domain.PurposeFormResponse, true)
	return StepResult{State: p.state}, err
}

func (p *plan) validateCompleteAgreement(r CompleteAgreementRequest) error {
	if err := p.live(); err != nil {
		return err
	}
	if err := p.permit(r.Actor, domain.PlanAgreementDone); err != nil {
		return err
	}
	if err := domain.CheckLine("agreement_id", r.AgreementID); err != nil {
		return err
	}
	a := p.state.Agreement(r.AgreementID)
	if a == nil {
		return domain.Errorf(domain.ENotFound, "no agreement %q in the current form", r.AgreementID)
	}
	if a.DoneAt != nil {
		return domain.Errorf(domain.EPhase, "the agreement is already done")
	}
	return nil
}

func (p *plan) completeAgreement(ctx workflow.Context, r CompleteAgreementRequest) (StepResult, error) {
	a := p.state.Agreement(r.AgreementID)
	if a == nil || a.DoneAt != nil {
		// A step accepted alongside this one dropped the agreement or marked it done after
		// this one was checked: answered as a conflict, the plan goes on.
		return StepResult{}, workflows.Failure(domain.Errorf(domain.EConflict, "the agreement changed since this step was checked: read the plan again"))
	}
	now := workflow.Now(ctx)
	a.DoneAt, a.DoneBy = &now, r.Actor.ID
	done := p.agreementAnswered(*a)
	p.forgetAgreement(a.ID)
	err := p.commit(ctx, r.Actor.ID, domain.AuditAgreementDone, domain.PurposeAgreement, true, done...)
	return StepResult{State: p.state}, err
}
