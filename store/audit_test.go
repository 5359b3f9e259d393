package store_test

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/testing/storetest"
	"tvp/internal/testing/testenv"
	"tvp/store"
)

// openAudit returns the store as the application has it (store.AppRole) and one with the
// owner's (a superuser's) privileges, on a new database.
func openAudit(t *testing.T) (app, owner *store.Store, ctx context.Context) {
	t.Helper()
	app, dsn := storetest.MustOpen(t)
	return app, storetest.MustOpenOwner(t, dsn), context.Background()
}

var citizen = "6f1c1a9e-0d0e-4b52-9a51-000000000001"

// entry is an audit entry; i makes it different from the others.
func entry(i int, at time.Time) domain.AuditEntry {
	return domain.AuditEntry{At: at, ActorID: "konsulent.anna", Action: "course.read", SubjectType: "course",
		SubjectID: fmt.Sprint(i), CitizenID: &citizen, Purpose: "casework", Details: map[string]any{"i": i}}
}

var appended atomic.Int64

// appendN appends n entries, one statement each, and returns their ids in order.
func appendN(t *testing.T, s *store.Store, n int, at time.Time) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for i := range n {
		e := entry(i, at)
		e.Key = fmt.Sprintf("append-%d", appended.Add(1))
		require.NoError(t, s.AppendAudit(ctx, e))
		var id int64
		require.NoError(t, s.DB().Get(&id, "SELECT id FROM audit_log WHERE key = $1", e.Key))
		ids = append(ids, id)
	}
	return ids
}

// verified asserts that the whole chain fits and returns the report.
func verified(t *testing.T, s *store.Store) store.AuditChainReport {
	t.Helper()
	rep, err := s.VerifyAuditChain(context.Background())
	require.NoError(t, err)
	require.Nil(t, rep.Break, "the chain does not fit: %v", rep.Break)
	return rep
}

// The application's role may append to the log and read it, nothing more; the triggers
// refuse UPDATE, DELETE and TRUNCATE to the owner as well.
func TestAuditLogPrivileges(t *testing.T) {
	app, owner, ctx := openAudit(t)
	appendN(t, app, 3, time.Now())
	cases := []struct {
		name  string
		as    *store.Store
		stmt  string
		error string // "" when allowed
	}{
		{"the application inserts", app, `INSERT INTO audit_log (actor_id, action, subject_type, subject_id) VALUES ('admin', 'course.read', 'course', 'x')`, ""},
		{"the application reads", app, `SELECT count(*) FROM audit_log`, ""},
		{"the application reads the head", app, `SELECT hash FROM audit_chain_head`, ""},
		{"the application updates", app, `UPDATE audit_log SET purpose = 'other'`, "permission denied for table audit_log"},
		{"the application deletes", app, `DELETE FROM audit_log`, "permission denied for table audit_log"},
		{"the application truncates", app, `TRUNCATE audit_log`, "permission denied for table audit_log"},
		{"the application moves the head", app, `UPDATE audit_chain_head SET hash = NULL`, "permission denied for table audit_chain_head"},
		{"the application sets the ids", app, `SELECT setval('audit_log_id_seq', 1)`, "permission denied for sequence audit_log_id_seq"},
		{"the application disables the triggers", app, `ALTER TABLE audit_log DISABLE TRIGGER USER`, "must be owner of table audit_log"},
		{"the application records migrations", app, `DELETE FROM goose_db_version`, "permission denied for table goose_db_version"},
		{"the owner updates", owner, `UPDATE audit_log SET purpose = 'other'`, "audit_log is append-only: UPDATE is refused"},
		{"the owner deletes", owner, `DELETE FROM audit_log`, "audit_log is append-only: DELETE is refused"},
		{"the owner truncates", owner, `TRUNCATE audit_log`, "audit_log is append-only: TRUNCATE is refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.as.DB().ExecContext(ctx, tc.stmt)
			if tc.error == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.error)
		})
	}
	var n int
	require.NoError(t, owner.DB().Get(&n, "SELECT count(*) FROM audit_log"))
	assert.Equal(t, 4, n, "nothing was changed or removed")
	verified(t, app)
}

