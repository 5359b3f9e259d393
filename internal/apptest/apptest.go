// Package apptest runs the whole application for an integration test: a fresh PostgreSQL
// database with the demo register, a client of the real Temporal server, a worker on a task
// queue of the test's own, and the API on an httptest server.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"tvp/activities"
	"tvp/api"
	"tvp/internal/demo"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/internal/testenv"
	"tvp/store"
	"tvp/store/storetest"
	"tvp/worker"
)

// App is a running application.
type App struct {
	Store     *store.Store
	Temporal  client.Client
	TaskQueue string
	URL       string
	Log       *slog.Logger
}

// Pepper is the CPR pepper the test API uses.
const Pepper = "test-pepper"

// Start runs the application until the test ends.
func Start(tb testing.TB) *App {
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
	m, err := metrics.New()
	if err != nil {
		tb.Fatalf("metrics: %v", err)
	}
	tc, err := temporalx.Dial(ctx, temporalx.Options{
		Address: testenv.TemporalAddress(tb), Namespace: "default", Logger: log, Metrics: m.Temporal(),
	})
	if err != nil {
		tb.Fatalf("dial Temporal: %v", err)
	}
	tb.Cleanup(tc.Close)
	queue := "test-" + strings.ReplaceAll(tb.Name(), "/", "-") + "-" + uuid.NewString()[:8]
	w := worker.New(tc, queue, &activities.Activities{Store: s}, worker.Options{})
	if err := w.Start(); err != nil {
		tb.Fatalf("start worker: %v", err)
	}
	tb.Cleanup(w.Stop)
	srv := httptest.NewServer(api.New(api.Deps{
		Store: s, Temporal: tc, Metrics: m, Log: log, TaskQueue: queue,
		TemporalTimeout: 10 * time.Second, CPRPepper: Pepper,
	}).Handler())
	tb.Cleanup(srv.Close)
	return &App{Store: s, Temporal: tc, TaskQueue: queue, URL: srv.URL, Log: log}
}

type testWriter struct{ tb testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.tb.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
