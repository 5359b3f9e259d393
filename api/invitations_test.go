package api_test

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	tvpmail "tvp/internal/mail"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/mailtest"
	"tvp/workflows/collab"
)

// invitationMail is a calendar mail as the SMTP test server got it, parsed with the library.
type invitationMail struct {
	to       string
	method   string // the text/calendar part's method parameter
	calendar string // the calendar object as mailed
	cal      *ics.Calendar
	event    *ics.VEvent
	seq      string
	body     string
}

func (m invitationMail) uid() string { return m.event.Id() }

// invitationMails returns the calendar mails the server accepted so far, in order.
func invitationMails(t *testing.T, smtpd *mailtest.Server) []invitationMail {
	t.Helper()
	var out []invitationMail
	for _, raw := range smtpd.Messages() {
		msg, err := mail.ReadMessage(strings.NewReader(raw.Data))
		require.NoError(t, err)
		mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		require.NoError(t, err)
		if mt != "multipart/mixed" {
			continue // a reminder
		}
		im := invitationMail{to: strings.Join(raw.To, ",")}
		var walk func(r io.Reader, boundary string)
		walk = func(r io.Reader, boundary string) {
			mr := multipart.NewReader(r, boundary)
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				require.NoError(t, err)
				pt, pp, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
				require.NoError(t, err)
				data, err := io.ReadAll(p)
				require.NoError(t, err)
				switch {
				case strings.HasPrefix(pt, "multipart/"):
					walk(bytes.NewReader(data), pp["boundary"])
				case pt == "text/plain":
					im.body = string(data)
				case pt == "text/calendar":
					dec, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(data), "\n", ""))
					require.NoError(t, err)
					im.method, im.calendar = pp["method"], string(dec)
				}
			}
		}
		walk(msg.Body, params["boundary"])
		require.NotEmpty(t, im.calendar, "a multipart mail without a calendar")
		im.cal, err = ics.ParseCalendar(strings.NewReader(im.calendar))
		require.NoError(t, err)
		evs := im.cal.Events()
		require.Len(t, evs, 1)
		im.event = evs[0]
		im.seq = im.event.GetProperty(ics.ComponentPropertySequence).Value
		out = append(out, im)
	}
	return out
}

// calendarMethod is the METHOD the calendar object itself says.
func calendarMethod(c *ics.Calendar) string {
	for _, p := range c.CalendarProperties {
		if p.IANAToken == string(ics.PropertyMethod) {
			return p.Value
		}
	}
	return ""
}

