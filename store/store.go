// Package store is TVP's PostgreSQL: the read model, plans, meetings, the reminder inbox and
// the audit log. All SQL lives here; migrations are embedded in the binary.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"tvp/domain"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Store is the PostgreSQL store. It is safe for concurrent use.
type Store struct {
	db     *sqlx.DB
	audits *auditGroup // nil: each audit append is its own statement
}

// MaxOpenConns bounds a store's connections to PostgreSQL.
const MaxOpenConns = 20

// AppRole is the application's database role, which the migrations create
// (00009_audit_chain.sql; it belongs to the cluster, so every database of a cluster shares
// it). It reads and writes every table but the audit log, to which it may only append and
// which it may read. The audit log, its chain head and its functions are tvp_owner's.
const AppRole = "tvp_app"

// Option changes how Open connects.
type Option func(*options)

type options struct {
	role         string
	noAuditGroup bool
	maxIdle      int
}

// WithMaxIdleConns keeps at most n idle connections instead of all MaxOpenConns: a pool that
// keeps fewer closes the extra connections after each burst and opens new ones for the next,
// and a new PostgreSQL connection costs a process, its login and its catalogue caches;
// for measuring what keeping them saves.
func WithMaxIdleConns(n int) Option {
	return func(o *options) { o.maxIdle = n }
}

// WithoutAuditGroupCommit makes each AppendAudit its own statement and commit, as before the
// group commit (auditgroup.go); for measuring what the group commit changes.
func WithoutAuditGroupCommit() Option {
	return func(o *options) { o.noAuditGroup = true }
}

// AsRole makes every connection of the store take the role as it starts (the connection
// option "-c role=NAME", as SET ROLE), so that the store has that role's privileges only:
// AppRole for the api and the worker. The URL's login must be a member of the role, or a
// superuser. Without it the store has the login's own privileges, which migrations need.
func AsRole(role string) Option {
	return func(o *options) { o.role = role }
}

// Open connects to the database at dsn and checks that it answers.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	cfg, err := pq.NewConfig(withBinaryParameters(dsn))
	if err != nil {
		var urlErr *url.Error // it quotes the URL, password and all
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return nil, fmt.Errorf("database URL %s: %w", RedactURL(dsn), err)
	}
	if o.role != "" {
		if !validRole(o.role) {
			return nil, fmt.Errorf("database role %q: not a plain role name", o.role)
		}
		cfg.Options = strings.TrimSpace(cfg.Options + " -c role=" + o.role)
	}
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(connector), "postgres")
	// Every open connection is kept while in use within a minute: under a burst of more
	// requests than idle connections, a smaller idle pool closed connections after each
	// request and opened new ones, each a new backend process (in the benchmark, a read's
	// PostgreSQL CPU was several times its queries').
	db.SetMaxOpenConns(MaxOpenConns)
	db.SetMaxIdleConns(MaxOpenConns)
	db.SetConnMaxIdleTime(time.Minute)
	if o.maxIdle > 0 {
		db.SetMaxIdleConns(o.maxIdle)
		db.SetConnMaxIdleTime(0)
	}
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to database %s: %w", RedactURL(dsn), translate(err))
	}
	s := &Store{db: db}
	if !o.noAuditGroup {
		s.audits = &auditGroup{s: s}
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error { return s.db.Close() }

// DB returns the underlying pool, for tests and tools.
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", translate(err))
	}
	return nil
}

func (s *Store) migrations() (*goose.Provider, error) {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, s.db.DB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and returns the schema version reached. It runs
// as the store's login, which must own the schema: open the store without AsRole (tvp
// migrate connects to TVP_MIGRATE_DATABASE_URL so).
func (s *Store) Migrate(ctx context.Context) (int64, error) {
	p, err := s.migrations()
	if err != nil {
		return 0, err
	}
	if _, err := p.Up(ctx); err != nil {
		return 0, fmt.Errorf("apply migrations: %w", translate(err))
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", translate(err))
	}
	return v, nil
}

// MigrationsCurrent reports whether every embedded migration has been applied.
func (s *Store) MigrationsCurrent(ctx context.Context) (bool, error) {
	p, err := s.migrations()
	if err != nil {
		return false, err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return false, fmt.Errorf("schema version: %w", translate(err))
	}
	return current == target, nil
}

// Transact runs fn in a transaction: committed if fn returns nil, rolled back otherwise.
func (s *Store) Transact(ctx context.Context, fn func(tx *sqlx.Tx) error) (err error) {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", translate(err))
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		if cerr := tx.Commit(); cerr != nil {
			err = fmt.Errorf("commit: %w", translate(cerr))
		}
	}()
	return fn(tx)
}

