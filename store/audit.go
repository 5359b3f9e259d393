package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"tvp/domain"
)

// The audit log is append-only and a hash chain (migration 00009_audit_chain.sql): the
// application's role may only insert and read it; a trigger gives each new row its id, the
// previous row's hash and its own hash, one append at a time; UPDATE, DELETE and TRUNCATE
// are refused by privileges and by triggers. Retention deletes the oldest segment through a
// function of the owner's and records what it deleted, so the chain still starts somewhere
// VerifyAuditChain can check.

// AppendAudit appends entries to the audit log, in one statement, in the order given. The
// database chains each row to the one before it; nothing the caller sends can set a row's id
// or hashes. An entry with a key that is already logged adds nothing, so a retried activity
// logs once. An entry without a time is logged at the database's now.
//
// It returns once the entries are committed. Appends that arrive while another is being
// committed are committed together in the next statement (auditgroup.go), unless the store
// was opened WithoutAuditGroupCommit.
func (s *Store) AppendAudit(ctx context.Context, entries ...domain.AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		r, err := newAuditRow(e)
		if err != nil {
			return fmt.Errorf("append audit %s: %w", e.Action, err)
		}
		rows[i] = r
	}
	if s.audits == nil {
		return s.insertAudit(ctx, rows)
	}
	return s.audits.append(ctx, rows)
}

// auditRow is an entry as the INSERT takes it.
type auditRow struct {
	at                                          *time.Time
	actor, action, stype, sid, purpose, details string
	citizen, key                                *string
	refused                                     bool
}

func newAuditRow(e domain.AuditEntry) (auditRow, error) {
	r := auditRow{actor: e.ActorID, action: string(e.Action), stype: string(e.SubjectType), sid: e.SubjectID,
		purpose: string(e.Purpose), citizen: e.CitizenID, refused: e.Refused, details: "{}"}
	if len(e.Details) > 0 {
		var err error
		if r.details, err = jsonText(e.Details); err != nil {
			return r, err
		}
	}
	if e.Key != "" {
		k := e.Key
		r.key = &k
	}
	if !e.At.IsZero() {
		t := e.At
		r.at = &t
	}
	return r, nil
}