// downloadICS fetches a meeting's invitation as a staff member (the answer is checked against
// the API's description too).
func downloadICS(t *testing.T, a as, planID string, seq int) (int, string) {
	t.Helper()
	path := "/api/v1/plans/" + planID + "/meetings/" + itoa(seq) + "/invitation.ics"
	a.do("GET", path, nil, nil)
	req, err := http.NewRequest("GET", a.app.URL+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+a.app.Token(a.user))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if resp.StatusCode == http.StatusOK {
		assert.True(t, strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar"), resp.Header.Get("Content-Type"))
	}
	return resp.StatusCode, string(b)
}

func itoa(n int) string { return strconv.Itoa(n) }

// Calendar invitations through the API, read back from the SMTP server and parsed with
// golang-ical: the invitation (REQUEST, SEQUENCE 0) to every participant and the citizen;
// a move (the same UID, SEQUENCE 1) to everyone invited; not held (CANCEL, SEQUENCE 2); the
// rescheduled meeting (a new UID, SEQUENCE 0); a participant who leaves (CANCEL to them,
// the invitation with SEQUENCE + 1 to the others and the one who joins); the plan ends
// (CANCEL to everyone). The downloaded .ics is byte for byte the mailed one. Recorded as
// calendar_invitations.json: the replay test holds the calendar-invitations version to it.
func TestHistoryCalendarInvitations(t *testing.T) {
	smtpd := mailtest.Start(t, 1) // the first mail is refused: the mail step retries
	app := apptest.StartWith(t, apptest.Options{Mailer: &tvpmail.Mailer{Addr: smtpd.Addr, From: "tvp@tvp.test"}})
	shortCollaboration(t, app)
	ida := as{t: t, app: app, user: "tovholder.ida"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}
	const citizen = "borger@example.test"
	in := enrolment()
	in["citizen_email"] = citizen
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", in, &created).StatusCode)
	id, wid := created.ID, collab.WorkflowID(created.ID)
	path := "/api/v1/plans/" + id
	require.Equal(t, http.StatusOK, jonas.do("POST", path+"/consent", map[string]any{"scope": "Deling mellem centrene", "date": app.Day(0, 0, 0)}, nil).StatusCode)

	everyone := []string{"tovholder.ida@tvp.example", "koordinator.jonas@tvp.example", "sagsbehandler.lise@tvp.example", "sagsbehandler.mads@tvp.example", citizen}
	// wait returns the calendar mails after the first n, once there are want more.
	wait := func(n, want int, what string) []invitationMail {
		t.Helper()
		var got []invitationMail
		require.Eventually(t, func() bool {
			got = invitationMails(t, smtpd)
			return len(got) >= n+want
		}, 30*time.Second, 100*time.Millisecond, "%s: %d calendar mails, want %d more than %d", what, len(got), want, n)
		time.Sleep(300 * time.Millisecond) // nothing more comes
		got = invitationMails(t, smtpd)
		require.Len(t, got, n+want, what)
		return got[n:]
	}
	check := func(mails []invitationMail, method, uid, seq string, to []string) {
		t.Helper()
		var rcpts []string
		for _, m := range mails {
			assert.Equal(t, method, m.method, "the text/calendar part's method")
			assert.Equal(t, method, calendarMethod(m.cal), "METHOD")
			assert.Equal(t, uid, m.uid(), "UID")
			assert.Equal(t, seq, m.seq, "SEQUENCE")
			rcpts = append(rcpts, m.to)
		}
		assert.ElementsMatch(t, to, rcpts)
	}

	// Set (nothing is mailed), with a place and a point on the agenda; then the invitation.
	at := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": at, "place": "Jobcentret, lokale 2"}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/agenda", map[string]any{"text": "Bolig"}, nil).StatusCode)
	status, _ := downloadICS(t, ida, id, 1)
	assert.Equal(t, http.StatusNotFound, status, "no invitation yet")
	assert.Empty(t, invitationMails(t, smtpd))
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/invitation", nil, nil).StatusCode)
	uid1 := domain.MeetingUID(id, 1)
	invited := wait(0, 5, "invitation")
	check(invited, "REQUEST", uid1, "0", everyone)
	ev := invited[0].event
	start, err := ev.GetStartAt()
	require.NoError(t, err)
	assert.True(t, start.Equal(at), "DTSTART %v, want %v", start, at)
	assert.Equal(t, domain.TimeZone, ev.GetProperty(ics.ComponentPropertyDtStart).ICalParameters["TZID"][0])
	require.Len(t, invited[0].cal.Timezones(), 1, "VTIMEZONE")
	assert.Equal(t, "Jobcentret, lokale 2", ev.GetProperty(ics.ComponentPropertyLocation).Value)
	assert.Contains(t, ev.GetProperty(ics.ComponentPropertyDescription).Value, "Bolig", "the agenda")
	summary := ev.GetProperty(ics.ComponentPropertySummary).Value
	assert.Equal(t, "Samarbejdsmøde "+domain.PlanShortNumber(id), summary)
	for _, m := range invited {
		assert.NotContains(t, m.calendar, "Borger i samarbejdsmodellen", "no name of the citizen")
		assert.NotContains(t, m.calendar, "150590", "no CPR number")
		assert.NotContains(t, m.calendar, citizen, "the citizen's address is in no one's calendar")
	}
	status, body := downloadICS(t, ida, id, 1)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, invited[0].calendar, body, "the downloaded .ics is the mailed one")

	// Moved: the same UID, SEQUENCE 1, to everyone invited; the update is the invitation.
	at2 := at.Add(time.Hour)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": at2}, nil).StatusCode)
	moved := wait(5, 5, "move")
	check(moved, "REQUEST", uid1, "1", everyone)
	start, _ = moved[0].event.GetStartAt()
	assert.True(t, start.Equal(at2))
	assert.Equal(t, "Jobcentret, lokale 2", moved[0].event.GetProperty(ics.ComponentPropertyLocation).Value, "the place stays")
	assert.Equal(t, http.StatusConflict, ida.do("POST", path+"/meeting/invitation", nil, nil).StatusCode, "the update was the invitation")
	_, body = downloadICS(t, ida, id, 1)
	assert.Equal(t, moved[0].calendar, body)

	// Not held: CANCEL, SEQUENCE 2, to everyone invited.
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/not-held", map[string]any{"reason": "Borgeren var syg"}, nil).StatusCode)
	cancelled := wait(10, 5, "not held")
	check(cancelled, "CANCEL", uid1, "2", everyone)
	assert.Equal(t, "CANCELLED", cancelled[0].event.GetProperty(ics.ComponentPropertyStatus).Value)
	_, body = downloadICS(t, ida, id, 1)
	assert.Equal(t, cancelled[0].calendar, body)

	// Rescheduled: meeting 2 has its own UID; its invitation starts at SEQUENCE 0.
	at3 := at.Add(24 * time.Hour)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": at3, "place": "Rådhuset"}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/invitation", nil, nil).StatusCode)
	uid2 := domain.MeetingUID(id, 2)
	require.NotEqual(t, uid1, uid2)
	check(wait(15, 5, "rescheduled"), "REQUEST", uid2, "0", everyone)

	// A participant leaves (and one joins from the same centre): CANCEL to the one who left;
	// the invitation, SEQUENCE 1, with the new attendees, to everyone else and the newcomer.
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/participants", map[string]any{
		"leave": []string{"sagsbehandler.mads"}, "join": []string{"sagsbehandler.per"},
	}, nil).StatusCode)
	regrouped := wait(20, 6, "participants")
	var toMads, others []invitationMail
	for _, m := range regrouped {
		if m.to == "sagsbehandler.mads@tvp.example" {
			toMads = append(toMads, m)
		} else {
			others = append(others, m)
		}
	}
	now := []string{"tovholder.ida@tvp.example", "koordinator.jonas@tvp.example", "sagsbehandler.lise@tvp.example", "sagsbehandler.per@tvp.example", citizen}
	check(toMads, "CANCEL", uid2, "1", []string{"sagsbehandler.mads@tvp.example"})
	check(others, "REQUEST", uid2, "1", now)
	var attendees []string
	for _, a := range others[0].event.Attendees() {
		attendees = append(attendees, a.Email())
	}
	assert.True(t, slices.Contains(attendees, "sagsbehandler.per@tvp.example") && !slices.Contains(attendees, "sagsbehandler.mads@tvp.example"), "attendees %v", attendees)

	// The plan ends: CANCEL, SEQUENCE 2, to everyone who holds the invitation.
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/leave", map[string]any{"date": app.Day(0, 0, 0), "reason": "Flyttet"}, nil).StatusCode)
	ended := wait(26, 5, "plan ended")
	check(ended, "CANCEL", uid2, "2", now)
	waitClosed(t, app, wid)
	status, body = downloadICS(t, ida, id, 2)
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, ended[0].calendar, body, "the downloaded .ics is the last one mailed")

	// Every calendar mail was sent once, and none is left in the outbox.
	var unmailed int
	require.NoError(t, app.Store.DB().Get(&unmailed, "SELECT count(*) FROM invitation_mails WHERE plan_id = $1 AND mailed_at IS NULL", id))
	assert.Zero(t, unmailed)
	assert.Positive(t, smtpd.Refused(), "the refused mail was sent again")
	recordRun(t, app, wid, "", planData+"calendar_invitations.json")
}

