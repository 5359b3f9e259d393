package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/internal/auth"
	"tvp/service"
)

// Citizens log in to their own plan or course under /borger: a second OpenID client, at
// MitID through NemLog-in or the municipality's broker (in tvp dev and the tests the
// development provider, with the demo citizens). The provider vouches for the citizen's CPR
// number in a claim; the service recognises the citizen by its keyed hash and the number goes
// no further than that one call: not into the session, the audit log, a log line or a URL.
//
// The citizen's session is the staff's kind of session (login.go: state, nonce, PKCE, the
// idle and absolute timeouts, logout, CSRF) through its own door: its own cookie, held by a
// citizen only. A staff session never opens a citizen's page, nor a citizen's session a staff
// page or the API.
const (
	// CitizenSessionCookie holds a citizen's session id.
	CitizenSessionCookie = "__Host-tvp_borger"
	// citizenLoginCookie holds a citizen's login state from its start to its callback.
	citizenLoginCookie = "__Host-tvp_borger_login"
	// CitizenLoginPath is the citizens' login page; CitizenLoggedOutPath where their logout
	// ends.
	CitizenLoginPath     = "/borger/login"
	CitizenLoggedOutPath = "/borger/logget-ud"
	// CitizenAccountPath is the citizen's own page of their login: who they are logged in
	// as, and the logout button.
	CitizenAccountPath = "/borger/konto"
)

// CitizenHome is where a citizen's login goes on to unless they asked for another of the
// citizens' pages (the citizen's own front page, once there is one).
const CitizenHome = domain.PageCitizen

var citizenDoor = door{
	holder: service.HolderCitizen, cookie: CitizenSessionCookie, loginCookie: citizenLoginCookie,
	loginPath: CitizenLoginPath, loggedOutPath: CitizenLoggedOutPath, home: CitizenHome, within: domain.PageCitizen,
	provider: func(p *Pages) *auth.Provider { return p.d.CitizenLogin },
}

// Placeholders of the citizens' provider's API settings: citizens have no API, and auth's
// verifier of the citizens' provider must take no token. No token names this audience.
const (
	citizenNoAPIAudience = "urn:tvp:borger:no-api"
	citizenNoAPIClient   = "urn:tvp:borger:no-api-client"
)

// CitizenAuthConfig is the citizens' client at their provider, for auth.Discover: the code
// comes back to publicURL/borger/login/callback, and cprClaim (in the ID token, or else at
// userinfo) carries the CPR number. The provider's Verifier is never the API's: it takes no
// token.
func CitizenAuthConfig(issuer, clientID, secret, publicURL string, scopes []string, cprClaim string) auth.Config {
	return auth.Config{
		Issuer: issuer, ClientID: clientID, ClientSecret: secret,
		RedirectURL: strings.TrimSuffix(publicURL, "/") + CitizenLoginPath + "/callback", Scopes: scopes,
		Audience: citizenNoAPIAudience, APIClients: []string{citizenNoAPIClient}, LinkClaim: cprClaim,
	}
}

// RegisterCitizenLogin adds the citizens' login to the engine (the login page, its form, the
// provider's callback, logout and the logged-out page) and returns the group of the
// citizens' own pages under /borger, behind authenticateCitizen: add the citizen's pages to
// it, reading the caller with citizenCaller and the form token with csrfOf.
func (p *Pages) RegisterCitizenLogin(e *gin.Engine) *gin.RouterGroup {
	e.GET(CitizenLoginPath, p.citizenLoginPage)
	e.POST(CitizenLoginPath, p.startCitizenLogin)
	e.GET(CitizenLoginPath+"/callback", p.citizenCallback)
	e.POST("/borger/logout", p.citizenLogout)
	e.GET(CitizenLoggedOutPath, p.citizenLoggedOut)
	g := e.Group(domain.PageCitizen, p.authenticateCitizen)
	g.GET(strings.TrimPrefix(CitizenAccountPath, domain.PageCitizen), p.citizenAccount)
	return g
}

const citizenCallerKey = "tvp.page.citizen"

// authenticateCitizen lets only a citizen with a live citizen session in: anyone else goes
// to the citizens' login page (and back to the page asked for after it). The caller is
// domain.CitizenActor (citizenCaller) and the session's CSRF token is the page's (csrfOf). A
// request that may change something must carry that token, in the form's csrf field or in
// X-TVP-CSRF: 403 otherwise.
func (p *Pages) authenticateCitizen(c *gin.Context) {
	sess, err := p.sessionAt(c.Request, citizenDoor)
	var by service.Caller
	if err == nil {
		by, err = p.d.Service.IdentifyCitizen(c.Request.Context(), sess.CitizenID, "")
	}
	if domain.ErrorCode(err) == domain.EUnauthorized {
		next := c.Request.URL.Path
		if c.Request.Method != http.MethodGet {
			next = CitizenHome
		}
		c.Redirect(http.StatusSeeOther, CitizenLoginPath+"?next="+url.QueryEscape(next))
		c.Abort()
		return
	} else if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		c.Abort()
		return
	}
	c.Set(sessionKey, sess)
	if m := c.Request.Method; m != http.MethodGet && m != http.MethodHead {
		token := c.GetHeader(CSRFHeader)
		if token == "" {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, 1<<20)
			token = c.PostForm(csrfField)
		}
		if !sameToken(token, sess.CSRF) {
			p.renderError(c, domain.Actor{}, "", domain.Errorf(domain.EForbidden, "a change from a page must carry the page's CSRF token"))
			c.Abort()
			return
		}
	}
	by.Names = true
	c.Set(citizenCallerKey, by)
	c.Next()
}

