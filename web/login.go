package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/internal/auth"
	"tvp/service"
)

// Logging in: the pages send the browser to the municipality's OpenID provider (the
// authorization code grant with PKCE, state and nonce), take it back at /login/callback and
// keep a server-side session, whose random id is all the browser holds.
//
// The cookies are __Host- cookies: Secure, Path=/, no Domain, so that only this host can set
// them, over HTTPS. Browsers treat http://127.0.0.1 and http://localhost as secure, so make
// dev and the tests use the same cookies as production, over plain HTTP on the loopback.
// They are SameSite=Lax: the provider sends the browser back by a cross-site redirect, and a
// mailed link to the inbox should find the session; a change is never a GET, and every post
// carries the session's CSRF token.
const (
	// SessionCookie holds the session's id (random; TVP stores its SHA-256 only).
	SessionCookie = "__Host-tvp_session"
	// loginCookie holds a login's state from its start to its callback.
	loginCookie = "__Host-tvp_login"
	// loginCSRFCookie is the login form's CSRF token, before there is a session (the form
	// sends it back in the field csrf: a double submit).
	loginCSRFCookie = "__Host-tvp_csrf"
	// CSRFHeader carries the session's CSRF token in the pages' script posts to the API.
	CSRFHeader = "X-TVP-CSRF"
	// csrfField carries it in a form.
	csrfField = "csrf"
	// loggedOutPath is where the provider sends the browser back after logout.
	loggedOutPath = "/logget-ud"
)

const sessionKey = "tvp.page.session"

// door is one way in to the pages: the staff's (staffDoor) or the citizens' (citizenDoor,
// citizen_login.go). Each has its own provider, cookies and paths; both take the same path
// through the code: the login's state, nonce and PKCE, the server-side session held by one
// kind of person only, the idle and absolute timeouts, logout and the CSRF token.
type door struct {
	holder service.Holder
	// cookie holds the session's id; loginCookie a login's state until its callback.
	cookie, loginCookie string
	// loginPath is the login page, loggedOutPath where logout ends.
	loginPath, loggedOutPath string
	// home is where a login goes on to unless it asks for another of within's pages.
	home, within string
	// provider is the door's OpenID provider (nil: none is configured).
	provider func(p *Pages) *auth.Provider
}

var staffDoor = door{
	holder: service.HolderStaff, cookie: SessionCookie, loginCookie: loginCookie,
	loginPath: "/login", loggedOutPath: loggedOutPath, home: domain.PageInbox, within: "/",
	provider: func(p *Pages) *auth.Provider { return p.d.Login },
}

// next is where a login through the door may send the browser on: a page of TVP's own
// within the door's pages, else the door's home.
func (d door) next(next string) string {
	if safeNext(next) != next {
		return d.home
	}
	if d.within == "/" || next == d.within || strings.HasPrefix(next, d.within+"/") || strings.HasPrefix(next, d.within+"?") {
		return next
	}
	return d.home
}

// session returns the live staff session of a request's cookie.
func (p *Pages) session(r *http.Request) (service.Session, error) {
	return p.sessionAt(r, staffDoor)
}

// sessionAt returns the live session of the door's cookie, held by the door's kind of person.
func (p *Pages) sessionAt(r *http.Request, d door) (service.Session, error) {
	ck, err := r.Cookie(d.cookie)
	if err != nil || ck.Value == "" {
		return service.Session{}, domain.Errorf(domain.EUnauthorized, "a bearer token is required (Authorization: Bearer ...)")
	}
	return p.d.Service.SessionOf(r.Context(), d.holder, ck.Value)
}

