// Package apptest runs the whole application for an integration test: a fresh PostgreSQL
// database with the demo register, a client of the real Temporal server, a worker on a task
// queue of the test's own, and the API on an httptest server.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"tvp/activities"
	"tvp/internal/app"
	"tvp/internal/auth"
	"tvp/internal/codec"
	"tvp/internal/demo"
	"tvp/internal/mail"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/internal/testenv"
	"tvp/service"
	"tvp/store"
	"tvp/store/storetest"
	"tvp/worker"
)

// App is a running application.
type App struct {
	Store     *store.Store
	Service   *service.Service
	Temporal  client.Client
	TaskQueue string
	URL       string
	Log       *slog.Logger
	Issuer    *auth.DevIssuer
	tb        testing.TB
}

// Pepper is the CPR pepper the test API uses.
const Pepper = "test-pepper"

// Options change how the application runs.
type Options struct {
	// Mailer, if set, is given to the activities (reminders are mailed).
	Mailer *mail.Mailer
	// LogWriter, if set, receives every log line of the API, the worker and the Temporal SDK
	// (debug level), for tests that read what the process logs.
	LogWriter io.Writer
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
	s, _ := storetest.MustOpen(tb)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := demo.LoadRegister(ctx, s); err != nil {
		tb.Fatalf("load demo register: %v", err)
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
	queue := "test-" + strings.ReplaceAll(tb.Name(), "/", "-") + "-" + uuid.NewString()[:8]
	w := worker.New(tc, queue, &activities.Activities{Store: s, Mailer: o.Mailer, PublicURL: "https://tvp.test"}, worker.Options{})
	if err := w.Start(); err != nil {
		tb.Fatalf("start worker: %v", err)
	}
	tb.Cleanup(w.Stop)
	key, err := auth.GenerateKey()
	if err != nil {
		tb.Fatalf("issuer key: %v", err)
	}
	issuer := auth.NewDevIssuer("https://issuer.test", key)
	svc := service.New(s, tc, service.Config{TaskQueue: queue, TemporalTimeout: 10 * time.Second, CPRPepper: Pepper}, log)
	h, err := app.Handler(app.Deps{
		Service: svc, Metrics: m, Log: log, Verifier: issuer.Verifier(), DevIssuer: issuer,
		Codec: keys.Codec(), TemporalUIURL: "http://ui.test",
	})
	if err != nil {
		tb.Fatalf("handler: %v", err)
	}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return &App{Store: s, Service: svc, Temporal: tc, TaskQueue: queue, URL: srv.URL, Log: log, Issuer: issuer, tb: tb}
}

// Token returns a bearer token for the staff member.
func (a *App) Token(user string) string {
	a.tb.Helper()
	tok, err := a.Issuer.Token(user, time.Hour)
	if err != nil {
		a.tb.Fatalf("token for %s: %v", user, err)
	}
	return tok
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
