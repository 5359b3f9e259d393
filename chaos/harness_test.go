package chaos_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"tvp/internal/app"
	"tvp/internal/dev/demo"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/storetest"
	"tvp/internal/testing/testenv"
	"tvp/service"
	"tvp/store"
)

// report lines: what was injected, and what was lost or doubled (make chaos prints them).
var (
	reportMu sync.Mutex
	report   []string
)

func note(format string, args ...any) {
	reportMu.Lock()
	defer reportMu.Unlock()
	report = append(report, fmt.Sprintf(format, args...))
}

var tvpBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tvp-chaos-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tvpBin = filepath.Join(dir, "tvp")
	build := exec.Command("go", "build", "-o", tvpBin, "tvp/cmd/tvp")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build tvp:", err)
		os.Exit(1)
	}
	code := m.Run()
	fmt.Println("\nchaos report:")
	for _, l := range report {
		fmt.Println("  " + l)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// short says whether to run the short form (make test) or the long one (make chaos).
func short() bool { return os.Getenv("TVP_CHAOS_LONG") == "" }

// temporalServer is a Temporal dev server of the test's own, file-backed, so that it can be
// stopped and started again with its data; or, with TVP_CHAOS_TEMPORAL_ADDRESS, the
// server of a running make stack (Temporal on PostgreSQL, many shards), which the test stops
// and starts with `scripts/stack.sh temporal-stop` and `temporal-start`.
type temporalServer struct {
	t                   *testing.T
	addr, dbFile        string
	port, http, metrics string
	cmd                 *exec.Cmd
	exited              chan struct{} // closed when cmd has exited
	exitErr             error
	log                 *tailBuffer // the dev server's output, for a failure's message
	stack               bool
}

// EnvChaosTemporal selects make stack's Temporal server instead of a dev server per test.
const EnvChaosTemporal = "TVP_CHAOS_TEMPORAL_ADDRESS"

func startTemporal(t *testing.T) *temporalServer {
	t.Helper()
	if addr := os.Getenv(EnvChaosTemporal); addr != "" {
		s := &temporalServer{t: t, addr: addr, stack: true}
		s.waitHealthy()
		return s
	}
	cli := os.Getenv("TVP_TEST_TEMPORAL_CLI")
	if cli == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("TVP_TEST_TEMPORAL_CLI is not set: run through make test")
		}
		t.Skip("TVP_TEST_TEMPORAL_CLI is not set: run through make test")
	}
	// The ports are reserved (testenv.FreeAddr: no other bind to port 0 gets them, the dev
	// server's own picks for its history, matching and worker services included); should one
	// be taken all the same, the server is started again on new ones.
	port := func() string { a := testenv.FreeAddr(t); return a[strings.LastIndex(a, ":")+1:] }
	s := &temporalServer{t: t, dbFile: filepath.Join(t.TempDir(), "temporal.db"), log: newTailBuffer(64 << 10)}
	t.Cleanup(s.stop)
	const tries = 3
	for i := 1; ; i++ {
		s.port, s.http, s.metrics = port(), port(), port()
		s.addr = "127.0.0.1:" + s.port
		err := s.run()
		if err == nil {
			return s
		}
		s.stop()
		_ = os.Remove(s.dbFile)
		if i == tries {
			t.Fatalf("Temporal did not start (%d tries): %v", tries, err)
		}
		t.Logf("Temporal did not start on ports %s, %s and %s (%v); trying new ports", s.port, s.http, s.metrics, err)
	}
}

// stackControl runs scripts/stack.sh temporal-stop or temporal-start against the running
// stack (its settings, such as STACK_DIR and STACK_TEMPORAL_PORT, from the environment).
func (s *temporalServer) stackControl(what string) {
	s.t.Helper()
	out, err := exec.Command("../scripts/stack.sh", what).CombinedOutput()
	if err != nil {
		s.t.Fatalf("scripts/stack.sh %s: %v: %s", what, err, out)
	}
}

// start starts the server again on its ports (after stop), with its data; a test that stops
// Temporal on purpose calls it. A dev server whose port is taken at that moment (by another
// process's connection) is tried again on the same ports: its clients know its address.
func (s *temporalServer) start() {
	s.t.Helper()
	if s.stack {
		s.stackControl("temporal-start")
		s.waitHealthy()
		return
	}
	var err error
	for i := 0; i < 3; i++ {
		if err = s.run(); err == nil {
			return
		}
		s.stop()
		time.Sleep(time.Second)
	}
	s.t.Fatalf("Temporal did not start again on %s: %v", s.addr, err)
}

// run starts the dev server on its ports and waits until it answers. It returns why not, with
// the tail of its log: it exited, or did not answer within a minute.
func (s *temporalServer) run() error {
	s.log.Reset()
	s.cmd = exec.Command(os.Getenv("TVP_TEST_TEMPORAL_CLI"), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
		"--port", s.port, "--http-port", s.http, "--metrics-port", s.metrics, "--db-filename", s.dbFile, "--log-level", "warn")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.cmd.Path, err)
	}
	exited, cmd := make(chan struct{}), s.cmd
	s.exited = exited
	go func() { s.exitErr = cmd.Wait(); close(exited) }()
	if err := s.healthy(exited); err != nil {
		return fmt.Errorf("%w; its log ends:\n%s", err, s.log.String())
	}
	return nil
}

