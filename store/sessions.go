package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"tvp/domain"
)

// StaffOfIdentity returns the staff id linked to the provider's (issuer, subject), if the
// member is active; ENotFound if there is no link or the member has left.
func (s *Store) StaffOfIdentity(ctx context.Context, issuer, subject string) (string, error) {
	var id string
	err := s.db.GetContext(ctx, &id, `
		SELECT i.staff_id FROM staff_identities i JOIN staff st ON st.id = i.staff_id
		WHERE i.issuer = $1 AND i.subject = $2 AND st.active`, issuer, subject)
	if err != nil {
		return "", fmt.Errorf("staff of identity: %w", notFound(err, "no staff member is linked to this identity"))
	}
	return id, nil
}

// IdentityLink links a provider's (issuer, subject) to the staff member whom a verified claim
// names.
type IdentityLink struct {
	Issuer, Subject string
	// Claim is the linking claim: "email" is matched to the register's e-mail (case aside),
	// any other to the staff id.
	Claim, Value string
}

// LinkIdentity links the identity to the one active staff member the claim names, and
// returns the member's id. ENotFound: no member, or more than one, has it; EConflict: the
// member is linked to another subject of this issuer already. A link made at the same moment
// for the same identity is returned.
func (s *Store) LinkIdentity(ctx context.Context, l IdentityLink) (string, error) {
	var staffID string
	err := s.Transact(ctx, func(tx *sqlx.Tx) error {
		var ids []string
		q := `SELECT id FROM staff WHERE active AND id = $1`
		if l.Claim == "email" {
			q = `SELECT id FROM staff WHERE active AND email <> '' AND lower(email) = lower($1)`
		}
		if err := tx.SelectContext(ctx, &ids, q, l.Value); err != nil {
			return translate(err)
		}
		if len(ids) != 1 {
			return domain.Errorf(domain.ENotFound, "%d active staff members have this %s", len(ids), l.Claim)
		}
		staffID = ids[0]
		res, err := tx.ExecContext(ctx, `
			INSERT INTO staff_identities (issuer, subject, staff_id, link_claim, link_value)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
			l.Issuer, l.Subject, staffID, l.Claim, l.Value)
		if err != nil {
			return translate(err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		var linked string
		err = tx.GetContext(ctx, &linked, `SELECT staff_id FROM staff_identities WHERE issuer = $1 AND subject = $2`, l.Issuer, l.Subject)
		if errors.Is(err, sql.ErrNoRows) {
			return domain.Errorf(domain.EConflict, "staff member %q is linked to another account at this provider", staffID)
		} else if err != nil {
			return translate(err)
		}
		staffID = linked
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("link identity: %w", err)
	}
	return staffID, nil
}

// LoginRequest is a login begun at the provider: what the callback needs, keyed by the
// SHA-256 of the state the browser carries.
type LoginRequest struct {
	StateHash    []byte `db:"state_hash"`
	Nonce        string `db:"nonce"`
	CodeVerifier string `db:"code_verifier"`
	Next         string `db:"next"`
	// Holder is whose session the login is for: "staff" or "citizen".
	Holder    string    `db:"holder"`
	CreatedAt time.Time `db:"created_at"`
}

// AddLoginRequest keeps a login request, and forgets those begun before staleBefore.
func (s *Store) AddLoginRequest(ctx context.Context, r LoginRequest, staleBefore time.Time) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_requests WHERE created_at < $1`, staleBefore); err != nil {
			return translate(err)
		}
		_, err := tx.NamedExecContext(ctx, `
			INSERT INTO login_requests (state_hash, nonce, code_verifier, next, holder, created_at)
			VALUES (:state_hash, :nonce, :code_verifier, :next, :holder, :created_at)`, r)
		if err != nil {
			return fmt.Errorf("add login request: %w", translate(err))
		}
		return nil
	})
}

// TakeLoginRequest returns the login request of a state and forgets it (a state is good
// once); ENotFound if there is none begun at or after since.
func (s *Store) TakeLoginRequest(ctx context.Context, stateHash []byte, since time.Time) (LoginRequest, error) {
	var r LoginRequest
	err := s.db.GetContext(ctx, &r, `
		DELETE FROM login_requests WHERE state_hash = $1 RETURNING state_hash, nonce, code_verifier, next, holder, created_at`, stateHash)
	if err == nil && r.CreatedAt.Before(since) {
		err = sql.ErrNoRows
	}
	if err != nil {
		return LoginRequest{}, fmt.Errorf("take login request: %w", notFound(err, "no such login"))
	}
	return r, nil
}

