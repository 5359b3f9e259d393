// Package config reads TVP's configuration from the environment, then lets command-line
// flags override it. Every setting has a default that works on a developer's machine.
package config

import (
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Config is the whole configuration. Secrets are masked by LogValue.
type Config struct {
	HTTPAddr          string        `env:"TVP_HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	PublicURL         string        `env:"TVP_PUBLIC_URL" envDefault:"http://127.0.0.1:8080"`
	DatabaseURL       string        `env:"TVP_DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/tvp?sslmode=disable"`
	TemporalAddress   string        `env:"TVP_TEMPORAL_ADDRESS" envDefault:"127.0.0.1:7233"`
	TemporalNamespace string        `env:"TVP_TEMPORAL_NAMESPACE" envDefault:"default"`
	TemporalUIURL     string        `env:"TVP_TEMPORAL_UI_URL" envDefault:"http://127.0.0.1:8233"`
	TaskQueue         string        `env:"TVP_TASK_QUEUE" envDefault:"tvp"`
	LogLevel          string        `env:"TVP_LOG_LEVEL" envDefault:"info"`
	ConnectTimeout    time.Duration `env:"TVP_CONNECT_TIMEOUT" envDefault:"30s"`
	ShutdownTimeout   time.Duration `env:"TVP_SHUTDOWN_TIMEOUT" envDefault:"20s"`
	TemporalTimeout   time.Duration `env:"TVP_TEMPORAL_CALL_TIMEOUT" envDefault:"10s"`
	// DatabaseRole is the role the api, the worker, dev and audit verify take on every
	// connection (SET ROLE as it starts), so that they have the application's privileges only:
	// tvp_app, which the migrations create, may only append to and read the audit log. The
	// login of TVP_DATABASE_URL must be a member of it (or a superuser, as in development).
	// Empty: no role is taken; the login must then be the application's own (in tvp_app).
	DatabaseRole string `env:"TVP_DATABASE_ROLE" envDefault:"tvp_app"`
	// MigrateDatabaseURL is where tvp migrate and tvp dev's migrations connect, as the login
	// that owns the schema (it creates the roles and hands the audit log to tvp_owner); no
	// role is taken. Empty: TVP_DATABASE_URL.
	MigrateDatabaseURL string `env:"TVP_MIGRATE_DATABASE_URL"`
	// WorkerCacheSize bounds how many workflows a worker keeps in memory (the SDK's sticky
	// cache); a workflow evicted from it is replayed from its history when it next has work.
	WorkerCacheSize int `env:"TVP_WORKER_CACHE_SIZE" envDefault:"2000"`
	// WorkerFixedPollers, if set, polls for workflow tasks with that many pollers instead of
	// autoscaling ones (worker.Options.FixedPollers says why autoscaling is the default).
	WorkerFixedPollers int `env:"TVP_WORKER_FIXED_POLLERS"`
	// CPRPepper keys the HMAC under which CPR numbers are recognised; the numbers themselves
	// are never stored. Production must set it; the default is for development only.
	CPRPepper string `env:"TVP_CPR_PEPPER" envDefault:"dev-only-pepper-change-me"`
	// SMTPAddr (host:port), if set, is where reminders and digests are mailed from SMTPFrom.
	SMTPAddr string `env:"TVP_SMTP_ADDR"`
	SMTPFrom string `env:"TVP_SMTP_FROM" envDefault:"tvp@localhost"`
	// PayloadKeys encrypt every Temporal payload (AES-256-GCM): "id1:base64key,id2:base64key",
	// the last one encrypting. Empty: a development key kept in PayloadKeyFile.
	PayloadKeys    string `env:"TVP_PAYLOAD_KEYS"`
	PayloadKeyFile string `env:"TVP_PAYLOAD_KEY_FILE" envDefault:".dev/payload-keys"`
	// AuditRetention is how long audit entries are kept (Datatilsynet: six months).
	AuditRetention time.Duration `env:"TVP_AUDIT_RETENTION" envDefault:"4380h"`
	// IdempotencyTTL is how long the answer to an Idempotency-Key is given again; a daily job
	// deletes older ones.
	IdempotencyTTL time.Duration `env:"TVP_IDEMPOTENCY_TTL" envDefault:"24h"`
	// RegisterCacheTTL bounds how long the API keeps what it reads from the staff register for
	// every request (roles, team, leads, absences held, linked identities); a change made
	// through this API process takes effect at once, one made elsewhere within this bound.
	// Zero: read it for every request.
	RegisterCacheTTL time.Duration `env:"TVP_REGISTER_CACHE_TTL" envDefault:"5s"`
	// OIDCIssuer is the OpenID provider staff log in with and whose access tokens the API
	// accepts; OIDCClientID is the pages' client there. Empty issuer: the development
	// provider, run in process, allowed only with DevAuth (tvp dev sets it).
	OIDCIssuer   string `env:"TVP_OIDC_ISSUER"`
	OIDCClientID string `env:"TVP_OIDC_CLIENT_ID" envDefault:"tvp"`
	DevAuth      bool   `env:"TVP_DEV_AUTH" envDefault:"false"`
	// DevIssuerKey is the PEM file of the development provider's signing key (created if
	// missing).
	DevIssuerKey string `env:"TVP_DEV_ISSUER_KEY" envDefault:".dev/dev-issuer.pem"`
	// Login: the provider's registration, sessions, the development provider (login.go).
	Login
	// CitizenLogin: the citizens' provider and client (citizen.go).
	CitizenLogin
	// Platform: production mode, TLS to Temporal, rate limits, pepper rotation (platform.go).
	Platform
}

// Load reads the environment, then the flags in args (which override it).
func Load(fs *flag.FlagSet, args []string) (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("configuration from environment: %w", err)
	}
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "address the API and pages listen on (TVP_HTTP_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "URL people reach the pages at (TVP_PUBLIC_URL)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (TVP_DATABASE_URL)")
	fs.StringVar(&c.DatabaseRole, "database-role", c.DatabaseRole, "role taken on every connection but the migrations'; empty: none (TVP_DATABASE_ROLE)")
	fs.StringVar(&c.MigrateDatabaseURL, "migrate-database-url", c.MigrateDatabaseURL, "PostgreSQL URL of the schema's owner, for migrations; empty: the database URL (TVP_MIGRATE_DATABASE_URL)")
	fs.StringVar(&c.TemporalAddress, "temporal-address", c.TemporalAddress, "Temporal frontend host:port (TVP_TEMPORAL_ADDRESS)")
	fs.StringVar(&c.TemporalNamespace, "temporal-namespace", c.TemporalNamespace, "Temporal namespace (TVP_TEMPORAL_NAMESPACE)")
	fs.StringVar(&c.TemporalUIURL, "temporal-ui-url", c.TemporalUIURL, "Temporal Web UI URL, for links (TVP_TEMPORAL_UI_URL)")
	fs.StringVar(&c.TaskQueue, "task-queue", c.TaskQueue, "Temporal task queue (TVP_TASK_QUEUE)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (TVP_LOG_LEVEL)")
	fs.DurationVar(&c.ConnectTimeout, "connect-timeout", c.ConnectTimeout, "how long to retry reaching PostgreSQL and Temporal at start (TVP_CONNECT_TIMEOUT)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long a graceful shutdown may take (TVP_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.SMTPAddr, "smtp-addr", c.SMTPAddr, "SMTP server host:port for reminder mails; empty: no mail (TVP_SMTP_ADDR)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, "sender address of TVP's mails (TVP_SMTP_FROM)")
	fs.StringVar(&c.PayloadKeyFile, "payload-key-file", c.PayloadKeyFile, "development payload key file, used when TVP_PAYLOAD_KEYS is empty (TVP_PAYLOAD_KEY_FILE)")
	fs.DurationVar(&c.AuditRetention, "audit-retention", c.AuditRetention, "how long audit entries are kept (TVP_AUDIT_RETENTION)")
	fs.DurationVar(&c.IdempotencyTTL, "idempotency-ttl", c.IdempotencyTTL, "how long an Idempotency-Key's answer is given again (TVP_IDEMPOTENCY_TTL)")
	fs.DurationVar(&c.RegisterCacheTTL, "register-cache-ttl", c.RegisterCacheTTL, "how long a staff-register read is kept for later requests; 0: none (TVP_REGISTER_CACHE_TTL)")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", c.OIDCIssuer, "OpenID provider's issuer URL (TVP_OIDC_ISSUER)")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", c.OIDCClientID, "the pages' client id at the provider (TVP_OIDC_CLIENT_ID)")
	fs.BoolVar(&c.DevAuth, "dev-auth", c.DevAuth, "run the development OpenID provider and trust it (TVP_DEV_AUTH; never in production)")
	fs.StringVar(&c.DevIssuerKey, "dev-issuer-key", c.DevIssuerKey, "PEM signing key file of the development provider (TVP_DEV_ISSUER_KEY)")
	c.Login.flags(fs)
	c.CitizenLogin.flags(fs)
	fs.DurationVar(&c.TemporalTimeout, "temporal-call-timeout", c.TemporalTimeout, "deadline of each Temporal call from the API (TVP_TEMPORAL_CALL_TIMEOUT)")
	c.Platform.flags(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Validate checks the values that can be checked without connecting anywhere.
func (c Config) Validate() error {
	if _, err := url.Parse(c.DatabaseURL); err != nil || !strings.HasPrefix(c.DatabaseURL, "postgres") {
		return fmt.Errorf("TVP_DATABASE_URL must be a postgres:// URL")
	}
	if _, err := url.Parse(c.MigrateDatabaseURL); c.MigrateDatabaseURL != "" && (err != nil || !strings.HasPrefix(c.MigrateDatabaseURL, "postgres")) {
		return fmt.Errorf("TVP_MIGRATE_DATABASE_URL must be a postgres:// URL")
	}
	if c.DatabaseRole != "" && !roleName.MatchString(c.DatabaseRole) {
		return fmt.Errorf("TVP_DATABASE_ROLE must be a plain role name (letters, digits, _), got %q", c.DatabaseRole)
	}
	if c.TemporalAddress == "" || !strings.Contains(c.TemporalAddress, ":") {
		return fmt.Errorf("TVP_TEMPORAL_ADDRESS must be host:port, got %q", c.TemporalAddress)
	}
	if _, err := c.SlogLevel(); err != nil {
		return err
	}
	if c.ConnectTimeout <= 0 || c.ShutdownTimeout <= 0 || c.TemporalTimeout <= 0 || c.AuditRetention <= 0 {
		return fmt.Errorf("timeouts must be positive")
	}
	if c.CPRPepper == "" {
		return fmt.Errorf("TVP_CPR_PEPPER must not be empty")
	}
	if err := c.Login.validate(c.PublicURL); err != nil {
		return err
	}
	if err := c.CitizenLogin.validate(c.OIDCClientID); err != nil {
		return err
	}
	return c.Platform.validate(c.CPRPepper)
}

var roleName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// MigrationURL is the URL the migrations connect to.
func (c Config) MigrationURL() string {
	if c.MigrateDatabaseURL != "" {
		return c.MigrateDatabaseURL
	}
	return c.DatabaseURL
}

// SlogLevel parses LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return l, fmt.Errorf("TVP_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// LogValue masks secrets when the configuration is logged.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(append([]slog.Attr{
		slog.String("http_addr", c.HTTPAddr),
		slog.String("public_url", c.PublicURL),
		slog.String("database_url", redactURL(c.DatabaseURL)),
		slog.String("database_role", c.DatabaseRole),
		slog.String("migrate_database_url", redactURL(c.MigrateDatabaseURL)),
		slog.String("temporal_address", c.TemporalAddress),
		slog.String("temporal_namespace", c.TemporalNamespace),
		slog.String("task_queue", c.TaskQueue),
		slog.String("log_level", c.LogLevel),
		slog.Duration("connect_timeout", c.ConnectTimeout),
		slog.Duration("shutdown_timeout", c.ShutdownTimeout),
		slog.String("cpr_pepper", "***"),
		slog.String("oidc_issuer", c.OIDCIssuer),
		slog.String("smtp_addr", c.SMTPAddr),
		slog.String("payload_keys", mask(c.PayloadKeys)),
		slog.Bool("dev_auth", c.DevAuth),
	}, append(append(c.Login.logAttrs(), c.CitizenLogin.logAttrs()...), c.Platform.logAttrs()...)...)...)
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "***"
	}
	return u.Redacted()
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "***"
}
