// Package apptest runs the whole application for an integration test: a fresh PostgreSQL
// database with the demo register, a client of the real Temporal server, a worker on a task
// queue of the test's own, the development OpenID provider (internal/dev/idp) and the API with
// the pages, each on an httptest server.
package apptest

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"golang.org/x/oauth2"
	"google.golang.org/protobuf/encoding/protojson"

	"tvp/activities"
	"tvp/api"
	"tvp/domain"
	"tvp/internal/app"
	"tvp/internal/auth"
	"tvp/internal/codec"
	"tvp/internal/dev/demo"
	"tvp/internal/dev/idp"
	"tvp/internal/mail"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/internal/testing/storetest"
	"tvp/internal/testing/testenv"
	"tvp/service"
	"tvp/store"
	"tvp/web"
	"tvp/worker"
)

// App is a running application.
type App struct {
	Store *store.Store
	// DatabaseURL is the test database's, as its owner (storetest.MustOpenOwner), for a test
	// that must reach past the application's privileges.
	DatabaseURL string
	Service     *service.Service
	Temporal    client.Client
	TaskQueue   string
	URL         string
	Log         *slog.Logger
	// IdP is the OpenID provider the app trusts, with the demo staff (password Password);
	// IdPKey is its signing key, for tests that forge tokens.
	IdP    *idp.Provider
	IdPKey *rsa.PrivateKey
	// CitizenProvider is TVP's side of the citizens' client at the same provider, whose users
	// include the demo citizens (demo.CitizenLogins, password Password).
	CitizenProvider *auth.Provider
	// Today is the test's today: the municipality's date by the application's clock when it
	// started (the wall clock unless Options.Now sets another; the workflows on the real
	// Temporal server run on the wall clock). A test makes every date it uses from it (Day).
	Today time.Time
	tb    testing.TB

	mu       sync.Mutex
	tokens   map[string]*oauth2.Token
	sessions map[string]PageSession
}

// Password is every demo user's password at the test provider.
const Password = "test-password"

// Strangers are users of the test provider who are not the demo staff: one not in the
// register, one with a demo member's e-mail unverified, and a second account with a demo
// member's verified e-mail.
var Strangers = []idp.User{
	{Subject: idp.DemoSubject("nobody"), Username: "nobody", Password: Password, Name: "Nobody", Email: "nobody@tvp.example", EmailVerified: true},
	{Subject: idp.DemoSubject("unverified.anna"), Username: "unverified.anna", Password: Password, Name: "Anna?", Email: "konsulent.anna@tvp.example"},
	{Subject: idp.DemoSubject("twin.anna"), Username: "twin.anna", Password: Password, Name: "Anna Twin", Email: "konsulent.anna@tvp.example", EmailVerified: true},
}

// Client ids and the API's audience at the test provider, and the claim it asserts a
// citizen's CPR number in.
const (
	PagesClientID   = "tvp"
	APIAudience     = "tvp-api"
	CitizenClientID = idp.CitizenClientID
	CPRClaim        = "dk:test:cpr"
)

// Pepper is the CPR pepper the test API uses.
const Pepper = "test-pepper"

// Options change how the application runs.
type Options struct {
	// Mailer, if set, is given to the activities (reminders are mailed).
	Mailer *mail.Mailer
	// LogWriter, if set, receives every log line of the API, the worker and the Temporal SDK
	// (debug level), for tests that read what the process logs.
	LogWriter io.Writer
	// SessionIdle and SessionMaxAge bound the pages' sessions (the service's defaults if zero).
	SessionIdle, SessionMaxAge time.Duration
	// RateLimits are the API's and the login's (none if zero).
	RateLimits api.RateLimits
	// Now, if set, is the application's clock: the service's, the pages' and the activities'.
	// The workflows on the real Temporal server keep the wall clock.
	Now func() time.Time
}

// PayloadKeys is the test payload key: it encrypts test data only, and the replay tests
// decrypt the recorded histories with it.
const PayloadKeys = "test1:dGVzdC1vbmx5LXBheWxvYWQta2V5LTMyLWJ5dGVzISE="

// Keyring returns the test payload keys.
func Keyring(tb testing.TB) *codec.Keyring {
	tb.Helper()
	k, err := codec.ParseKeys(PayloadKeys)
	if err != nil {
		tb.Fatalf("test payload keys: %v", err)
	}
	return k
}

// Start runs the application until the test ends.
func Start(tb testing.TB) *App {
	tb.Helper()
	return StartWith(tb, Options{})
}

