package api_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/testing/apptest"
)

// browser starts headless Chromium (Debian's) for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("chromium is not installed (scripts/test.sh installs Debian's chromium)")
		}
		t.Skip("chromium is not installed; run the tests through make test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 900))
	profile, err := os.MkdirTemp("", "tvp-chromium-")
	require.NoError(t, err)
	opts = append(opts, chromedp.UserDataDir(profile))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(func() {
		cancel() // waits for chromium to exit
		_ = os.RemoveAll(profile)
	})
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	require.NoError(t, chromedp.Run(ctx), "start chromium")
	return ctx
}

// run runs browser actions with a deadline; on failure it says what the page showed.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Run(sctx, actions...); err != nil {
		var body string
		_ = chromedp.Run(ctx, chromedp.Text(`body`, &body, chromedp.ByQuery))
		t.Fatalf("%s: %v\npage: %s", what, err, body)
	}
}

// shot writes a screenshot of the page into screenshots/ (git-ignored) for a reviewer.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var png []byte
	require.NoError(t, chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)))
	dir := filepath.Join("..", "screenshots")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// login logs a user in as a person does: TVP's login page, then the provider's own login
// form (user name and password), back to TVP. The browser forgets its cookies first, at TVP
// and at the provider: the next user is someone else.
func login(t *testing.T, ctx context.Context, app *apptest.App, user string) {
	t.Helper()
	run(t, ctx, "log in as "+user,
		network.ClearBrowserCookies(),
		chromedp.Navigate(app.URL+"/login"),
		chromedp.WaitVisible(`#login`, chromedp.ByID),
		chromedp.Click(`#login`, chromedp.ByID),
	)
	providerLogin(t, ctx, user)
}

// providerLogin answers the provider's login form, which the browser shows.
func providerLogin(t *testing.T, ctx context.Context, user string) {
	t.Helper()
	run(t, ctx, "the provider's login form as "+user,
		chromedp.WaitVisible(`#username`, chromedp.ByID),
		chromedp.SendKeys(`#username`, user, chromedp.ByID),
		chromedp.SendKeys(`#password`, apptest.Password, chromedp.ByID),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`header .who`, chromedp.ByQuery), // only a logged-in page has it
	)
}