// citizenCaller is the citizen of a request that authenticateCitizen let in.
func citizenCaller(c *gin.Context) service.Caller {
	by, _ := c.Get(citizenCallerKey)
	return by.(service.Caller)
}

// CitizenLoginPage is the citizens' login page, their account page, and the refusal of a
// person TVP does not know.
type CitizenLoginPage struct {
	// Next is the citizens' page to go on to.
	Next string
	// Configured: citizens can log in (a provider is configured).
	Configured bool
	// NotInProgramme: the person logged in at MitID, and has no plan or course in TVP.
	NotInProgramme bool
	// Name is the logged-in citizen's (the account page).
	Name string
}

// citizenLoginPage shows the "Log ind med MitID" button (a form with its CSRF token); a
// citizen with a live session goes straight on.
func (p *Pages) citizenLoginPage(c *gin.Context) {
	next := citizenDoor.next(c.Query("next"))
	if _, err := p.sessionAt(c.Request, citizenDoor); err == nil {
		c.Redirect(http.StatusSeeOther, next)
		return
	}
	p.write(c, http.StatusOK, "borger_login", Page[CitizenLoginPage]{Title: "Log ind som borger", CSRF: loginFormToken(c),
		Data: CitizenLoginPage{Next: next, Configured: p.d.CitizenLogin != nil}})
}

// startCitizenLogin begins a citizen's login at their provider.
func (p *Pages) startCitizenLogin(c *gin.Context) { p.startLoginAt(c, citizenDoor) }

// citizenCallback takes a citizen back from their provider: the CPR claim (from the ID token,
// or else userinfo) is handed to the service, which recognises the citizen by its keyed hash.
func (p *Pages) citizenCallback(c *gin.Context) {
	p.callbackAt(c, citizenDoor, func(ctx context.Context, provider *auth.Provider, login auth.Login) (service.NewSession, error) {
		who := service.Identity{Issuer: login.Issuer, Subject: login.Subject}
		claim, cpr, err := provider.LinkKey(ctx, login)
		if err != nil {
			p.d.Log.WarnContext(ctx, "citizen login: no CPR claim", "issuer", login.Issuer, "err", err)
			return service.NewSession{}, domain.Errorf(domain.EUnauthorized, "the login did not say who you are; log in again")
		}
		citizenID, err := p.d.Service.CitizenOf(ctx, who, cpr)
		// The session keeps the ID token for the logout's id_token_hint, unless it carries
		// the CPR number (a provider that asserts it in the ID token): TVP keeps no CPR
		// number, and the logout then goes to the provider without the hint.
		idToken := login.IDToken
		if _, inToken := login.Claims[claim]; inToken {
			idToken = ""
		}
		return service.NewSession{CitizenID: citizenID, Identity: who, IDToken: idToken}, err
	})
}

// citizenRefused shows why a citizen's login was refused: a person who is in no plan or
// course is told so in plain Danish (403), anyone else gets the error page.
func (p *Pages) citizenRefused(c *gin.Context, err error) {
	if service.IsCitizenUnknown(err) {
		p.write(c, http.StatusForbidden, "borger_login", Page[CitizenLoginPage]{Title: "Du har ikke en plan eller et forløb i TVP",
			CSRF: loginFormToken(c), Data: CitizenLoginPage{NotInProgramme: true, Configured: p.d.CitizenLogin != nil, Next: CitizenHome}})
		return
	}
	p.renderError(c, domain.Actor{}, "", err)
}

// citizenLogout ends a citizen's session, here and at their provider.
func (p *Pages) citizenLogout(c *gin.Context) { p.logoutAt(c, citizenDoor) }

// CitizenLoggedOutPage is the page after a citizen's logout.
type CitizenLoggedOutPage struct{}

func (p *Pages) citizenLoggedOut(c *gin.Context) {
	p.write(c, http.StatusOK, "borger_loggedout", Page[CitizenLoggedOutPage]{Title: "Du er logget ud"})
}

// citizenAccount is the citizen's page of their login: their name and the logout button.
func (p *Pages) citizenAccount(c *gin.Context) {
	by := citizenCaller(c)
	name, err := p.d.Service.CitizenName(c.Request.Context(), by)
	if err != nil {
		p.renderError(c, domain.Actor{}, "", err)
		return
	}
	p.write(c, http.StatusOK, "borger_login", Page[CitizenLoginPage]{Title: "Du er logget ind", CSRF: csrfOf(c),
		Data: CitizenLoginPage{Name: name, Configured: true}})
}