// StartWith runs the application with options until the test ends.
func StartWith(tb testing.TB, o Options) *App {
	tb.Helper()
	s, dsn := storetest.MustOpen(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := demo.LoadRegister(ctx, s); err != nil {
		tb.Fatalf("load demo register: %v", err)
	}
	if err := demo.LoadCitizenHashes(ctx, s, Pepper); err != nil {
		tb.Fatalf("load the demo citizens' hashes: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{tb}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if o.LogWriter != nil {
		log = slog.New(slog.NewJSONHandler(o.LogWriter, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	keys := Keyring(tb)
	m, err := metrics.New()
	if err != nil {
		tb.Fatalf("metrics: %v", err)
	}
	tc, err := temporalx.Dial(ctx, temporalx.Options{
		Address: testenv.TemporalAddress(tb), Namespace: "default", Logger: log, Metrics: m.Temporal(),
		DataConverter: keys.DataConverter(),
	})
	if err != nil {
		tb.Fatalf("dial Temporal: %v", err)
	}
	tb.Cleanup(tc.Close)
	// The queue names the test, in letters, digits and dashes only: it is quoted in a
	// visibility query at the end (endWorkflows).
	queue := "test-" + strings.Map(func(r rune) rune {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '-'
	}, tb.Name()) + "-" + uuid.NewString()[:8]
	w := worker.New(tc, queue, &activities.Activities{Store: s, Mailer: o.Mailer, PublicURL: "https://tvp.test", Now: o.Now}, worker.Options{})
	if err := w.Start(); err != nil {
		tb.Fatalf("start worker: %v", err)
	}
	tb.Cleanup(w.Stop)
	tb.Cleanup(func() { EndWorkflows(tb, tc, queue) })
	// The provider and the app know each other's URLs before either serves.
	appSrv := httptest.NewUnstartedServer(nil)
	appURL := "http://" + appSrv.Listener.Addr().String()
	tp := startProvider(tb, appURL, log, o.RateLimits)
	provider, key, login := tp.IdP, tp.Key, tp.Login
	a, err := app.New(app.Parts{Store: s, Temporal: tc, Keys: keys, Metrics: m, Log: log}, app.Settings{
		Service: service.Config{TaskQueue: queue, TemporalTimeout: 10 * time.Second, CPRPepper: Pepper,
			SessionIdle: o.SessionIdle, SessionMaxAge: o.SessionMaxAge, Now: o.Now},
		Login: login, CitizenLogin: tp.CitizenLogin, PublicURL: appURL, TemporalUIURL: "http://ui.test", RateLimits: o.RateLimits,
	})
	if err != nil {
		tb.Fatalf("assemble the application: %v", err)
	}
	svc := a.Service
	appSrv.Config.Handler = a.Handler
	appSrv.Start()
	tb.Cleanup(appSrv.Close)
	return &App{Store: s, DatabaseURL: dsn, Service: svc, Temporal: tc, TaskQueue: queue, URL: appURL, Log: log, IdP: provider, IdPKey: key,
		CitizenProvider: tp.CitizenLogin, Today: domain.DateIn(svc.Now()), tb: tb, tokens: map[string]*oauth2.Token{}, sessions: map[string]PageSession{}}
}

// Day is the date (YYYY-MM-DD) the years, months and days after the test's today (before it,
// if negative), as time.AddDate counts them.
func (a *App) Day(years, months, days int) string {
	return a.Today.AddDate(years, months, days).Format(time.DateOnly)
}

// Token returns a bearer token for the staff member: an access token for the API, from the
// provider, by the authorization code grant with PKCE as its CLI client (the login form
// answered with the user's password). A token is reused while it has five minutes left.
func (a *App) Token(user string) string {
	a.tb.Helper()
	return a.Tokens(user).AccessToken
}

// Tokens returns the provider's whole answer for the staff member (the ID token too).
func (a *App) Tokens(user string) *oauth2.Token {
	a.tb.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.tokens[user]; ok && time.Until(t.Expiry) > 5*time.Minute {
		return t
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	t, err := idp.Token(ctx, a.IdP.Issuer(), idp.CLIClientID, idp.CLIRedirectURI, user, Password)
	if err != nil {
		a.tb.Fatalf("token for %s: %v", user, err)
	}
	a.tokens[user] = t
	return t
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// RecordHistory writes the workflow's history from the real server to path (protojson), when
// TVP_RECORD_HISTORIES=1: that is how workflows/*/testdata is made for the replay tests.
func (a *App) RecordHistory(workflowID, path string) {
	a.tb.Helper()
	if os.Getenv("TVP_RECORD_HISTORIES") != "1" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := a.Temporal.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var h historypb.History
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			a.tb.Fatalf("history of %s: %v", workflowID, err)
		}
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		a.tb.Fatalf("encode history: %v", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		a.tb.Fatalf("write history: %v", err)
	}
	a.tb.Logf("recorded %d events of %s into %s", len(h.Events), workflowID, path)
}

// EndWorkflows terminates the test's workflows that still run when it ends: its worker goes
// with it, and a workflow with a fixed id (a team's pause) would otherwise stay open on the
// shared server and refuse the next test's.
func EndWorkflows(tb testing.TB, tc client.Client, queue string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = 'Running'", queue),
	})
	if err != nil {
		tb.Logf("list the test's workflows: %v", err)
		return
	}
	for _, ex := range resp.Executions {
		if err := tc.TerminateWorkflow(ctx, ex.Execution.WorkflowId, ex.Execution.RunId, "the test ended"); err != nil {
			tb.Logf("terminate %s: %v", ex.Execution.WorkflowId, err)
		}
	}
}

// TestProvider is an OpenID provider for a test (internal/dev/idp, in process, with the demo staff,
// the Strangers and the demo citizens as its users) and TVP's side of it, for an app at a
// URL: the staff pages' client and the citizens'.
type TestProvider struct {
	IdP          *idp.Provider
	Key          *rsa.PrivateKey
	Login        *auth.Provider
	CitizenLogin *auth.Provider
	mu           sync.Mutex
	tokens       map[string]*oauth2.Token
}

// StartProvider starts a test provider for TVP at appURL until the test ends.
func StartProvider(tb testing.TB, appURL string, log *slog.Logger) *TestProvider {
	tb.Helper()
	return startProvider(tb, appURL, log, api.RateLimits{})
}

// startProvider starts a test provider whose login form is counted by the limits' login rates,
// as tvp dev counts its provider's.
func startProvider(tb testing.TB, appURL string, log *slog.Logger, limits api.RateLimits) *TestProvider {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	srv := httptest.NewUnstartedServer(nil)
	key, err := idp.GenerateKey()
	if err != nil {
		tb.Fatalf("provider key: %v", err)
	}
	secret, citizenSecret := auth.Random(), auth.Random()
	provider, err := idp.New(idp.Config{
		Issuer: "http://" + srv.Listener.Addr().String(), Key: key,
		Users:    append(append(idp.DemoUsers(Password), Strangers...), idp.DemoCitizens(Password)...),
		Clients:  append(idp.TVPClients(appURL, PagesClientID, secret, APIAudience), idp.CitizenClient(appURL, CitizenClientID, citizenSecret)),
		CPRClaim: CPRClaim, Log: log,
	})
	if err != nil {
		tb.Fatalf("provider: %v", err)
	}
	limits.LoginPaths = []string{provider.LoginPath()}
	srv.Config.Handler = api.LimitLogin(limits, provider)
	srv.Start()
	tb.Cleanup(srv.Close)
	login, err := auth.Discover(ctx, auth.Config{
		Issuer: provider.Issuer(), ClientID: PagesClientID, ClientSecret: secret, RedirectURL: appURL + "/login/callback",
		Scopes: []string{"profile", "email"}, Audience: APIAudience, APIClients: []string{idp.CLIClientID}, LinkClaim: "email",
	})
	if err != nil {
		tb.Fatalf("discover the provider: %v", err)
	}
	citizens, err := auth.Discover(ctx, web.CitizenAuthConfig(provider.Issuer(), CitizenClientID, citizenSecret, appURL, nil, CPRClaim))
	if err != nil {
		tb.Fatalf("discover the provider for citizens: %v", err)
	}
	return &TestProvider{IdP: provider, Key: key, Login: login, CitizenLogin: citizens, tokens: map[string]*oauth2.Token{}}
}

// Token returns an access token of the provider for the API, for the staff member (by the
// authorization code grant with PKCE as its CLI client); reused while it has five minutes left.
func (p *TestProvider) Token(ctx context.Context, user string) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if t, ok := p.tokens[user]; ok && time.Until(t.Expiry) > 5*time.Minute {
		return t.AccessToken, nil
	}
	t, err := idp.Token(ctx, p.IdP.Issuer(), idp.CLIClientID, idp.CLIRedirectURI, user, Password)
	if err != nil {
		return "", fmt.Errorf("token for %s: %w", user, err)
	}
	p.tokens[user] = t
	return t.AccessToken, nil
}