// SessionStaff returns the staff member of a request from the pages' script to the API: the
// session of its cookie; a request that may change something must carry the session's CSRF
// token in X-TVP-CSRF, which another site cannot read.
func (p *Pages) SessionStaff(r *http.Request) (string, error) {
	sess, err := p.session(r)
	if err != nil {
		return "", err
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameToken(r.Header.Get(CSRFHeader), sess.CSRF) {
		return "", domain.Errorf(domain.EForbidden, "a change from a page must carry the page's CSRF token")
	}
	return sess.StaffID, nil
}

// csrfOf is the CSRF token of the request's session (set by authenticate), for the page.
func csrfOf(c *gin.Context) string {
	if v, ok := c.Get(sessionKey); ok {
		return v.(service.Session).CSRF
	}
	return ""
}

func sameToken(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: maxAge})
}

func clearCookie(c *gin.Context, name string) { setCookie(c, name, "", -1) }

// LoginPage is the login page: a button that begins the login at the provider.
type LoginPage struct {
	// Next is the page of TVP's own to go on to.
	Next string
	// Configured: a provider is configured.
	Configured bool
}

// safeNext is where a login may send the browser on: a path of TVP's own.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\\\r\n\t") {
		return domain.PageInbox
	}
	return next
}

// loginPage shows the login button (a form with its CSRF token); someone with a live
// session goes straight on.
func (p *Pages) loginPage(c *gin.Context) {
	next := safeNext(c.Query("next"))
	if _, err := p.session(c.Request); err == nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	p.write(c, http.StatusOK, "login", Page[LoginPage]{Title: "Log ind", CSRF: loginFormToken(c),
		Data: LoginPage{Next: next, Configured: p.d.Login != nil}})
}

// loginFormToken is the login form's CSRF token (a double submit: the cookie and the form's
// field), made on the first visit.
func loginFormToken(c *gin.Context) string {
	if ck, err := c.Request.Cookie(loginCSRFCookie); err == nil && len(ck.Value) == 43 {
		return ck.Value
	}
	token := auth.Random()
	setCookie(c, loginCSRFCookie, token, 0)
	return token
}

// startLogin begins a staff login at the provider.
func (p *Pages) startLogin(c *gin.Context) { p.startLoginAt(c, staffDoor) }

// startLoginAt begins a login at the door's provider: a fresh state, nonce and PKCE
// verifier, kept by the service; the browser gets the state in a cookie and goes to the
// provider.
func (p *Pages) startLoginAt(c *gin.Context, d door) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	if err := c.Request.ParseForm(); err != nil {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EInvalid, "the form could not be read"))
		return
	}
	ck, err := c.Request.Cookie(loginCSRFCookie)
	if err != nil || !sameToken(c.Request.PostForm.Get(csrfField), ck.Value) {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EForbidden, "the login form must come from TVP's own login page"))
		return
	}
	provider := d.provider(p)
	if provider == nil {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnavailable, "no OpenID provider is configured"))
		return
	}
	st := auth.NewLoginState()
	if err := p.d.Service.BeginLogin(c.Request.Context(), service.LoginState{State: st.State, Nonce: st.Nonce, CodeVerifier: st.CodeVerifier,
		Next: d.next(c.Request.PostForm.Get("next")), Holder: d.holder}); err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	setCookie(c, d.loginCookie, st.State, 600)
	c.Redirect(http.StatusSeeOther, provider.AuthCodeURL(st))
}

// callback takes a staff member back from the provider: found in the register (linked on
// first login).
func (p *Pages) callback(c *gin.Context) {
	p.callbackAt(c, staffDoor, func(ctx context.Context, provider *auth.Provider, login auth.Login) (service.NewSession, error) {
		who := service.Identity{Issuer: login.Issuer, Subject: login.Subject}
		staffID, err := p.d.Service.StaffOf(ctx, who, func(ctx context.Context) (service.LinkKey, error) {
			claim, value, err := provider.LinkKey(ctx, login)
			return service.LinkKey{Claim: claim, Value: value}, err
		})
		return service.NewSession{StaffID: staffID, Identity: who, IDToken: login.IDToken}, err
	})
}

