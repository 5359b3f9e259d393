package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"tvp/activities"
	"tvp/api"
	"tvp/domain"
	"tvp/internal/app"
	"tvp/internal/codec"
	"tvp/internal/config"
	"tvp/internal/dev/demo/cases"
	"tvp/internal/mail"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/service"
	"tvp/store"
	"tvp/worker"
	"tvp/workflows/schedules"
)

// openStore connects to PostgreSQL as the application: every connection takes the role
// TVP_DATABASE_ROLE, so the api and the worker have its privileges only (the audit log they
// may append to and read, nothing more). It retries until the connect timeout.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	var opts []store.Option
	if cfg.DatabaseRole != "" {
		opts = append(opts, store.AsRole(cfg.DatabaseRole))
	}
	return openStoreAt(ctx, cfg, log, cfg.DatabaseURL, opts...)
}

// openOwnerStore connects to PostgreSQL as the schema's owner, for the migrations: the login
// of TVP_MIGRATE_DATABASE_URL (or TVP_DATABASE_URL), with no role taken.
func openOwnerStore(ctx context.Context, cfg config.Config, log *slog.Logger) (*store.Store, error) {
	return openStoreAt(ctx, cfg, log, cfg.MigrationURL())
}

// openStoreAt connects to the database at dsn, retrying until the connect timeout.
func openStoreAt(ctx context.Context, cfg config.Config, log *slog.Logger, dsn string, opts ...store.Option) (*store.Store, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	wait := 250 * time.Millisecond
	for {
		s, err := store.Open(ctx, dsn, opts...)
		if err == nil {
			return s, nil
		}
		log.Warn("database not reachable yet", "err", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("gave up after %s: %w", cfg.ConnectTimeout, err)
		case <-time.After(wait):
		}
		wait = min(wait*2, 4*time.Second)
	}
}

// keyring returns the payload keys: configured, or a development key kept in a file.
func keyring(cfg config.Config, log *slog.Logger) (*codec.Keyring, error) {
	if cfg.PayloadKeys != "" {
		k, err := codec.ParseKeys(cfg.PayloadKeys)
		if err != nil {
			return nil, fmt.Errorf("TVP_PAYLOAD_KEYS: %w", err)
		}
		return k, nil
	}
	if cfg.Production() {
		k, err := codec.LoadKeyFile(cfg.PayloadKeyFile) // never created in production
		if err != nil {
			return nil, fmt.Errorf("TVP_PAYLOAD_KEY_FILE: %w", err)
		}
		return k, nil
	}
	k, err := codec.DevKeyring(cfg.PayloadKeyFile)
	if err != nil {
		return nil, fmt.Errorf("payload key file: %w", err)
	}
	log.Warn("payloads are encrypted with a development key: set TVP_PAYLOAD_KEYS in production", "file", cfg.PayloadKeyFile)
	return k, nil
}

// dialTemporal connects to Temporal, retrying until the connect timeout. Every payload the
// client sends (and so the worker's) is encrypted with the keyring.
func dialTemporal(ctx context.Context, cfg config.Config, log *slog.Logger, m *metrics.Metrics, keys *codec.Keyring) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, cfg.ConnectTimeout)
	defer cancel()
	c, err := temporalx.Dial(ctx, temporalx.Options{
		Address: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: log, Metrics: m.Temporal(),
		DataConverter: keys.DataConverter(), TLS: temporalTLS(cfg),
	})
	if err != nil {
		return nil, fmt.Errorf("gave up after %s: %w", cfg.ConnectTimeout, err)
	}
	return c, nil
}

// deps are what the commands connect to.
type deps struct {
	store    *store.Store
	temporal client.Client
	metrics  *metrics.Metrics
	keys     *codec.Keyring
}

func (d deps) Close() {
	d.temporal.Close()
	d.store.Close()
}

// connect opens both dependencies.
func connect(ctx context.Context, cfg config.Config, log *slog.Logger) (deps, error) {
	m, err := metrics.New()
	if err != nil {
		return deps{}, err
	}
	keys, err := keyring(cfg, log)
	if err != nil {
		return deps{}, err
	}
	s, err := openStore(ctx, cfg, log)
	if err != nil {
		return deps{}, err
	}
	tc, err := dialTemporal(ctx, cfg, log, m, keys)
	if err != nil {
		s.Close()
		return deps{}, err
	}
	return deps{store: s, temporal: tc, metrics: m, keys: keys}, nil
}

// runMigrate applies the migrations as the schema's owner.
func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	s, err := openOwnerStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer s.Close()
	v, err := s.Migrate(ctx)
	if err != nil {
		return err
	}
	log.Info("migrations applied", "version", v)
	return nil
}

func runAPI(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	return serveAPI(ctx, cfg, log, d)
}