// The database chains what it stores, whatever the application sends: an id and hashes in an
// insert are replaced.
func TestAuditLogIdsAndHashesAreTheDatabases(t *testing.T) {
	app, _, ctx := openAudit(t)
	appendN(t, app, 2, time.Now())
	_, err := app.DB().ExecContext(ctx, `INSERT INTO audit_log (id, actor_id, action, subject_type, subject_id, prev_hash, hash)
		VALUES (424242, 'admin', 'course.read', 'course', 'x', '\x00', '\x00')`)
	require.NoError(t, err)
	var row struct {
		ID   int64  `db:"id"`
		Hash []byte `db:"hash"`
	}
	require.NoError(t, app.DB().Get(&row, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"))
	assert.Equal(t, int64(3), row.ID)
	assert.Len(t, row.Hash, 32)
	rep := verified(t, app)
	assert.Equal(t, int64(3), rep.Rows)
	assert.Equal(t, row.Hash, rep.Head)
}

// Go recomputes every hash the database made, whatever the text, the times and the details.
//
// tvp:fixed-date instants chosen for their form (a summer-time change, the last microsecond of a
// century), in the past on any day; nothing here is compared with today
func TestAuditChainVerifies(t *testing.T) {
	app, _, ctx := openAudit(t)
	copenhagen, err := time.LoadLocation("Europe/Copenhagen")
	require.NoError(t, err)
	entries := []domain.AuditEntry{
		entry(1, time.Time{}), // the database's now
		entry(2, time.Date(2026, 3, 29, 2, 30, 0, 123456789, copenhagen)),
		{ActorID: "sagsbehandler.lise", Action: "citizen.read", SubjectType: "citizen", SubjectID: "Ærø – ü 🙂 \\ \"q\"",
			Purpose: "tilsyn: \u00e6\u00f8\u00e5", Refused: true, Key: "unicode",
			Details: map[string]any{"z": 1.5, "a": []any{"x", nil, true}, "n": 12345678901234, "nested": map[string]any{"b": "c"}}},
		{At: time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC), ActorID: "admin", Action: "report.read",
			SubjectType: "report", SubjectID: "", Purpose: ""},
	}
	require.NoError(t, app.AppendAudit(ctx, entries...), "several in one statement")
	for i := range 5 {
		require.NoError(t, app.AppendAudit(ctx, entry(10+i, time.Now())))
	}
	e := entry(99, time.Now())
	e.Key = "once"
	require.NoError(t, app.AppendAudit(ctx, e, e), "a key twice in one statement")
	require.NoError(t, app.AppendAudit(ctx, e), "and again")
	rep := verified(t, app)
	assert.Equal(t, int64(len(entries)+5+1), rep.Rows)
	assert.Equal(t, int64(1), rep.FirstID)
	assert.Equal(t, int64(0), rep.AnchorID, "the chain starts at its first row")
	var first []byte
	require.NoError(t, app.DB().Get(&first, "SELECT prev_hash FROM audit_log WHERE id = 1"))
	assert.Nil(t, first)
}

// tamper runs statements about row id as a superuser: first as is, which the triggers refuse,
// then with the triggers off (session_replication_role, a superuser's switch).
func tamper(t *testing.T, owner *store.Store, id int64, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	_, err := owner.DB().ExecContext(ctx, stmts[0], id)
	require.ErrorContains(t, err, "append-only", "the triggers stop even a superuser")
	tx, err := owner.DB().BeginTxx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(ctx, `SET LOCAL session_replication_role = replica`)
	require.NoError(t, err)
	for _, stmt := range stmts {
		_, err = tx.ExecContext(ctx, stmt, id)
		require.NoError(t, err)
	}
	require.NoError(t, tx.Commit())
}

// A row changed, or removed, behind the triggers' back is named by verify: the first row
// that does not fit.
func TestAuditChainNamesTheRowThatDoesNotFit(t *testing.T) {
	cases := []struct {
		name   string
		target int // index of the row tampered with
		stmts  []string
		broken int // index of the row named (len: the head)
	}{
		{"its actor changed", 3, []string{`UPDATE audit_log SET actor_id = 'someone else' WHERE id = $1`}, 3},
		{"its details changed", 3, []string{`UPDATE audit_log SET details = '{"i": 4}' WHERE id = $1`}, 3},
		{"its time moved by a microsecond", 3, []string{`UPDATE audit_log SET at = at + interval '1 microsecond' WHERE id = $1`}, 3},
		{"its citizen removed", 3, []string{`UPDATE audit_log SET citizen_id = NULL WHERE id = $1`}, 3},
		{"refused became allowed", 3, []string{`UPDATE audit_log SET refused = NOT refused WHERE id = $1`}, 3},
		{"its hash replaced", 3, []string{`UPDATE audit_log SET hash = sha256('x') WHERE id = $1`}, 3},
		{"its content changed and its hash made again", 3, []string{
			`UPDATE audit_log SET actor_id = 'someone else' WHERE id = $1`,
			`UPDATE audit_log a SET hash = audit_log_hash(a.prev_hash, a) WHERE id = $1`}, 4},
		{"a row deleted from the middle", 3, []string{`DELETE FROM audit_log WHERE id = $1`}, 4},
		{"the oldest row deleted", 0, []string{`DELETE FROM audit_log WHERE id = $1`}, 1},
		{"the newest row deleted", 5, []string{`DELETE FROM audit_log WHERE id = $1`}, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app, owner, ctx := openAudit(t)
			ids := appendN(t, app, 6, time.Now())
			verified(t, app)
			tamper(t, owner, ids[tc.target], tc.stmts...)
			rep, err := app.VerifyAuditChain(ctx)
			require.NoError(t, err)
			require.NotNil(t, rep.Break, "the change went unnoticed")
			assert.Equal(t, ids[tc.broken], rep.Break.ID, "%v", rep.Break)
			assert.Contains(t, rep.Break.String(), fmt.Sprintf("row %d", ids[tc.broken]))
		})
	}
}