// racedInsert translates an error of an upsert keyed by id. Its other unique columns derive
// from the id (the workflow id), so a unique violation means that two saves of a new row ran
// at once (a workflow's step and its start both saving): the next attempt updates the row.
func racedInsert(err error) error {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "23505" {
		return &wrapped{code: domain.EUnavailable, msg: "saved at the same moment by another step; try again", err: err}
	}
	return translate(err)
}

// translate turns driver errors into domain errors where the cause is known; it keeps the
// original in the chain.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return &wrapped{code: domain.ENotFound, msg: "not found", err: err}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &wrapped{code: domain.ETimeout, msg: "the database did not answer in time", err: err}
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "57": // connection exception, operator intervention (shutdown)
			return &wrapped{code: domain.EUnavailable, msg: "the database is unavailable", err: err}
		}
		switch pqErr.Code {
		case "23505":
			return &wrapped{code: domain.EConflict, msg: "already exists", err: err}
		case "23503":
			return &wrapped{code: domain.EInvalid, msg: "refers to something that does not exist", err: err}
		case "23502", "23514", "22P02", "22007", "22008":
			return &wrapped{code: domain.EInvalid, msg: "a value is not allowed", err: err}
		}
		return err
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, driver.ErrBadConn) {
		return &wrapped{code: domain.EUnavailable, msg: "the database is unavailable", err: err}
	}
	return err
}

// wrapped carries a domain code while keeping the driver error for errors.Is/As and logs.
type wrapped struct {
	code, msg string
	err       error
}

func (w *wrapped) Error() string { return w.msg + ": " + w.err.Error() }
func (w *wrapped) Unwrap() []error {
	return []error{&domain.Error{Code: w.code, Message: w.msg}, w.err}
}

// RedactURL returns the URL with its password masked, for logs.
func RedactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparseable database URL)"
	}
	return u.Redacted()
}

// jsonText encodes v for a jsonb parameter. It is text, not []byte: with binary_parameters
// (see Open) a []byte goes to the server in binary form, which jsonb does not take.
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// validRole reports whether a role name can go into the connection option unquoted.
func validRole(role string) bool {
	for i, r := range role {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return role != ""
}

// withBinaryParameters turns on lib/pq's binary_parameters, unless the DSN sets it: a query
// with parameters then takes one round trip to the server instead of two (prepare, then run).
func withBinaryParameters(dsn string) string {
	if strings.Contains(dsn, "binary_parameters") {
		return dsn
	}
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("binary_parameters", "yes")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(dsn) + " binary_parameters=yes"
}

// nextColumn carries what a course or a plan waits for (domain.Next) in and out of a jsonb
// column; nil is NULL.
type nextColumn struct{ *domain.Next }

// Value implements driver.Valuer: JSON text (see jsonText), or NULL.
func (n nextColumn) Value() (driver.Value, error) {
	if n.Next == nil {
		return nil, nil
	}
	return jsonText(n.Next)
}

// Scan implements sql.Scanner.
func (n *nextColumn) Scan(src any) error {
	n.Next = nil
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case []byte:
		b = v
	case string:
		b = []byte(v)
	default:
		return fmt.Errorf("next: cannot scan %T", src)
	}
	var x domain.Next
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Errorf("next: %w", err)
	}
	n.Next = &x
	return nil
}

// convert turns the rows the database gave into the domain's values: a row type, with its
// columns' names, stays in the store.
func convert[R, D any](rows []R, to func(R) D) []D {
	out := make([]D, len(rows))
	for i, r := range rows {
		out[i] = to(r)
	}
	return out
}