// callbackAt takes the browser back from the door's provider: the state must be the one this
// browser began with (its cookie) and one TVP gave out for this door and has not seen back;
// the code is redeemed with the PKCE verifier, the ID token checked (with the nonce), the
// person found by who, and a new session started. An error of who is the caller's to show
// (refused is true): nothing is started.
func (p *Pages) callbackAt(c *gin.Context, d door, who func(ctx context.Context, provider *auth.Provider, login auth.Login) (service.NewSession, error)) {
	clearCookie(c, d.loginCookie)
	q := c.Request.URL.Query()
	state := q.Get("state")
	ck, err := c.Request.Cookie(d.loginCookie)
	if err != nil || !sameToken(state, ck.Value) {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnauthorized, "this login was not begun in this browser; log in again"))
		return
	}
	l, err := p.d.Service.FinishLogin(c.Request.Context(), state)
	if err == nil && l.Holder != d.holder {
		err = domain.Errorf(domain.EUnauthorized, "this login was begun at another login page; log in again")
	}
	if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	if e := q.Get("error"); e != "" {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnauthorized, "the municipality's login refused: %s", domain.ClipRunes(e+" "+q.Get("error_description"), 200)))
		return
	}
	provider := d.provider(p)
	if provider == nil {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnavailable, "no OpenID provider is configured"))
		return
	}
	login, err := provider.Exchange(c.Request.Context(), q.Get("code"), auth.LoginState{State: l.State, Nonce: l.Nonce, CodeVerifier: l.CodeVerifier})
	if err != nil {
		p.d.Log.WarnContext(c.Request.Context(), "login refused", "holder", d.holder, "err", err)
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnauthorized, "the municipality's login could not be confirmed; log in again"))
		return
	}
	in, err := who(c.Request.Context(), provider, login)
	if err != nil {
		if d.holder == service.HolderCitizen {
			p.citizenRefused(c, err)
			return
		}
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	if old, err := c.Request.Cookie(d.cookie); err == nil && old.Value != "" {
		// A new login in this browser ends the session it had (whoever's it was).
		if _, err := p.d.Service.EndSessionOf(c.Request.Context(), d.holder, old.Value); err != nil && domain.ErrorCode(err) != domain.EUnauthorized {
			p.renderError(c, domain.Actor{}, "", err)
			return
		}
	}
	id, _, err := p.d.Service.StartSession(c.Request.Context(), in)
	if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	setCookie(c, d.cookie, id, 0)
	c.Redirect(http.StatusSeeOther, d.next(l.Next))
}

// logout ends a staff session.
func (p *Pages) logout(c *gin.Context) { p.logoutAt(c, staffDoor) }

// logoutAt ends the door's session at once (the form must carry its CSRF token) and sends
// the browser to the provider's end-session endpoint (RP-initiated logout), which sends it
// back to the door's logged-out page.
func (p *Pages) logoutAt(c *gin.Context, d door) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	_ = c.Request.ParseForm()
	sess, err := p.sessionAt(c.Request, d)
	if err != nil {
		clearCookie(c, d.cookie)
		c.Redirect(http.StatusSeeOther, d.loggedOutPath)
		return
	}
	if !sameToken(c.Request.PostForm.Get(csrfField), sess.CSRF) {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EForbidden, "the logout must come from TVP's own pages"))
		return
	}
	ck, _ := c.Request.Cookie(d.cookie)
	ended, err := p.d.Service.EndSessionOf(c.Request.Context(), d.holder, ck.Value)
	if err != nil && domain.ErrorCode(err) != domain.EUnauthorized {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	clearCookie(c, d.cookie)
	if provider := d.provider(p); provider != nil {
		if u := provider.EndSessionURL(ended.IDToken, strings.TrimSuffix(p.d.PublicURL, "/")+d.loggedOutPath); u != "" {
			c.Redirect(http.StatusSeeOther, u)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, d.loggedOutPath)
}

// LoggedOutPage is the page after logout.
type LoggedOutPage struct{}

func (p *Pages) loggedOut(c *gin.Context) {
	p.write(c, http.StatusOK, "loggedout", Page[LoggedOutPage]{Title: "Du er logget ud"})
}