// Many appenders at once, with keys repeated among them and retention cutting the chain
// meanwhile, leave one chain that fits.
func TestAuditChainConcurrentAppends(t *testing.T) {
	app, _, ctx := openAudit(t)
	const writers, rounds = 16, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds+10)
	for w := range writers {
		wg.Go(func() {
			for r := range rounds {
				at := time.Now()
				if r%3 == 0 {
					at = at.AddDate(0, -7, 0) // expired: retention may take it
				}
				a, b := entry(w*100+r, at), entry(w*100+r+50, time.Time{})
				a.Key = fmt.Sprintf("shared-%d", r) // the same key from every writer: logged once
				if err := app.AppendAudit(ctx, a, b); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			if _, err := app.DeleteAuditBefore(ctx, time.Now().AddDate(0, -6, 0)); err != nil {
				errs <- err
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	rep := verified(t, app)
	var keyed, distinct int
	require.NoError(t, app.DB().Get(&keyed, "SELECT count(*) FROM audit_log WHERE key LIKE 'shared-%'"))
	require.NoError(t, app.DB().Get(&distinct, "SELECT count(DISTINCT key) FROM audit_log WHERE key LIKE 'shared-%'"))
	assert.Equal(t, distinct, keyed, "each key once")
	var rows int64
	require.NoError(t, app.DB().Get(&rows, "SELECT count(*) FROM audit_log"))
	assert.Equal(t, rows, rep.Rows)
}

// Retention deletes the oldest whole segment and records it; verify starts from that record.
func TestAuditRetentionCutsTheOldestSegment(t *testing.T) {
	app, _, ctx := openAudit(t)
	now := time.Now()
	old, recent := now.AddDate(0, -7, 0), now.AddDate(0, -1, 0)
	oldIDs := appendN(t, app, 2, old)
	keptIDs := appendN(t, app, 1, recent)
	late := appendN(t, app, 1, old) // logged late with an old time: behind a kept row, it stays
	keptIDs = append(keptIDs, appendN(t, app, 1, recent)...)
	var lastHash []byte
	require.NoError(t, app.DB().Get(&lastHash, "SELECT hash FROM audit_log WHERE id = $1", oldIDs[1]))

	cutoff := now.AddDate(0, -6, 0)
	n, err := app.DeleteAuditBefore(ctx, cutoff)
	require.NoError(t, err)
	assert.Equal(t, int64(2), n)
	var left []int64
	require.NoError(t, app.DB().Select(&left, "SELECT id FROM audit_log WHERE action <> 'audit.retention' ORDER BY id"))
	assert.Equal(t, []int64{keptIDs[0], late[0], keptIDs[1]}, left)
	var record struct {
		ID      int64   `db:"id"`
		Details []byte  `db:"details"`
		Citizen *string `db:"citizen_id"`
	}
	require.NoError(t, app.DB().Get(&record, "SELECT id, details, citizen_id FROM audit_log WHERE action = 'audit.retention'"))
	assert.JSONEq(t, fmt.Sprintf(`{"deleted": 2, "last_id": %d, "last_hash": %q, "before": %q}`,
		oldIDs[1], hex.EncodeToString(lastHash), jsonTime(t, app, cutoff)), string(record.Details))
	assert.Nil(t, record.Citizen, "not in any citizen's access log")
	rep := verified(t, app)
	assert.Equal(t, keptIDs[0], rep.FirstID)
	assert.Equal(t, record.ID, rep.AnchorID)

	n, err = app.DeleteAuditBefore(ctx, cutoff)
	require.NoError(t, err)
	assert.Zero(t, n, "again: nothing more, and no record of nothing")
	var records int
	require.NoError(t, app.DB().Get(&records, "SELECT count(*) FROM audit_log WHERE action = 'audit.retention'"))
	assert.Equal(t, 1, records)

	n, err = app.DeleteAuditBefore(ctx, now.Add(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, int64(4), n, "every row, the first record too")
	rep = verified(t, app)
	assert.Equal(t, rep.FirstID, rep.AnchorID, "the new record is the whole chain")
	assert.Equal(t, int64(1), rep.Rows)
	appendN(t, app, 2, now)
	rep = verified(t, app)
	assert.Equal(t, int64(3), rep.Rows)
}

// jsonTime is how PostgreSQL writes t in JSON in this session.
func jsonTime(t *testing.T, s *store.Store, at time.Time) string {
	t.Helper()
	var out string
	require.NoError(t, s.DB().Get(&out, "SELECT to_jsonb($1::timestamptz) #>> '{}'", at))
	return out
}

// The rows logged before the chain existed are chained by its migration.
//
// tvp:fixed-date rows logged in the past, before the chain, on any day the test runs
func TestAuditMigrationChainsEarlierRows(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.NewDatabase(t)
	owner := storetest.MustOpenOwner(t, dsn)
	require.NoError(t, owner.MigrateTo(ctx, 8))
	_, err := owner.DB().ExecContext(ctx, `
		INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, citizen_id, purpose, details, key, refused) VALUES
		('2026-01-05 10:00:00.5+01', 'konsulent.anna', 'course.read', 'course', 'a', $1, 'casework', '{"q": "ø"}', NULL, false),
		('2026-01-05 10:00:01+01', 'admin', 'citizen.read', 'citizen', 'b', NULL, '', '{}', 'k', true),
		(now(), 'leder.ulla', 'course.read', 'course', 'c', $1, 'casework', '{}', NULL, false)`, citizen)
	require.NoError(t, err)
	_, err = owner.Migrate(ctx)
	require.NoError(t, err)
	app, err := store.Open(ctx, dsn, store.AsRole(store.AppRole))
	require.NoError(t, err)
	t.Cleanup(func() { app.Close() })
	rep := verified(t, app)
	assert.Equal(t, int64(3), rep.Rows)
	appendN(t, app, 2, time.Now())
	rep = verified(t, app)
	assert.Equal(t, int64(5), rep.Rows)
	assert.Equal(t, int64(1), rep.FirstID)
}

// The roles belong to the cluster, and the tests migrate many databases of one cluster at
// once: the migration's block that creates them, run by transactions racing each other (under
// names of this test's own, so that they are new), succeeds in every one.
func TestAuditRolesAreCreatedRaceSafely(t *testing.T) {
	src, err := os.ReadFile("migrations/00009_audit_chain.sql")
	require.NoError(t, err)
	_, block, ok := strings.Cut(string(src), "-- +goose StatementBegin\n")
	require.True(t, ok)
	block, _, ok = strings.Cut(block, "-- +goose StatementEnd")
	require.True(t, ok)
	require.Contains(t, block, "ARRAY['tvp_owner', 'tvp_app']")
	suffix := fmt.Sprintf("_%d", time.Now().UnixNano())
	owner, app := "tvp_owner"+suffix, "tvp_app"+suffix
	block = strings.Replace(block, "ARRAY['tvp_owner', 'tvp_app']", fmt.Sprintf("ARRAY['%s', '%s']", owner, app), 1)

	dsn := testenv.NewDatabase(t)
	db := storetest.MustOpenOwner(t, dsn).DB()
	t.Cleanup(func() { _, _ = db.Exec(fmt.Sprintf("DROP ROLE IF EXISTS %s, %s", owner, app)) })
	const racers = 6
	errs := make([]error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			tx, err := db.Begin()
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = tx.Rollback() }()
			if _, err := tx.Exec(block); err != nil {
				errs[i] = err
				return
			}
			time.Sleep(300 * time.Millisecond) // the others wait on this one's new roles
			errs[i] = tx.Commit()
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "racer %d", i)
	}
	var n int
	require.NoError(t, db.Get(&n, "SELECT count(*) FROM pg_roles WHERE rolname IN ($1, $2)", owner, app))
	assert.Equal(t, 2, n)
}

// Appends that arrive together are committed together (one transaction, so one lock of the
// chain's head and one flush), each caller's rows in its order; a caller whose row the
// database refuses gets the error alone, and a caller who stopped waiting writes nothing.
func TestAuditAppendsAreCommittedTogether(t *testing.T) {
	app, dsn := storetest.MustOpen(t)
	ctx := context.Background()
	bad := "not-a-uuid"
	// together has callers append three rows each at once (the refused caller's second row is
	// refused by the database) and returns the transactions their rows were committed in.
	together := func(first, callers, refused int) map[string]bool {
		var wg sync.WaitGroup
		start := make(chan struct{})
		errs := make([]error, callers)
		for c := range callers {
			wg.Go(func() {
				<-start
				n := (first + c) * 10
				es := []domain.AuditEntry{entry(n, time.Time{}), entry(n+1, time.Time{}), entry(n+2, time.Time{})}
				if c == refused {
					es[1].CitizenID = &bad
				}
				errs[c] = app.AppendAudit(ctx, es...)
			})
		}
		close(start)
		wg.Wait()
		for c, err := range errs {
			if c == refused {
				assert.Error(t, err, "the refused row's caller is told")
			} else {
				assert.NoError(t, err, "caller %d", c)
			}
		}
		var rows []struct {
			Subject string `db:"subject_id"`
			Xact    string `db:"xact"`
		}
		require.NoError(t, app.DB().Select(&rows, `SELECT subject_id, xmin::text AS xact FROM audit_log
			WHERE subject_id::int BETWEEN $1 AND $2 ORDER BY id`, first*10, (first+callers)*10-1))
		want := 3 * callers
		if refused >= 0 {
			want -= 3
		}
		require.Len(t, rows, want, "every other caller's rows, once")
		last := map[int]int{}
		xacts := map[string]bool{}
		for _, r := range rows {
			var i int
			_, err := fmt.Sscan(r.Subject, &i)
			require.NoError(t, err)
			assert.NotEqual(t, first+refused, i/10, "nothing of the refused caller")
			if prev, ok := last[i/10]; ok {
				assert.Equal(t, prev+1, i, "caller %d's rows in its order", i/10)
			}
			last[i/10] = i
			xacts[r.Xact] = true
		}
		return xacts
	}
	const callers = 64
	assert.Less(t, len(together(0, callers, -1)), callers, "appends that waited were committed together")
	together(callers, callers, 7)
	verified(t, app)

	gone, cancel := context.WithCancel(ctx)
	cancel()
	assert.ErrorIs(t, app.AppendAudit(gone, entry(9999, time.Time{})), context.Canceled)
	var n int
	require.NoError(t, app.DB().Get(&n, "SELECT count(*) FROM audit_log WHERE subject_id = '9999'"))
	assert.Zero(t, n, "a caller who stopped waiting writes nothing")

	// Without the group commit each append is its own transaction.
	alone, err := store.Open(ctx, dsn, store.AsRole(store.AppRole), store.WithoutAuditGroupCommit())
	require.NoError(t, err)
	t.Cleanup(func() { alone.Close() })
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Go(func() { assert.NoError(t, alone.AppendAudit(ctx, entry(100000+c, time.Time{}))) })
	}
	wg.Wait()
	require.NoError(t, alone.DB().Get(&n, "SELECT count(DISTINCT xmin::text) FROM audit_log WHERE subject_id::int >= 100000"))
	assert.Equal(t, 16, n)
	verified(t, app)
}
