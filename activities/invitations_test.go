package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/activities"
	"tvp/domain"
	"tvp/internal/mail"
	"tvp/internal/testing/mailtest"
	"tvp/store"
	"tvp/words"
)

// A calendar message is kept in the outbox before it is mailed: a mail server that refuses
// leaves it to the mail-outbox sweep, which mails it (with the text/calendar part) once; the
// step's retry records nothing twice, and the citizen's address is in no error.
func TestInvitationOutboxSweep(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	planID, citizenID := uuid.NewString(), uuid.NewString()
	_, err := f.store.ReservePlan(ctx, domain.PlanRecord{ID: planID, WorkflowID: "collab-" + planID, CitizenID: citizenID,
		CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas", Phase: domain.PlanAwaitingConsent},
		&store.NewCitizen{ID: citizenID, Hash: []byte(planID), Name: "Test"})
	require.NoError(t, err)
	refusing := mailtest.Start(t, 100)
	f.acts.Mailer = &mail.Mailer{Addr: refusing.Addr, From: "tvp@tvp.test"}
	start := time.Date(2027, 1, 12, 9, 0, 0, 0, time.UTC)
	in := activities.InvitationsInput{
		Key: "collab-" + planID + "/invite/1/0/REQUEST/4/all", PlanID: planID, MeetingSeq: 1, Revision: 4, Current: true,
		Event: domain.MeetingEvent{UID: domain.MeetingUID(planID, 1), Method: domain.CalendarRequest, Title: words.MeetingTitle(planID),
			Start: start, End: start.Add(domain.MeetingLength), Stamp: start.Add(-time.Hour), Organizer: "tovholder.ida",
			Attendees: []string{"tovholder.ida", "sagsbehandler.lise"}},
		To: []string{"tovholder.ida", "sagsbehandler.lise"}, CitizenEmail: "borger@example.test",
	}
	for range 2 { // a retried step
		_, err := f.env.ExecuteActivity(f.acts.RecordInvitations, in)
		require.NoError(t, err)
	}
	_, err = f.env.ExecuteActivity(f.acts.MailInvitations, activities.MailInvitationsInput{Key: in.Key})
	require.Error(t, err, "the server refuses")
	assert.NotContains(t, err.Error(), "borger@example.test")

	f.acts.Mailer = &mail.Mailer{Addr: f.smtp.Addr, From: "tvp@tvp.test"}
	out := f.sweep()
	assert.Equal(t, 3, out.Mailed)
	assert.Zero(t, out.Left)
	assert.Zero(t, f.sweep().Mailed, "mailed once")
	msgs := f.smtp.Messages()
	require.Len(t, msgs, 3)
	for _, m := range msgs {
		assert.Contains(t, m.Data, "text/calendar; charset=utf-8; method=REQUEST")
		assert.Contains(t, m.Data, "filename=invitation.ics")
	}
	cal, err := f.store.GetMeetingCalendar(ctx, planID, 1)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(cal.ICS, "BEGIN:VCALENDAR\r\n"))
	assert.Equal(t, domain.CalendarRequest, cal.Method)
}