func serveAPI(ctx context.Context, cfg config.Config, log *slog.Logger, d deps) error {
	provider, citizens, err := login(ctx, cfg, log)
	if err != nil {
		return err
	}
	a, err := app.New(app.Parts{Store: d.store, Temporal: d.temporal, Keys: d.keys, Metrics: d.metrics, Log: log}, app.Settings{
		Service: serviceConfig(cfg),
		Login:   provider, CitizenLogin: citizens, PublicURL: cfg.PublicURL,
		TemporalUIURL: cfg.TemporalUIURL, IdempotencyTTL: cfg.IdempotencyTTL, RateLimits: rateLimits(cfg),
	})
	if err != nil {
		return err
	}
	srv := api.NewHTTPServer(cfg.HTTPAddr, a.Handler)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("API listening", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	return runWorkerUntil(ctx, cfg, log, d.store, d.temporal)
}

func runWorkerUntil(ctx context.Context, cfg config.Config, log *slog.Logger, s *store.Store, tc client.Client) error {
	w, err := startWorker(ctx, cfg, s, tc)
	if err != nil {
		return err
	}
	log.Info("worker started", "task_queue", cfg.TaskQueue)
	<-ctx.Done()
	return stopWorker(w, cfg.ShutdownTimeout)
}

// startWorker makes sure TVP's schedules are as configured and starts the worker with the
// configured options.
func startWorker(ctx context.Context, cfg config.Config, s *store.Store, tc client.Client) (sdkworker.Worker, error) {
	if err := worker.EnsureSchedulesWith(ctx, tc, schedules.Settings{TaskQueue: cfg.TaskQueue,
		AuditRetention: domain.Duration(cfg.AuditRetention), IdempotencyTTL: domain.Duration(cfg.IdempotencyTTL)}); err != nil {
		return nil, err
	}
	w := worker.New(tc, cfg.TaskQueue, newActivities(cfg, s), worker.Options{CacheSize: cfg.WorkerCacheSize, FixedPollers: cfg.WorkerFixedPollers})
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start worker: %w", err)
	}
	return w, nil
}

// stopWorker stops the worker, waiting at most the shutdown timeout for running tasks.
func stopWorker(w sdkworker.Worker, timeout time.Duration) error {
	done := make(chan struct{})
	go func() { w.Stop(); close(done) }()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("worker did not stop within %s", timeout)
	}
}

// runDev runs everything of TVP in one process for a developer: migrations (as the owner),
// demo data, the worker and the API (as the application's role). The Temporal dev server and
// PostgreSQL are started by scripts/dev.sh.
func runDev(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	cfg.DevAuth = true
	if err := runMigrate(ctx, cfg, log); err != nil {
		return err
	}
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	s, tc := d.store, d.temporal
	w, err := startWorker(ctx, cfg, s, tc)
	if err != nil {
		return err
	}
	defer stopWorker(w, cfg.ShutdownTimeout)
	if err := loadDemo(ctx, cfg, log, d); err != nil {
		return err
	}
	fmt.Printf("\nTVP is running:\n  API and pages  %s\n  ready check    %s/readyz\n  Temporal UI    %s\n  a token        bin/tvp token konsulent.anna\n  citizens       %s/borger/login (borger.mikkel)\n\n",
		cfg.PublicURL, cfg.PublicURL, cfg.TemporalUIURL, cfg.PublicURL)
	return serveAPI(ctx, cfg, log, d)
}

// runDemo loads the demo data into a migrated database and exits (make stack, once): the
// register, the decisions, the demo courses and plan (started on Temporal, for the workers to
// run) and the demo citizens' CPR hashes under TVP_CPR_PEPPER. Loading again changes nothing.
func runDemo(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	d, err := connect(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	return loadDemo(ctx, cfg, log, d)
}

// loadDemo loads the demo data; its courses and plan go through the service, as the staff's
// would.
func loadDemo(ctx context.Context, cfg config.Config, log *slog.Logger, d deps) error {
	svc := app.NewService(app.Parts{Store: d.store, Temporal: d.temporal, Keys: d.keys, Metrics: d.metrics, Log: log}, serviceConfig(cfg))
	if err := cases.Load(ctx, d.store, svc, cfg.CPRPepper, "demo", time.Now()); err != nil {
		return err
	}
	log.Info("demo data loaded")
	return nil
}

// newActivities gives the activities their dependencies: the store, and the mailer when SMTP
// is configured.
func newActivities(cfg config.Config, s *store.Store) *activities.Activities {
	a := &activities.Activities{Store: s, PublicURL: cfg.PublicURL}
	if cfg.SMTPAddr != "" {
		a.Mailer = &mail.Mailer{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom}
	}
	return a
}

// serviceConfig is the service's settings from the configuration.
func serviceConfig(cfg config.Config) service.Config {
	return service.Config{
		TaskQueue: cfg.TaskQueue, TemporalTimeout: cfg.TemporalTimeout, CPRPepper: cfg.CPRPepper, CPRPepperPrevious: cfg.CPRPepperPrevious,
		SessionIdle: cfg.SessionIdleTimeout, SessionMaxAge: cfg.SessionMaxAge, CitizenSeesStaffNames: cfg.CitizenSeesStaffNames,
		RegisterCacheTTL: cfg.RegisterCacheTTL,
	}
}
