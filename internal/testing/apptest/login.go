package apptest

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"tvp/internal/dev/idp"
	"tvp/web"
)

// PageSession is a browser logged in to the pages: its session cookie, and the CSRF token
// its pages carry (the scripts send it as X-TVP-CSRF).
type PageSession struct {
	Cookie *http.Cookie
	CSRF   string
}

// Login logs the staff member in to the pages as a browser does: TVP's login form (with its
// CSRF token), the provider's authorization endpoint and its login form (the user's
// password), back to TVP's callback. Every call starts a new session.
func (a *App) Login(user string) PageSession {
	a.tb.Helper()
	s, _ := a.LoginNext(user, "/indbakke")
	return s
}

// LoginNext logs in as Login does, asking to go on to next, and returns where the login
// sent the browser in the end.
func (a *App) LoginNext(user, next string) (PageSession, string) {
	a.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, landed, err := a.login(ctx, user, next)
	if err != nil {
		a.tb.Fatalf("log %s in to the pages: %v", user, err)
	}
	return s, landed
}

// SessionCookie returns a session cookie of the staff member, logged in once per app.
func (a *App) SessionCookie(user string) *http.Cookie {
	a.tb.Helper()
	a.mu.Lock()
	s, ok := a.sessions[user]
	a.mu.Unlock()
	if !ok {
		s = a.Login(user)
		a.mu.Lock()
		a.sessions[user] = s
		a.mu.Unlock()
	}
	return s.Cookie
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	csrfMeta  = regexp.MustCompile(`<meta name="tvp-csrf" content="([^"]+)">`)
)

// ProviderForm begins a login at TVP's login page as a browser does and returns the URL of
// the provider's login form it is sent to (with its authorization request).
func (a *App) ProviderForm() *url.URL {
	a.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	form, err := a.beginLogin(&browser{ctx: ctx, cookies: map[string]*http.Cookie{}}, "/")
	if err != nil {
		a.tb.Fatalf("begin a login: %v", err)
	}
	return form
}

// beginLogin takes the browser from TVP's login page to the provider's login form.
func (a *App) beginLogin(b *browser, next string) (*url.URL, error) {
	resp, body, err := b.do(http.MethodGet, a.URL+"/login?next="+url.QueryEscape(next), nil)
	if err != nil {
		return nil, err
	}
	m := csrfField.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("the login page answered %d without a form", resp.StatusCode)
	}
	resp, _, err = b.do(http.MethodPost, a.URL+"/login", url.Values{"csrf": {html.UnescapeString(m[1])}, "next": {next}})
	if err != nil {
		return nil, err
	}
	authorize, err := b.redirect(resp)
	if err != nil {
		return nil, fmt.Errorf("start the login: %w", err)
	}
	resp, _, err = b.do(http.MethodGet, authorize.String(), nil)
	if err != nil {
		return nil, err
	}
	form, err := b.redirect(resp)
	if err != nil {
		return nil, fmt.Errorf("the provider's authorization: %w", err)
	}
	return form, nil
}

func (a *App) login(ctx context.Context, user, next string) (PageSession, string, error) {
	b := &browser{ctx: ctx, cookies: map[string]*http.Cookie{}}
	form, err := a.beginLogin(b, next)
	if err != nil {
		return PageSession{}, "", err
	}
	back, err := idp.SignIn(ctx, b.client(), form.String(), user, Password)
	if err != nil {
		return PageSession{}, "", err
	}
	resp, _, err := b.do(http.MethodGet, back.String(), nil)
	if err != nil {
		return PageSession{}, "", err
	}
	landed, err := b.redirect(resp)
	if err != nil {
		return PageSession{}, "", fmt.Errorf("the callback: %w", err)
	}
	cookie, ok := b.cookies[web.SessionCookie]
	if !ok {
		return PageSession{}, "", fmt.Errorf("the callback set no session cookie")
	}
	_, body, err := b.do(http.MethodGet, a.URL+"/indbakke", nil)
	if err != nil {
		return PageSession{}, "", err
	}
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil {
		return PageSession{}, "", fmt.Errorf("the inbox carries no CSRF token")
	}
	return PageSession{Cookie: &http.Cookie{Name: cookie.Name, Value: cookie.Value}, CSRF: html.UnescapeString(m[1])}, landed.String(), nil
}

// browser is as much of a browser as a login needs: it keeps TVP's cookies (Secure ones
// too, on the loopback, as browsers do) and follows no redirect by itself.
type browser struct {
	ctx     context.Context
	cookies map[string]*http.Cookie
}

func (b *browser) client() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (b *browser) do(method, u string, form url.Values) (*http.Response, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(b.ctx, method, u, body)
	if err != nil {
		return nil, "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	resp, err := b.client().Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s %s: %w", method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, "", err
	}
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp, string(raw), nil
}

// redirect returns a redirect's target, resolved against the request's URL.
func (b *browser) redirect(resp *http.Response) (*url.URL, error) {
	if resp.StatusCode < 300 || resp.StatusCode > 399 {
		return nil, fmt.Errorf("%s answered %d, not a redirect", resp.Request.URL.Path, resp.StatusCode)
	}
	return resp.Request.URL.Parse(resp.Header.Get("Location"))
}