// The pages in a real browser: a consultant refers a citizen, records progression and asks
// for an extension; the steering group approves it; the course page shows the new end. A
// coordinator sets a meeting date and finds the invitation reminder in the inbox.
func TestPagesInABrowser(t *testing.T) {
	app := apptest.Start(t)
	ctx := browser(t)

	run(t, ctx, "the login page", chromedp.Navigate(app.URL+"/indbakke"), chromedp.WaitVisible(`#login`, chromedp.ByID))
	shot(t, ctx, "01-login")

	login(t, ctx, app, "konsulent.anna")
	shot(t, ctx, "02-inbox")
	run(t, ctx, "browse",
		chromedp.Navigate(app.URL+"/forloeb"),
		chromedp.WaitVisible(`#cpr`, chromedp.ByID),
		chromedp.SetValue(`#team_id`, "ungeteam", chromedp.ByID),
		chromedp.SendKeys(`#cpr`, "010203-1234", chromedp.ByID),
		chromedp.SendKeys(`#navn`, "Browser Borgersen", chromedp.ByID),
		chromedp.SendKeys(`#goals`, "Starte på en uddannelse\nStabil bolig", chromedp.ByID),
	)
	shot(t, ctx, "03-courses-referral")
	var url string
	run(t, ctx, "refer a citizen",
		chromedp.Click(`form[data-api="/api/v1/courses"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#planned-end`, chromedp.ByID),
		chromedp.Location(&url),
	)
	require.Contains(t, url, "/forloeb/")
	courseID := url[strings.LastIndex(url, "/")+1:]

	// A refusal is shown at its field, in Danish.
	var fieldErr string
	run(t, ctx, "browse",
		chromedp.SetValue(`#newend`, app.Day(0, 0, 0), chromedp.ByID),
		chromedp.SendKeys(`#ereason`, "For tidligt", chromedp.ByID),
		chromedp.Click(`form[data-api$="/extensions"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-error-for="new_end"]:not(:empty)`, chromedp.ByQuery),
		chromedp.Text(`[data-error-for="new_end"]`, &fieldErr, chromedp.ByQuery),
	)
	assert.Contains(t, fieldErr, "Oplysningerne er ikke gyldige")

	run(t, ctx, "record progression",
		chromedp.Navigate(app.URL+"/forloeb/"+courseID),
		chromedp.WaitVisible(`#score0`, chromedp.ByID),
		chromedp.SendKeys(`#score0`, "4", chromedp.ByID),
		chromedp.SendKeys(`#score1`, "6", chromedp.ByID),
		chromedp.SendKeys(`#pnote`, "Godt i gang", chromedp.ByID),
		chromedp.Click(`form[data-api$="/progressions"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`svg[aria-label="Målprogression pr. mål"]`, chromedp.ByQuery),
	)

	newEnd := app.Today.AddDate(1, 2, 0)
	run(t, ctx, "request an extension",
		chromedp.SetValue(`#newend`, newEnd.Format(time.DateOnly), chromedp.ByID),
		chromedp.SendKeys(`#ereason`, "Mangler praktikplads", chromedp.ByID),
		chromedp.Click(`form[data-api$="/extensions"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//span[contains(., "forlængelse afventer styregruppen")]`, chromedp.BySearch),
	)
	shot(t, ctx, "04-course")

	login(t, ctx, app, "styregruppe.bo")
	run(t, ctx, "browse",
		chromedp.Navigate(app.URL+"/styregruppe"),
		chromedp.WaitVisible(`input[name="approve"][value="true"]`, chromedp.ByQuery),
	)
	shot(t, ctx, "05-steering-group")
	run(t, ctx, "approve",
		chromedp.Click(`input[name="approve"][value="true"]`, chromedp.ByQuery),
		chromedp.SendKeys(`form[data-api*="/decision"] textarea`, "Godkendt på mødet", chromedp.ByQuery),
		chromedp.Click(`form[data-api*="/decision"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`//p[contains(., "Ingen anmodninger")]`, chromedp.BySearch),
	)

	login(t, ctx, app, "konsulent.anna")
	var end string
	run(t, ctx, "browse",
		chromedp.Navigate(app.URL+"/forloeb/"+courseID),
		chromedp.Text(`#planned-end`, &end, chromedp.ByID),
	)
	assert.Equal(t, newEnd.Format("02-01-2006"), end, "the course page shows the new end date")

	// The coordinator.
	ida := as{t: t, app: app, user: "tovholder.ida"}
	var plan struct{ ID string }
	require.Equal(t, http.StatusCreated, ida.do("POST", "/api/v1/plans", enrolment(), &plan).StatusCode)
	require.Eventually(t, func() bool {
		p, err := app.Store.GetPlan(context.Background(), plan.ID)
		return err == nil && p.Revision > 0
	}, 15*time.Second, 100*time.Millisecond)
	login(t, ctx, app, "tovholder.ida")
	meeting := time.Now().Add(10 * 24 * time.Hour).In(time.Local)
	run(t, ctx, "set the meeting date",
		chromedp.Navigate(app.URL+"/samarbejde/"+plan.ID),
		chromedp.WaitVisible(`#at`, chromedp.ByID),
		chromedp.SetValue(`#at`, meeting.Format("2006-01-02T15:04"), chromedp.ByID),
		chromedp.Click(`form[data-api$="/meeting/schedule"] button`, chromedp.ByQuery),
		chromedp.WaitVisible(`#next-meeting`, chromedp.ByID),
	)
	shot(t, ctx, "06-plan")
	var inbox string
	var navErr error
	assert.Eventually(t, func() bool {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		navErr = chromedp.Run(sctx, chromedp.Navigate(app.URL+"/indbakke"), chromedp.Text(`#indhold`, &inbox, chromedp.ByID))
		return navErr == nil && strings.Contains(inbox, "send indkaldelse")
	}, 30*time.Second, 500*time.Millisecond, "the invitation reminder is not in the inbox")
	if t.Failed() {
		items, _ := app.Store.ListReminders(context.Background(), "plan", plan.ID)
		t.Fatalf("navigation: %v; inbox page: %q; reminders: %+v", navErr, inbox, items)
	}
	shot(t, ctx, "07-coordinator-inbox")

	// Every other page, for the reviewer.
	for _, pg := range []struct{ user, path, name string }{
		{"tovholder.ida", "/samarbejde", "08-plans"},
		{"leder.ulla", "/teams/ungeteam", "09-team"},
		{"leder.ulla", "/rapporter", "10-reports"},
		{"konsulent.anna", "/forloeb", "11-courses"},
		{"styregruppe.bo", "/programstyring", "12-programme-steering"},
	} {
		login(t, ctx, app, pg.user)
		var h1 string
		run(t, ctx, pg.path, chromedp.Navigate(app.URL+pg.path), chromedp.Text(`h1`, &h1, chromedp.ByQuery))
		assert.NotContains(t, h1, "lykkedes ikke", fmt.Sprintf("%s as %s", pg.path, pg.user))
		shot(t, ctx, pg.name)
	}
}