// waitHealthy waits up to a minute for the frontend to answer a health check.
func (s *temporalServer) waitHealthy() {
	s.t.Helper()
	if err := s.healthy(nil); err != nil {
		s.t.Fatalf("%v", err)
	}
}

// healthy waits up to a minute for the frontend to answer a health check, or for the
// server's process to exit (exited closed).
func (s *temporalServer) healthy(exited <-chan struct{}) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("Temporal on %s exited (%v) before it answered", s.addr, s.exitErr)
		default:
		}
		if c, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
			c.Close()
			cl, err := client.Dial(client.Options{HostPort: s.addr})
			if err == nil {
				_, err = cl.CheckHealth(context.Background(), &client.CheckHealthRequest{})
				cl.Close()
				if err == nil {
					return nil
				}
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("Temporal on %s did not answer within a minute", s.addr)
}

func (s *temporalServer) stop() {
	if s.stack {
		s.stackControl("temporal-stop")
		return
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.cmd = nil
}

// workerProc is `tvp worker` as its own process, so that it can be killed.
type workerProc struct {
	t      *testing.T
	env    []string
	cmd    *exec.Cmd
	stderr syncBuffer
}

func startWorker(t *testing.T, env []string) *workerProc {
	w := &workerProc{t: t, env: env}
	w.start()
	t.Cleanup(func() { w.kill() })
	return w
}

func (w *workerProc) start() {
	w.t.Helper()
	w.cmd = exec.Command(tvpBin, "worker")
	w.cmd.Env = append(os.Environ(), w.env...)
	w.cmd.Stdout = io.Discard
	w.cmd.Stderr = &w.stderr
	if err := w.cmd.Start(); err != nil {
		w.t.Fatalf("start worker: %v", err)
	}
}

// kill is SIGKILL: no graceful stop, as when a machine dies.
func (w *workerProc) kill() {
	if w.cmd == nil || w.cmd.Process == nil {
		return
	}
	_ = w.cmd.Process.Kill()
	_ = w.cmd.Wait()
	w.cmd = nil
}

// system is a database, a Temporal server, a worker process and the API in this process.
type system struct {
	store    *store.Store
	dsn      string
	temporal *temporalServer
	client   client.Client
	worker   *workerProc
	api      *httptest.Server
	idp      *apptest.TestProvider
	queue    string
}

func startSystem(t *testing.T, dsn string, s *store.Store) *system {
	t.Helper()
	ctx := context.Background()
	if s == nil {
		s, dsn = storetest.MustOpen(t)
	}
	if err := demo.LoadRegister(ctx, s); err != nil {
		t.Fatalf("demo register: %v", err)
	}
	ts := startTemporal(t)
	// A queue of this run's own: on make stack's server the namespace outlives the test.
	queue := "chaos-" + t.Name() + "-" + rand.Text()[:8]
	keys := apptest.Keyring(t)
	m, _ := metrics.New()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("TVP_CHAOS_LOG") != "" { // the API's errors, for a failing run
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tc, err := temporalx.Dial(dctx, temporalx.Options{Address: ts.addr, Namespace: "default", Logger: log, Metrics: m.Temporal(), DataConverter: keys.DataConverter()})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(tc.Close)
	if ts.stack {
		t.Cleanup(func() { apptest.EndWorkflows(t, tc, queue) })
	}
	srv := httptest.NewUnstartedServer(nil)
	provider := apptest.StartProvider(t, "http://"+srv.Listener.Addr().String(), log)
	a, err := app.New(app.Parts{Store: s, Temporal: tc, Keys: keys, Metrics: m, Log: log}, app.Settings{
		Service:  service.Config{TaskQueue: queue, TemporalTimeout: 5 * time.Second, CPRPepper: apptest.Pepper},
		Verifier: provider.Login.Verifier(),
	})
	if err != nil {
		t.Fatalf("assemble the application: %v", err)
	}
	srv.Config.Handler = a.Handler
	srv.Start()
	t.Cleanup(srv.Close)
	w := startWorker(t, []string{
		"TVP_DATABASE_URL=" + dsn, "TVP_TEMPORAL_ADDRESS=" + ts.addr, "TVP_TASK_QUEUE=" + queue,
		"TVP_PAYLOAD_KEYS=" + apptest.PayloadKeys, "TVP_LOG_LEVEL=error", "TVP_CONNECT_TIMEOUT=120s",
	})
	return &system{store: s, dsn: dsn, temporal: ts, client: tc, worker: w, api: srv, idp: provider, queue: queue}
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

// String is the last lines written (at most 40).
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(t.b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

func (t *tailBuffer) Reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = t.b[:0]
}

type syncBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// token is an access token of the test provider for the user.
func (s *system) token(t *testing.T, user string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tok, err := s.idp.Token(ctx, user)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return tok
}
