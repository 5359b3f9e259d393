package apptest

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"tvp/internal/dev/idp"
	"tvp/web"
)

// CitizenLogin logs a demo citizen (a user name of demo.CitizenLogins) in to the citizens'
// pages as a browser does: TVP's citizens' login page (with its CSRF token), the provider's
// authorization endpoint and its login form (the password; the provider vouches for the
// citizen's made-up CPR number), back to TVP's citizens' callback. It returns the citizen's
// session: its cookie (web.CitizenSessionCookie) and the CSRF token its forms carry. Every
// call starts a new session.
func (a *App) CitizenLogin(username string) PageSession {
	a.tb.Helper()
	s, _ := a.CitizenLoginNext(username, web.CitizenHome)
	return s
}

// CitizenLoginNext logs a citizen in as CitizenLogin does, asking to go on to next (a page
// under /borger), and returns where the login sent the browser in the end.
func (a *App) CitizenLoginNext(username, next string) (PageSession, string) {
	a.tb.Helper()
	r := a.TryCitizenLogin(username, next)
	if r.Err != nil {
		a.tb.Fatalf("log citizen %s in: %v", username, r.Err)
	}
	if r.Session.Cookie == nil {
		a.tb.Fatalf("log citizen %s in: the callback answered %d without a session: %s", username, r.Status, r.Body)
	}
	return r.Session, r.Landed
}

// CitizenAttempt is how a citizen's login went: TVP's answer at the callback (Status, Body,
// Landed: where a redirect went), and the session if one was started.
type CitizenAttempt struct {
	Status  int
	Body    string
	Landed  string
	Session PageSession
	Err     error
}

// TryCitizenLogin logs a user of the test provider in to the citizens' pages, and returns
// TVP's answer whatever it is: a refusal (a person in no plan or course: 403 and a Danish
// page) is not an error here.
func (a *App) TryCitizenLogin(username, next string) CitizenAttempt {
	a.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := &browser{ctx: ctx, cookies: map[string]*http.Cookie{}}
	resp, body, err := b.do(http.MethodGet, a.URL+web.CitizenLoginPath+"?next="+url.QueryEscape(next), nil)
	if err != nil {
		return CitizenAttempt{Err: err}
	}
	m := csrfField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return CitizenAttempt{Err: fmt.Errorf("the citizens' login page answered %d without a form", resp.StatusCode)}
	}
	resp, _, err = b.do(http.MethodPost, a.URL+web.CitizenLoginPath, url.Values{"csrf": {html.UnescapeString(m[1])}, "next": {next}})
	if err != nil {
		return CitizenAttempt{Err: err}
	}
	authorize, err := b.redirect(resp)
	if err != nil {
		return CitizenAttempt{Err: fmt.Errorf("start the login: %w", err)}
	}
	resp, _, err = b.do(http.MethodGet, authorize.String(), nil)
	if err != nil {
		return CitizenAttempt{Err: err}
	}
	form, err := b.redirect(resp)
	if err != nil {
		return CitizenAttempt{Err: fmt.Errorf("the provider's authorization: %w", err)}
	}
	back, err := idp.SignIn(ctx, b.client(), form.String(), username, Password)
	if err != nil {
		return CitizenAttempt{Err: err}
	}
	resp, body, err = b.do(http.MethodGet, back.String(), nil)
	if err != nil {
		return CitizenAttempt{Err: err}
	}
	out := CitizenAttempt{Status: resp.StatusCode, Body: body}
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return out
	}
	landed, err := b.redirect(resp)
	if err != nil {
		out.Err = err
		return out
	}
	out.Landed = landed.String()
	cookie, ok := b.cookies[web.CitizenSessionCookie]
	if !ok {
		out.Err = fmt.Errorf("the callback set no citizen session cookie")
		return out
	}
	_, body, err = b.do(http.MethodGet, a.URL+web.CitizenAccountPath, nil)
	if err != nil {
		out.Err = err
		return out
	}
	m = csrfField.FindStringSubmatch(body)
	if m == nil {
		out.Err = fmt.Errorf("the citizen's account page carries no CSRF token")
		return out
	}
	out.Session = PageSession{Cookie: &http.Cookie{Name: cookie.Name, Value: cookie.Value}, CSRF: html.UnescapeString(m[1])}
	return out
}

// CitizenBrowserLogin logs a demo citizen in from Chromium as a person does: it forgets the
// browser's cookies (at TVP and at the provider), opens the citizens' login page, presses
// "Log ind med MitID", answers the provider's form and waits until the browser is back on
// the citizens' pages (web.CitizenHome).
func (a *App) CitizenBrowserLogin(t testing.TB, ctx context.Context, username string) {
	t.Helper()
	a.CitizenBrowserLoginNext(t, ctx, username, web.CitizenHome)
}

// CitizenBrowserLoginNext logs in as CitizenBrowserLogin does, asking to go on to next (a
// page under /borger), and waits until the browser is there.
func (a *App) CitizenBrowserLoginNext(t testing.TB, ctx context.Context, username, next string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	want := a.URL + next
	err := chromedp.Run(sctx,
		network.ClearBrowserCookies(),
		chromedp.Navigate(a.URL+web.CitizenLoginPath+"?next="+url.QueryEscape(next)),
		chromedp.WaitVisible(`#citizen-login`, chromedp.ByID),
		chromedp.Click(`#citizen-login`, chromedp.ByID),
		chromedp.WaitVisible(`#username`, chromedp.ByID),
		chromedp.SendKeys(`#username`, username, chromedp.ByID),
		chromedp.SendKeys(`#password`, Password, chromedp.ByID),
		chromedp.Click(`button[type=submit]`, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			for {
				var here string
				if err := chromedp.Location(&here).Do(ctx); err == nil && strings.HasPrefix(here, want) {
					return chromedp.WaitReady(`body`, chromedp.ByQuery).Do(ctx)
				}
				select {
				case <-ctx.Done():
					return fmt.Errorf("the browser did not come back to %s: %w", want, ctx.Err())
				case <-time.After(100 * time.Millisecond):
				}
			}
		}),
	)
	if err != nil {
		var body string
		_ = chromedp.Run(ctx, chromedp.Text(`body`, &body, chromedp.ByQuery))
		t.Fatalf("log citizen %s in from the browser: %v\npage: %s", username, err, body)
	}
}