// The invitation's download: the plan's read rule; the coordinator's lead, whose view of the
// plan has no agenda, is refused (and the refusal audited); a stranger is refused.
func TestInvitationDownloadAccess(t *testing.T) {
	app := apptest.Start(t)
	shortCollaboration(t, app)
	ida := as{t: t, app: app, user: "tovholder.ida"}
	jonas := as{t: t, app: app, user: "koordinator.jonas"}
	var created struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", enrolment(), &created).StatusCode)
	path := "/api/v1/plans/" + created.ID
	require.Equal(t, http.StatusOK, jonas.do("POST", path+"/consent", map[string]any{"scope": "Deling", "date": app.Day(0, 0, 0)}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/schedule", map[string]any{"at": time.Now().Add(time.Hour).UTC(), "place": "Jobcentret"}, nil).StatusCode)
	require.Equal(t, http.StatusOK, ida.do("POST", path+"/meeting/invitation", nil, nil).StatusCode)
	for _, c := range []struct {
		user string
		want int
	}{
		{"tovholder.ida", http.StatusOK}, {"sagsbehandler.lise", http.StatusOK},
		{"leder.karen", http.StatusForbidden}, {"konsulent.anna", http.StatusForbidden},
	} {
		status, body := downloadICS(t, as{t: t, app: app, user: c.user}, created.ID, 1)
		assert.Equal(t, c.want, status, "%s: %s", c.user, body)
	}
	var refused int
	require.NoError(t, app.Store.DB().Get(&refused, `SELECT count(*) FROM audit_log WHERE actor_id = 'leder.karen' AND refused AND subject_id = $1`, created.ID))
	assert.Positive(t, refused)
	bad := as{t: t, app: app, user: "tovholder.ida", unchecked: true}
	assert.Equal(t, http.StatusUnprocessableEntity, bad.do("POST", path+"/meeting/schedule", map[string]any{"at": time.Now().Add(2 * time.Hour).UTC(), "place": "Linje\nto"}, nil).StatusCode)
}
