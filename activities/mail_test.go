package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"tvp/activities"
	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/internal/mail"
	"tvp/internal/testing/mailtest"
	"tvp/internal/testing/storetest"
	"tvp/store"
)

type fixture struct {
	t     *testing.T
	store *store.Store
	smtp  *mailtest.Server
	acts  *activities.Activities
	env   *testsuite.TestActivityEnvironment
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	s, _ := storetest.MustOpen(t)
	require.NoError(t, demo.LoadRegister(context.Background(), s))
	smtpd := mailtest.Start(t, 0)
	a := &activities.Activities{Store: s, Mailer: &mail.Mailer{Addr: smtpd.Addr, From: "tvp@tvp.test"}, PublicURL: "https://tvp.test"}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(a)
	return &fixture{t: t, store: s, smtp: smtpd, acts: a, env: env}
}

func (f *fixture) raise(key string, to ...string) {
	f.t.Helper()
	_, err := f.env.ExecuteActivity(f.acts.RaiseReminder, activities.RaiseReminderInput{
		Key: key, Kind: domain.ReminderScheduleMeeting, SubjectType: domain.SubjectPlan, SubjectID: "p1",
		DueAt: time.Now(), RaisedAt: time.Now(), Recipients: to,
	})
	require.NoError(f.t, err)
}

func (f *fixture) mailOccasion(key string) int {
	f.t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.MailReminders, activities.MailRemindersInput{Key: key})
	require.NoError(f.t, err)
	var out activities.MailRemindersResult
	require.NoError(f.t, v.Get(&out))
	return out.Mailed
}

func (f *fixture) sweep() activities.MailOutboxResult {
	f.t.Helper()
	v, err := f.env.ExecuteActivity(f.acts.MailOutbox, activities.MailOutboxInput{Limit: 100})
	require.NoError(f.t, err)
	var out activities.MailOutboxResult
	require.NoError(f.t, v.Get(&out))
	return out
}

// A reminder's mail is claimed before it is sent and marked after: while another sender (a
// retry of the step, the sweep) holds it, nobody sends it again. Before, the mail was sent and
// then marked, so a retry after a failure between the two, or a second sender meanwhile, sent
// it twice. A claim that lapses (its sender died after sending, before marking) lets it go
// again, with the same Message-ID: SMTP's at-least-once.
func TestReminderMailClaimedBeforeItIsSent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.raise("collab-p1/m/1", "tovholder.ida")
	claimed, err := f.store.ClaimReminderMails(ctx, "collab-p1/m/1", 0)
	require.NoError(t, err)
	require.Len(t, claimed, 1, "another sender holds it")

	assert.Zero(t, f.mailOccasion("collab-p1/m/1"), "held by the other sender: not sent again")
	assert.Empty(t, f.smtp.Messages())

	_, err = f.store.DB().Exec(`UPDATE reminders SET mail_claimed_at = now() - interval '11 minutes' WHERE key LIKE 'collab-p1/m/1/%'`)
	require.NoError(t, err)
	assert.Equal(t, 1, f.mailOccasion("collab-p1/m/1"), "its claim lapsed: sent")
	assert.Zero(t, f.mailOccasion("collab-p1/m/1"), "marked: not again")
	assert.Zero(t, f.sweep().Mailed, "nor by the sweep")
	msgs := f.smtp.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, []string{"tovholder.ida@tvp.example"}, msgs[0].To)
	assert.Contains(t, msgs[0].Data, "Message-ID: "+f.acts.Mailer.MessageID("reminder/collab-p1/m/1/tovholder.ida"))
}

// The outbox's sweep mails what was raised to be mailed and no step mailed (the step ran out of
// attempts, or was dropped with its run); items raised while the workers did not mail are not
// in it.
func TestOutboxSweepMailsWhatNoStepMailed(t *testing.T) {
	f := newFixture(t)
	f.raise("course-c1/progression/1/1", "konsulent.anna", "konsulent.bilal")
	require.NoError(t, f.store.RaiseReminders(context.Background(), []domain.Reminder{{ // raised while the workers did not mail
		Key: "course-c2/progression/1/1/konsulent.cecilie", RecipientID: "konsulent.cecilie", Kind: domain.ReminderProgressionDue,
		SubjectType: domain.SubjectCourse, SubjectID: "c2", DueAt: time.Now(), CreatedAt: time.Now(),
	}}, false))

	out := f.sweep()
	assert.Equal(t, 2, out.Mailed)
	assert.Zero(t, out.Left)
	assert.Zero(t, f.sweep().Mailed, "once")
	var to []string
	for _, m := range f.smtp.Messages() {
		to = append(to, m.To...)
	}
	assert.ElementsMatch(t, []string{"konsulent.anna@tvp.example", "konsulent.bilal@tvp.example"}, to)
}

// A digest is claimed before it is sent: a second run while the first holds it (or after it
// sent it) mails nobody.
func TestDigestClaimedBeforeItIsSent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.raise("collab-p1/m/1", "tovholder.ida", "tovholder.nina")
	day := time.Now().UTC().Format(time.DateOnly)
	held, err := f.store.ClaimDigest(ctx, day, "tovholder.nina")
	require.NoError(t, err)
	require.True(t, held)

	v, err := f.env.ExecuteActivity(f.acts.SendDigests, activities.SendDigestsInput{Role: domain.RoleCoordinator, Day: day})
	require.NoError(t, err)
	var out activities.SendDigestsResult
	require.NoError(t, v.Get(&out))
	assert.Equal(t, 1, out.Mailed, "ida's; nina's is held by another run")
	v, err = f.env.ExecuteActivity(f.acts.SendDigests, activities.SendDigestsInput{Role: domain.RoleCoordinator, Day: day})
	require.NoError(t, err)
	require.NoError(t, v.Get(&out))
	assert.Zero(t, out.Mailed)
	msgs := f.smtp.Messages()
	require.Len(t, msgs, 1)
	assert.Equal(t, []string{"tovholder.ida@tvp.example"}, msgs[0].To)
	assert.True(t, strings.Contains(msgs[0].Data, "Message-ID: "+f.acts.Mailer.MessageID("digest/"+day+"/tovholder.ida")))
}
