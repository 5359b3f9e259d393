package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"tvp/api"
	"tvp/domain"
	"tvp/internal/mail"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/mailtest"
	"tvp/workflows/schedules"
)

type inboxItem struct {
	ID      int64  `json:"id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Link    string `json:"link"`
	Overdue bool   `json:"overdue"`
}

// A reminder raised by a workflow reaches its recipient: in the inbox, overdue first, and by
// mail (a reference and a link, no personal data), once, although the mail server refused
// twice before accepting. The daily digest is mailed once a day.
func TestRemindersReachPeople(t *testing.T) {
	smtpd := mailtest.Start(t, 2)
	app := apptest.StartWith(t, apptest.Options{Mailer: &mail.Mailer{Addr: smtpd.Addr, From: "tvp@tvp.test"}})
	shortCollaboration(t, app)
	ida := as{t: t, app: app, user: "tovholder.ida"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}

	enrol := enrolment()
	enrol["citizen"] = map[string]any{"cpr": "150590-4321", "name": "Marker Navnesen"}
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", enrol, &plan).StatusCode)

	var inbox struct{ Items []inboxItem }
	require.Eventually(t, func() bool {
		ida.do("GET", "/api/v1/me/inbox", nil, &inbox)
		return len(inbox.Items) > 0
	}, 15*time.Second, 200*time.Millisecond, "nothing reached the coordinator's inbox")
	first := inbox.Items[0]
	assert.Equal(t, string(domain.ReminderScheduleMeeting), first.Kind)
	assert.Equal(t, "/api/v1/plans/"+plan.ID, first.Link)
	assert.NotEmpty(t, first.Title)

	require.Eventually(t, func() bool {
		for _, m := range smtpd.Messages() {
			if strings.Contains(m.Data, "#r"+strconv.FormatInt(first.ID, 10)) {
				return true
			}
		}
		return false
	}, 30*time.Second, 200*time.Millisecond, "the reminder was not mailed")
	assert.GreaterOrEqual(t, smtpd.Refused(), 2, "the server refused first")
	mailsFor := func(id int64) int {
		n := 0
		for _, m := range smtpd.Messages() {
			if strings.Contains(m.Data, "#r"+strconv.FormatInt(id, 10)+"\n") {
				n++
				assert.Equal(t, []string{"tovholder.ida@tvp.example"}, m.To)
				for _, secret := range []string{"Navnesen", "Marker", "150590", "4321", plan.ID} {
					assert.NotContains(t, m.Data, secret, "no personal data or case reference in a mail")
				}
				assert.Contains(t, m.Data, "https://tvp.test/indbakke")
			}
		}
		return n
	}
	assert.Equal(t, 1, mailsFor(first.ID), "mailed exactly once")

	// Overdue first.
	time.Sleep(3 * time.Second)
	ida.do("GET", "/api/v1/me/inbox", nil, &inbox)
	seenOnTime := false
	for _, it := range inbox.Items {
		if !it.Overdue {
			seenOnTime = true
		} else {
			assert.False(t, seenOnTime, "an overdue item after one on time: %+v", inbox.Items)
		}
	}

	var p api.Problem
	assert.Equal(t, http.StatusNotFound, jonas.do("POST", "/api/v1/me/inbox/"+strconv.FormatInt(first.ID, 10)+"/done", nil, &p).StatusCode, "not jonas's")
	assert.Equal(t, http.StatusNoContent, ida.do("POST", "/api/v1/me/inbox/"+strconv.FormatInt(first.ID, 10)+"/done", nil, nil).StatusCode)
	ida.do("GET", "/api/v1/me/inbox", nil, &inbox)
	for _, it := range inbox.Items {
		assert.NotEqual(t, first.ID, it.ID, "done items leave the inbox")
	}

	// The daily digest: once per day, however often it runs.
	ctx := context.Background()
	for i, want := range []int{1, 0} {
		run, err := app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: "digest-test-" + strconv.Itoa(i) + "-" + plan.ID, TaskQueue: app.TaskQueue}, schedules.DigestWorkflow, schedules.DigestInput{})
		require.NoError(t, err)
		var res schedules.DigestResult
		require.NoError(t, run.Get(ctx, &res))
		assert.Equal(t, want, res.Mailed, "run %d", i+1)
	}
	digests := 0
	for _, m := range smtpd.Messages() {
		if strings.Contains(m.Data, "dagens") || strings.Contains(m.Data, "=?utf-8?q?TVP:_dagens") {
			digests++
		}
	}
	assert.Equal(t, 1, digests)
}
