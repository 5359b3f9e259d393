package idp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// sessionCookie is the provider's own login session: a user who logged in here is not asked
// again until RP-initiated logout ends it (or the provider restarts).
const sessionCookie = "tvp_idp_session"

// loginForm is the provider's login page: a plain HTML form, the provider's and not TVP's.
type loginForm struct {
	storage    *storage
	callback   func(ctx context.Context, requestID string) string
	secure     bool
	cookiePath string
	hint       string
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Kommunens login (udvikling)</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:4rem auto}label,input,button{display:block;margin:.4rem 0}.error{color:#a00}</style>
</head><body>
<h1>Kommunens login</h1>
<p>Udviklingsmiljøets identitetsudbyder.{{with .Hint}} {{.}}{{end}}</p>
{{if .Error}}<p class="error" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="">
<input type="hidden" name="authRequestID" value="{{.ID}}">
<label for="username">Brugernavn</label><input id="username" name="username" value="{{.Username}}" autocomplete="username" required autofocus>
<label for="password">Adgangskode</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log ind</button>
</form>
</body></html>`))

var loggedOutPage = []byte(`<!doctype html><html lang="da"><head><meta charset="utf-8"><title>Logget ud</title></head>
<body><h1>Du er logget ud af kommunens login</h1></body></html>`)

type loginData struct {
	ID, Username, Error, Hint string
}

// show answers the redirect of an authorization request: the form, or, for a user with a
// login session here (and no prompt=login), straight back to the client.
func (l *loginForm) show(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("authRequestID")
	req, ok := l.storage.request(id)
	if !ok {
		http.Error(w, "Login-anmodningen findes ikke eller er udløbet.", http.StatusBadRequest)
		return
	}
	if c, err := r.Cookie(sessionCookie); err == nil && !slices.Contains(req.prompt, oidc.PromptLogin) {
		if sub, ok := l.storage.sessionSubject(c.Value); ok && l.storage.completeRequest(id, sub) == nil {
			http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
			return
		}
	}
	l.render(w, http.StatusOK, loginData{ID: id})
}

// check takes the form: a right user name and password complete the request and start a
// login session at the provider.
func (l *loginForm) check(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Formularen kunne ikke læses.", http.StatusBadRequest)
		return
	}
	id, username := r.PostForm.Get("authRequestID"), r.PostForm.Get("username")
	if _, ok := l.storage.request(id); !ok {
		http.Error(w, "Login-anmodningen findes ikke eller er udløbet.", http.StatusBadRequest)
		return
	}
	u, ok := l.storage.checkPassword(username, r.PostForm.Get("password"))
	if !ok {
		l.render(w, http.StatusUnauthorized, loginData{ID: id, Username: username, Error: "Forkert brugernavn eller adgangskode."})
		return
	}
	if err := l.storage.completeRequest(id, u.Subject); err != nil {
		http.Error(w, "Login-anmodningen findes ikke eller er udløbet.", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: l.storage.startSession(u.Subject), Path: l.cookiePath,
		HttpOnly: true, Secure: l.secure, SameSite: http.SameSiteLaxMode,
	})
	http.Redirect(w, r, l.callback(r.Context(), id), http.StatusFound)
}

func (l *loginForm) loggedOut(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(loggedOutPage)
}

func (l *loginForm) render(w http.ResponseWriter, status int, d loginData) {
	d.Hint = l.hint
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = loginPage.Execute(w, d)
}

func rand32() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
