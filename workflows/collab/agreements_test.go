package collab_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/workflows/collab"
)

func dueDay(d int) string { return start.Add(time.Duration(d) * day).Format(time.DateOnly) }

// agreementGoals is a form with one agreement of each party, due on days 30, 35 and 40, and
// one due on day 50 that is done before then.
func agreementGoals() []domain.FormGoal {
	return []domain.FormGoal{
		{Goal: "Stabil bolig", Agreements: []domain.Agreement{
			{Text: "Ansøgning om boligstøtte", Party: domain.PartyStaff, StaffID: "sagsbehandler.lise", DueDate: dueDay(30)},
			{Text: "Ringe til boligforeningen", Party: domain.PartyCitizen, DueDate: dueDay(35)},
		}},
		{Goal: "Bedre søvn", Agreements: []domain.Agreement{
			{Text: "Samtale om søvnmedicin", Party: domain.PartyOutside, Outside: "Egen læge", DueDate: dueDay(40)},
			{Text: "Henvisning til misbrugscentret", Party: domain.PartyStaff, StaffID: "sagsbehandler.mads", DueDate: dueDay(50)},
			{Text: "Gammel aftale uden frist", Responsible: "borgeren", Due: "snarest"},
		}},
	}
}

// Agreements remind their responsible person at their due date (the coordinating caseworker
// for the citizen's and an outside participant's), repeat until done, stop when done, keep
// their id, due date and state across versions of the form and across continue-as-new, and
// remind nobody once the plan has ended.
func TestAgreementsRemindAtTheirDueDate(t *testing.T) {
	h := newHarness(t, nil, start)
	h.in.Settings.RunLength = domain.Days(90) // continue-as-new on day 90
	h.at(time.Hour, func() {
		h.send("consent", collab.UpdateRecordConsent, collab.ConsentRequest{Actor: jonas, Scope: "Deling mellem de tre centre", Date: start})
		h.send("schedule", collab.UpdateScheduleMeeting, collab.ScheduleRequest{Actor: ida, At: at(10, 10)})
	})
	h.at(11*day, func() {
		bad := agreementGoals()
		bad[0].Agreements[0].StaffID = "leder.karen" // not in the plan
		h.send("outsider responsible", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), Goals: bad, Summary: "x"})
		bad = agreementGoals()
		bad[0].Agreements[1].DueDate = "om en uge"
		h.send("due not a date", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), Goals: bad, Summary: "x"})
		bad = agreementGoals()
		bad[1].Agreements[0].ID = "a99"
		h.send("unknown id", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), Goals: bad, Summary: "x"})
		h.send("held", collab.UpdateRecordMeeting, collab.MeetingRequest{Actor: ida, HeldAt: at(10, 10), CitizenPresent: true, Goals: agreementGoals(), Summary: "Første plan"})
		h.send("minutes", collab.UpdateRecordMinutes, collab.MinutesRequest{Actor: ida, MeetingSeq: 1, Minutes: "Referat"})
	})
	var first collab.State
	h.at(12*day, func() {
		first = h.query()
		h.send("citizen marks done", collab.UpdateCompleteAgreement, collab.CompleteAgreementRequest{Actor: domain.CitizenActor(h.in.CitizenID), AgreementID: "a4"})
	})
	h.at(45*day, func() {
		h.send("mads done", collab.UpdateCompleteAgreement, collab.CompleteAgreementRequest{Actor: demo.Actor("sagsbehandler.mads"), AgreementID: "a4"})
	})
	h.at(31*day, func() {
		h.send("lise done", collab.UpdateCompleteAgreement, collab.CompleteAgreementRequest{Actor: lise, AgreementID: "a1"})
	})
	h.at(32*day, func() {
		h.send("done twice", collab.UpdateCompleteAgreement, collab.CompleteAgreementRequest{Actor: lise, AgreementID: "a1"})
	})
	// The citizen meeting (day 10 + 15) carries the form on: the outside participant's
	// agreement moves to day 60, the others keep theirs, a new one is due on day 100 (after
	// the continue-as-new on day 90); the old free-text agreement is dropped.
	h.at(41*day, func() {
		cur := h.query().CurrentForm()
		g := cur.Goals
		next := []domain.FormGoal{
			{Goal: g[0].Goal, Agreements: []domain.Agreement{g[0].Agreements[0], g[0].Agreements[1],
				{Text: "Møde med jobcentret", Party: domain.PartyStaff, StaffID: "koordinator.jonas", DueDate: dueDay(100)}}},
			{Goal: g[1].Goal, Agreements: []domain.Agreement{g[1].Agreements[0], g[1].Agreements[1]}},
		}
		next[1].Agreements[0].DueDate = dueDay(60)
		for i := range next {
			for j := range next[i].Agreements {
				next[i].Agreements[j].DoneAt, next[i].Agreements[j].DoneBy = nil, ""
			}
		}
		h.send("citizen meeting", collab.UpdateRecordCitizenMeeting, collab.CitizenMeetingRequest{Actor: jonas, HeldAt: at(41, 0),
			Note: "Opfølgning på aftaler", Goals: next, Summary: "Lægesamtalen flyttet"})
	})

	h.env.ExecuteWorkflow(collab.CollaborationWorkflow, h.in)
	require.True(t, h.env.IsWorkflowCompleted())
	var can *workflow.ContinueAsNewError
	require.ErrorAs(t, h.env.GetWorkflowError(), &can)

	for _, l := range []string{"consent", "schedule", "held", "minutes", "mads done", "lise done", "citizen meeting"} {
		h.ok(l)
	}
	assert.Equal(t, domain.EInvalid, h.failed("outsider responsible"))
	assert.Equal(t, domain.EInvalid, h.failed("due not a date"))
	assert.Equal(t, domain.EInvalid, h.failed("unknown id"))
	assert.Equal(t, domain.EForbidden, h.failed("citizen marks done"), "the professionals mark agreements done")
	assert.Equal(t, domain.EPhase, h.failed("done twice"))

	ids := []string{}
	for _, g := range first.CurrentForm().Goals {
		for _, a := range g.Agreements {
			ids = append(ids, a.ID)
		}
	}
	assert.Equal(t, []string{"a1", "a2", "a3", "a4", "a5"}, ids, "each agreement gets its id")
	assert.Equal(t, "borgeren", first.CurrentForm().Goals[0].Agreements[1].Responsible)
	assert.Equal(t, []string{"Egen læge"}, names(first.Network), "an outside participant is on the network list")

	var next collab.Input
	require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	carried := next.Carry.CurrentForm()
	require.Equal(t, 2, carried.Version)
	byID := map[string]domain.Agreement{}
	for _, g := range carried.Goals {
		for _, a := range g.Agreements {
			byID[a.ID] = a
		}
	}
	assert.Len(t, byID, 5, "a1-a4 carried on, a6 new; the free-text one dropped")
	assert.Equal(t, dueDay(30), byID["a1"].DueDate)
	assert.NotNil(t, byID["a1"].DoneAt, "done stays done in the next version")
	assert.Equal(t, "sagsbehandler.lise", byID["a1"].DoneBy)
	assert.Equal(t, dueDay(35), byID["a2"].DueDate, "a due date is kept across versions")
	assert.Equal(t, dueDay(60), byID["a3"].DueDate)
	assert.Equal(t, dueDay(100), byID["a6"].DueDate)

	// Year one's run: lise on day 30 (done on 31); the citizen's agreement to the coordinating
	// caseworker on 35, 38, 41, ...; the outside participant's on 40, then moved to 60; mads's
	// done on 45 before its day 50: never reminded.
	type key struct {
		to   string
		kind domain.ReminderKind
	}
	days := map[key][]int{}
	open := map[key]int{}
	for _, r := range h.reminders() {
		if r.Kind != domain.ReminderAgreementDue {
			continue
		}
		k := key{r.To, r.Kind}
		days[k] = append(days[k], r.Day)
		if !r.Done {
			open[k]++
		}
	}
	assert.Equal(t, []int{30}, days[key{"sagsbehandler.lise", domain.ReminderAgreementDue}], "lise at the due date, and no more once done")
	assert.Empty(t, days[key{"sagsbehandler.mads", domain.ReminderAgreementDue}], "done before its date: never reminded")
	jonasDays := days[key{"koordinator.jonas", domain.ReminderAgreementDue}]
	assert.Subset(t, jonasDays, []int{35, 38, 40, 41, 60, 63}, "the citizen's (35, every 3 days) and the outside participant's (40, then 60 when moved)")
	assert.NotContains(t, jonasDays, 43, "the outside participant's old date no longer reminds")
	for _, d := range jonasDays {
		assert.Less(t, d, 90, "no reminder of a6 (day 100) in the first run")
	}

	// The next run: a6 reminds on day 100, the citizen's agreement goes on; the plan ends on
	// day 105 and nothing reminds after that.
	stopped := h.env.Now()
	h2 := newHarness(t, h.store, stopped)
	h2.in = next
	h2.at(105*day, func() {
		h2.send("leave", collab.UpdateLeave, collab.LeaveRequest{Actor: ida, Date: at(105, 0), Reason: "Flyttet"})
	})
	h2.env.ExecuteWorkflow(collab.CollaborationWorkflow, h2.in)
	require.True(t, h2.env.IsWorkflowCompleted())
	require.NoError(t, h2.env.GetWorkflowError())
	h2.ok("leave")
	var after []int
	for _, r := range h2.reminders() {
		assert.True(t, r.Done, "nothing is left open after the end: %+v", r)
		assert.LessOrEqual(t, r.Day, 105, "no reminder after the end: %+v", r)
		if r.Kind == domain.ReminderAgreementDue && r.To == "koordinator.jonas" && r.Day >= 90 {
			after = append(after, r.Day)
		}
	}
	assert.Contains(t, after, 100, "a6 reminds at its due date after continue-as-new")
	rec, err := h.store.GetPlan(context.Background(), h.in.PlanID)
	require.NoError(t, err)
	assert.Equal(t, dueDay(35), rec.FormVersions[1].Goals[0].Agreements[1].DueDate, "the read model keeps the due dates")
	assert.Equal(t, "Gammel aftale uden frist", rec.FormVersions[0].Goals[1].Agreements[2].Text, "an earlier version keeps its text")
}

func names(ns []domain.NetworkMember) []string {
	var out []string
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out
}