// Session is a page session as stored: the hash of its id, never the id. Exactly one of
// StaffID and CitizenID is set: whose session it is.
type Session struct {
	IDHash     []byte     `db:"id_hash"`
	StaffID    string     `db:"staff_id"`
	CitizenID  string     `db:"citizen_id"`
	Issuer     string     `db:"issuer"`
	Subject    string     `db:"subject"`
	CSRFToken  string     `db:"csrf_token"`
	IDToken    string     `db:"id_token"`
	CreatedAt  time.Time  `db:"created_at"`
	LastSeenAt time.Time  `db:"last_seen_at"`
	ExpiresAt  time.Time  `db:"expires_at"`
	EndedAt    *time.Time `db:"ended_at"`
	EndedWhy   *string    `db:"ended_why"`
}

// sessionColumns are read with the holder's id as text, and an empty string for the other.
const sessionColumns = `id_hash, COALESCE(staff_id, '') AS staff_id, COALESCE(citizen_id::text, '') AS citizen_id,
	issuer, subject, csrf_token, id_token, created_at, last_seen_at, expires_at, ended_at, ended_why`

// holderIs is the condition that a session is a citizen's (citizen true) or a staff
// member's: a session of the one is never taken for the other.
const holderIs = `(citizen_id IS NOT NULL) = `

// AddSession stores a new session, and deletes those that expired before forgetBefore.
func (s *Store) AddSession(ctx context.Context, sess Session, forgetBefore time.Time) error {
	return s.Transact(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < $1`, forgetBefore); err != nil {
			return translate(err)
		}
		_, err := tx.NamedExecContext(ctx, `
			INSERT INTO sessions (id_hash, staff_id, citizen_id, issuer, subject, csrf_token, id_token, created_at, last_seen_at, expires_at)
			VALUES (:id_hash, NULLIF(:staff_id, ''), CAST(NULLIF(:citizen_id, '') AS uuid), :issuer, :subject, :csrf_token, :id_token,
				:created_at, :last_seen_at, :expires_at)`, sess)
		if err != nil {
			return fmt.Errorf("add session: %w", translate(err))
		}
		return nil
	})
}

// UseSession returns a live session of a citizen (citizen true) or a staff member and
// records the request: one not ended, not past expires_at, and seen at or after idleSince.
// ENotFound for any other, and for the other holder's session.
func (s *Store) UseSession(ctx context.Context, idHash []byte, citizen bool, now, idleSince time.Time) (Session, error) {
	var sess Session
	err := s.db.GetContext(ctx, &sess, `
		UPDATE sessions SET last_seen_at = $2
		WHERE id_hash = $1 AND ended_at IS NULL AND expires_at > $2 AND last_seen_at >= $3 AND `+holderIs+`$4
		RETURNING `+sessionColumns, idHash, now, idleSince, citizen)
	if err != nil {
		return Session{}, fmt.Errorf("use session: %w", notFound(err, "no such session"))
	}
	return sess, nil
}

// EndSession ends a session of a citizen (citizen true) or a staff member at once (logout)
// and returns it; ENotFound if it had ended or is the other holder's.
func (s *Store) EndSession(ctx context.Context, idHash []byte, citizen bool, now time.Time) (Session, error) {
	var sess Session
	err := s.db.GetContext(ctx, &sess, `
		UPDATE sessions SET ended_at = $2, ended_why = 'logout'
		WHERE id_hash = $1 AND ended_at IS NULL AND `+holderIs+`$3 RETURNING `+sessionColumns, idHash, now, citizen)
	if err != nil {
		return Session{}, fmt.Errorf("end session: %w", notFound(err, "no such session"))
	}
	return sess, nil
}

// RevokeStaffSessions ends every live session of a staff member at once and returns how
// many there were.
func (s *Store) RevokeStaffSessions(ctx context.Context, staffID string, now time.Time) (int, error) {
	res, err := s.db.ExecContext(ctx, `
		UPDATE sessions SET ended_at = $2, ended_why = 'revoked'
		WHERE staff_id = $1 AND ended_at IS NULL AND expires_at > $2`, staffID, now)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of %s: %w", staffID, translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of %s: %w", staffID, translate(err))
	}
	return int(n), nil
}

// StaffExists reports whether a staff member of that id is in the register (active or not).
func (s *Store) StaffExists(ctx context.Context, id string) (bool, error) {
	var ok bool
	if err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM staff WHERE id = $1)`, strings.TrimSpace(id)); err != nil {
		return false, fmt.Errorf("staff exists: %w", translate(err))
	}
	return ok, nil
}
