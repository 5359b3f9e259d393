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

// session returns the live session of a request's cookie.
func (p *Pages) session(r *http.Request) (service.Session, error) {
	ck, err := r.Cookie(SessionCookie)
	if err != nil || ck.Value == "" {
		return service.Session{}, domain.Errorf(domain.EUnauthorized, "a bearer token is required (Authorization: Bearer ...)")
	}
	return p.d.Service.Session(r.Context(), ck.Value)
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
		return "/indbakke"
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
	token := ""
	if ck, err := c.Request.Cookie(loginCSRFCookie); err == nil && len(ck.Value) == 43 {
		token = ck.Value
	} else {
		token = auth.Random()
		setCookie(c, loginCSRFCookie, token, 0)
	}
	p.write(c, http.StatusOK, "login", Page[LoginPage]{Title: "Log ind", CSRF: token,
		Data: LoginPage{Next: next, Configured: p.d.Login != nil}})
}

// startLogin begins a login at the provider: a fresh state, nonce and PKCE verifier, kept by
// the service; the browser gets the state in a cookie and goes to the provider.
func (p *Pages) startLogin(c *gin.Context) {
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
	if p.d.Login == nil {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnavailable, "no OpenID provider is configured"))
		return
	}
	st := auth.NewLoginState()
	if err := p.d.Service.BeginLogin(c.Request.Context(), service.LoginState{State: st.State, Nonce: st.Nonce, CodeVerifier: st.CodeVerifier,
		Next: safeNext(c.Request.PostForm.Get("next"))}); err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	setCookie(c, loginCookie, st.State, 600)
	c.Redirect(http.StatusSeeOther, p.d.Login.AuthCodeURL(st))
}

// callback takes the browser back from the provider: the state must be the one this browser
// began with (its cookie) and one TVP gave out and has not seen back; the code is redeemed
// with the PKCE verifier, the ID token checked (with the nonce), the person found in the
// register (linked on first login), and a new session started.
func (p *Pages) callback(c *gin.Context) {
	clearCookie(c, loginCookie)
	q := c.Request.URL.Query()
	state := q.Get("state")
	ck, err := c.Request.Cookie(loginCookie)
	if err != nil || !sameToken(state, ck.Value) {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnauthorized, "this login was not begun in this browser; log in again"))
		return
	}
	l, err := p.d.Service.FinishLogin(c.Request.Context(), state)
	if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	if e := q.Get("error"); e != "" {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnauthorized, "the municipality's login refused: %s", domain.ClipRunes(e+" "+q.Get("error_description"), 200)))
		return
	}
	if p.d.Login == nil {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnavailable, "no OpenID provider is configured"))
		return
	}
	login, err := p.d.Login.Exchange(c.Request.Context(), q.Get("code"), auth.LoginState{State: l.State, Nonce: l.Nonce, CodeVerifier: l.CodeVerifier})
	if err != nil {
		p.d.Log.WarnContext(c.Request.Context(), "login refused", "err", err)
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EUnauthorized, "the municipality's login could not be confirmed; log in again"))
		return
	}
	who := service.Identity{Issuer: login.Issuer, Subject: login.Subject}
	staffID, err := p.d.Service.StaffOf(c.Request.Context(), who, func(ctx context.Context) (service.LinkKey, error) {
		claim, value, err := p.d.Login.LinkKey(ctx, login)
		return service.LinkKey{Claim: claim, Value: value}, err
	})
	if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	if old, err := c.Request.Cookie(SessionCookie); err == nil && old.Value != "" {
		// A new login in this browser ends the session it had (whoever's it was).
		if _, err := p.d.Service.EndSession(c.Request.Context(), old.Value); err != nil && domain.ErrorCode(err) != domain.EUnauthorized {
			p.renderError(c, domain.Actor{}, "", err)
			return
		}
	}
	id, _, err := p.d.Service.StartSession(c.Request.Context(), service.NewSession{StaffID: staffID, Identity: who, IDToken: login.IDToken})
	if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	setCookie(c, SessionCookie, id, 0)
	c.Redirect(http.StatusSeeOther, safeNext(l.Next))
}

// logout ends the session at once (the form must carry its CSRF token) and sends the
// browser to the provider's end-session endpoint (RP-initiated logout), which sends it back
// to the logged-out page.
func (p *Pages) logout(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 16<<10)
	_ = c.Request.ParseForm()
	sess, err := p.session(c.Request)
	if err != nil {
		clearCookie(c, SessionCookie)
		c.Redirect(http.StatusSeeOther, loggedOutPath)
		return
	}
	if !sameToken(c.Request.PostForm.Get(csrfField), sess.CSRF) {
		p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EForbidden, "the logout must come from TVP's own pages"))
		return
	}
	ck, _ := c.Request.Cookie(SessionCookie)
	ended, err := p.d.Service.EndSession(c.Request.Context(), ck.Value)
	if err != nil && domain.ErrorCode(err) != domain.EUnauthorized {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	clearCookie(c, SessionCookie)
	if p.d.Login != nil {
		if u := p.d.Login.EndSessionURL(ended.IDToken, strings.TrimSuffix(p.d.PublicURL, "/")+loggedOutPath); u != "" {
			c.Redirect(http.StatusSeeOther, u)
			return
		}
	}
	c.Redirect(http.StatusSeeOther, loggedOutPath)
}

// LoggedOutPage is the page after logout.
type LoggedOutPage struct{}

func (p *Pages) loggedOut(c *gin.Context) {
	p.write(c, http.StatusOK, "loggedout", Page[LoggedOutPage]{Title: "Du er logget ud"})
}