// insertAudit appends the rows in one statement, in their order.
func (s *Store) insertAudit(ctx context.Context, rows []auditRow) error {
	n := len(rows)
	var (
		at                                              = make([]*time.Time, n)
		actor, action, stype, sid, citizen, purpose, dt = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]string, n), make([]string, n)
		key                                             = make([]*string, n)
		refused                                         = make([]bool, n)
	)
	for i, r := range rows {
		at[i], actor[i], action[i], stype[i], sid[i], citizen[i], purpose[i], dt[i], key[i], refused[i] =
			r.at, r.actor, r.action, r.stype, r.sid, r.citizen, r.purpose, r.details, r.key, r.refused
	}
	// No ON CONFLICT (key): the chain's trigger skips a logged key before it takes an id and a
	// hash (also a key earlier in the same statement: a row-level BEFORE trigger sees the rows
	// the statement inserted before). A conflict past it would mean a row that was hashed into
	// the head and not stored, so it must fail rather than be skipped.
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO audit_log (at, actor_id, action, subject_type, subject_id, citizen_id, purpose, details, key, refused)
		SELECT COALESCE(x.at, now()), x.actor, x.action, x.stype, x.sid, x.citizen::uuid, x.purpose, x.details::jsonb, x.key, x.refused
		FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bool[])
			WITH ORDINALITY AS x(at, actor, action, stype, sid, citizen, purpose, details, key, refused, ord)
		ORDER BY x.ord`,
		pq.Array(at), pq.StringArray(actor), pq.StringArray(action), pq.StringArray(stype), pq.StringArray(sid),
		pq.Array(citizen), pq.StringArray(purpose), pq.StringArray(dt), pq.Array(key), pq.BoolArray(refused))
	if err != nil {
		return fmt.Errorf("append audit %s: %w", rows[0].action, translate(err))
	}
	return nil
}

// CitizenAccessLog returns the audit entries about one citizen, oldest first.
func (s *Store) CitizenAccessLog(ctx context.Context, citizenID string) ([]domain.AuditEntry, error) {
	type row struct {
		domain.AuditEntry
		DetailsJSON []byte `db:"details"`
	}
	var rows []row
	err := s.db.SelectContext(ctx, &rows, `
		SELECT at, actor_id, action, subject_type, subject_id, citizen_id::text, purpose, details, COALESCE(key, '') AS key, refused
		FROM audit_log WHERE citizen_id = $1 ORDER BY at, id`, citizenID)
	if err != nil {
		return nil, fmt.Errorf("citizen access log: %w", translate(err))
	}
	out := make([]domain.AuditEntry, len(rows))
	for i, r := range rows {
		out[i] = r.AuditEntry
		if err := json.Unmarshal(r.DetailsJSON, &out[i].Details); err != nil {
			return nil, fmt.Errorf("citizen access log details: %w", err)
		}
	}
	return out, nil
}

// DeleteAuditBefore applies the retention limit: it deletes the oldest segment of the chain,
// the entries before the first one (in chain order) logged at or after the time, and returns
// how many. The database function that does it (the application's role may not delete)
// appends an entry recording the count and the last deleted row's id and hash, from which
// the chain is verified afterwards. An entry logged late with an old time is kept until
// every entry before it has expired.
func (s *Store) DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	if err := s.db.GetContext(ctx, &n, `SELECT audit_log_delete_before($1)`, before); err != nil {
		return 0, fmt.Errorf("delete expired audit entries: %w", translate(err))
	}
	return n, nil
}

// AuditChainRow is an audit log row as its hash covers it.
type AuditChainRow struct {
	ID          int64     `db:"id"`
	At          time.Time `db:"at"`
	ActorID     string    `db:"actor_id"`
	Action      string    `db:"action"`
	SubjectType string    `db:"subject_type"`
	SubjectID   string    `db:"subject_id"`
	CitizenID   *string   `db:"citizen_id"`
	Purpose     string    `db:"purpose"`
	Details     string    `db:"details"` // details::text, jsonb's normal form
	Key         *string   `db:"key"`
	Refused     bool      `db:"refused"`
	PrevHash    []byte    `db:"prev_hash"` // nil for the first row ever logged
	Hash        []byte    `db:"hash"`
}

// auditChainVersion is the first field of every row's encoding (see AuditRowHash).
const auditChainVersion = "tvp.audit_log.v1"

// auditTimeFormat is how a row's time is encoded; the SQL side writes the same with
// to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"').
const auditTimeFormat = "2006-01-02T15:04:05.000000Z"

// AuditRowHash is the hash the database gives a row whose predecessor's hash is prev
// (audit_log_hash in 00009_audit_chain.sql; keep the two equal): SHA-256 over a sequence of
// fields, each its length in bytes (8 bytes, big-endian) and then its bytes, NULL as the
// length -1 and no bytes. The fields: the version, prev, the id in decimal, the time in UTC
// to the microsecond, actor, action, subject type and id, citizen, purpose, details::text,
// key, and refused as "true" or "false".
func AuditRowHash(prev []byte, r AuditChainRow) []byte {
	h := sha256.New()
	var n [8]byte
	field := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	null := func() {
		binary.BigEndian.PutUint64(n[:], math.MaxUint64) // -1
		h.Write(n[:])
	}
	text := func(s *string) {
		if s == nil {
			null()
			return
		}
		field([]byte(*s))
	}
	str := func(s string) { field([]byte(s)) }
	str(auditChainVersion)
	if prev == nil {
		null()
	} else {
		field(prev)
	}
	str(strconv.FormatInt(r.ID, 10))
	str(r.At.UTC().Format(auditTimeFormat))
	str(r.ActorID)
	str(r.Action)
	str(r.SubjectType)
	str(r.SubjectID)
	text(r.CitizenID)
	str(r.Purpose)
	str(r.Details)
	text(r.Key)
	str(strconv.FormatBool(r.Refused))
	return h.Sum(nil)
}

// AuditChainReport is what VerifyAuditChain found.
type AuditChainReport struct {
	Rows    int64 // rows whose hash was recomputed
	FirstID int64 // the oldest row left; 0 when the log is empty
	LastID  int64
	// AnchorID is the retention entry that recorded the deletion of the rows before FirstID,
	// and from whose record the chain was started; 0 when FirstID is the first row ever.
	AnchorID int64
	// Head is the chain's last hash.
	Head []byte
	// Break is the first row that does not fit; nil when every row does.
	Break *AuditBreak
}

// AuditBreak is a row that does not fit the chain.
type AuditBreak struct {
	ID     int64
	At     time.Time // zero when the row itself is missing
	Action string
	Reason string
}

func (b AuditBreak) String() string {
	if b.At.IsZero() {
		return fmt.Sprintf("row %d: %s", b.ID, b.Reason)
	}
	return fmt.Sprintf("row %d (at %s, action %s): %s", b.ID, b.At.UTC().Format(time.RFC3339Nano), b.Action, b.Reason)
}

// auditBatch is how many rows the walk reads at a time.
const auditBatch = 1000

// VerifyAuditChain walks the audit log in chain order and recomputes every row's hash in Go:
// each row must carry the hash of the row before it and a hash that is its own content's.
// The chain starts from nothing (the first row ever) or from a retention entry that records
// the hash of the last row it deleted; it must end at the head the database keeps. It reads
// one snapshot, a batch at a time, and stops at the first row that does not fit (Break).
func (s *Store) VerifyAuditChain(ctx context.Context) (AuditChainReport, error) {
	var rep AuditChainReport
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return rep, fmt.Errorf("verify audit chain: %w", translate(err))
	}
	defer func() { _ = tx.Rollback() }() // read only: nothing to commit

	var head struct {
		LastID sql.NullInt64 `db:"last_id"`
		Hash   []byte        `db:"hash"`
	}
	if err := tx.GetContext(ctx, &head, `SELECT last_id, hash FROM audit_chain_head`); err != nil {
		return rep, fmt.Errorf("verify audit chain: head: %w", translate(err))
	}
	var prev []byte
	started := false
	err = walkAudit(ctx, tx, func(r AuditChainRow) (bool, error) {
		if !started {
			started, rep.FirstID = true, r.ID
			if r.PrevHash != nil {
				anchor, err := auditAnchor(ctx, tx, r)
				if err != nil {
					return false, err
				}
				if anchor == 0 {
					rep.Break = breakAt(r, "rows before it were deleted, and no retention entry records them")
					return false, nil
				}
				rep.AnchorID = anchor
			}
			prev = r.PrevHash
		}
		if !bytes.Equal(r.PrevHash, prev) {
			rep.Break = breakAt(r, fmt.Sprintf("it does not follow row %d: a row between them is missing, or its link was changed", rep.LastID))
			return false, nil
		}
		if !bytes.Equal(AuditRowHash(r.PrevHash, r), r.Hash) {
			rep.Break = breakAt(r, "its content is not what its hash was made of: it was changed after it was logged")
			return false, nil
		}
		prev, rep.LastID = r.Hash, r.ID
		rep.Rows++
		return true, nil
	})
	if err != nil || rep.Break != nil {
		return rep, err
	}
	rep.Head = prev
	if head.LastID.Int64 != rep.LastID || !bytes.Equal(head.Hash, prev) {
		rep.Break = &AuditBreak{ID: head.LastID.Int64, Reason: fmt.Sprintf("the chain's head is this row, but its last row is %d: rows at its end are missing", rep.LastID)}
	}
	return rep, nil
}

func breakAt(r AuditChainRow, reason string) *AuditBreak {
	return &AuditBreak{ID: r.ID, At: r.At, Action: r.Action, Reason: reason}
}

// auditAnchor finds the retention entry from which the chain starts at first: it recorded
// deleting rows up to one before first, the last of which had first's prev_hash (it is first
// itself when it deleted every row). It returns 0 if there is none.
func auditAnchor(ctx context.Context, tx *sqlx.Tx, first AuditChainRow) (int64, error) {
	var id int64
	err := tx.GetContext(ctx, &id, `
		SELECT id FROM audit_log
		WHERE action = $1 AND id >= $2 AND details->>'last_hash' = $3
			AND CASE WHEN jsonb_typeof(details->'last_id') = 'number' THEN (details->'last_id')::numeric END < $2
		ORDER BY id LIMIT 1`, string(domain.AuditRetention), first.ID, hex.EncodeToString(first.PrevHash))
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("verify audit chain: retention entry: %w", translate(err))
	}
	return id, nil
}

// walkAudit calls fn for each row of the audit log in chain (id) order, reading a batch at a
// time, until fn says stop or returns an error.
func walkAudit(ctx context.Context, tx *sqlx.Tx, fn func(AuditChainRow) (bool, error)) error {
	var after int64 // ids start at 1
	for {
		var rows []AuditChainRow
		err := tx.SelectContext(ctx, &rows, `
			SELECT id, at, actor_id, action, subject_type, subject_id, citizen_id::text AS citizen_id, purpose,
				details::text AS details, key, refused, prev_hash, hash
			FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`, after, auditBatch)
		if err != nil {
			return fmt.Errorf("walk audit log after row %d: %w", after, translate(err))
		}
		for _, r := range rows {
			more, err := fn(r)
			if err != nil || !more {
				return err
			}
		}
		if len(rows) < auditBatch {
			return nil
		}
		after = rows[len(rows)-1].ID
	}
}
