package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"time"

	"tvp/domain"
	"tvp/store"
)

// Logging in: who a person is (the provider's issuer and subject, linked to the staff
// register once), the logins under way, and the pages' server-side sessions. The transports
// turn what these return into a staff id, and Identify turns that into a Caller, for the
// pages and the API alike.

// Identity is a person as the OpenID provider knows them: its issuer and its stable subject.
type Identity struct {
	Issuer, Subject string
}

// LinkKey is the verified claim that links an identity to the staff register on first
// login: an e-mail (matched to the register's) or a claim carrying the staff id.
type LinkKey struct {
	Claim, Value string
}

// sessionsSubject is what the audit entries of logging in are about.
var sessionsSubject = domain.Subject{Type: domain.SubjectProgramme, ID: "sessions"}

// StaffOf returns the staff member an identity is: the one linked to it, or, on its first
// login, the one the verified claim that link returns names (the link is then stored and
// audited). The claim is asked for only when there is no link yet. Anyone else is
// EUnauthorized.
func (s *Service) StaffOf(ctx context.Context, id Identity, link func(context.Context) (LinkKey, error)) (string, error) {
	if id.Issuer == "" || id.Subject == "" {
		return "", domain.Errorf(domain.EUnauthorized, "the token names no one")
	}
	if staffID, ok := s.register.staffOf(id); ok {
		return staffID, nil
	}
	read, gen := s.register.begin()
	staffID, err := s.store.StaffOfIdentity(ctx, id.Issuer, id.Subject)
	if err == nil {
		s.register.putStaffOf(id, staffID, read, gen)
		return staffID, nil
	}
	if domain.ErrorCode(err) != domain.ENotFound {
		return "", err
	}
	if link == nil {
		return "", domain.Errorf(domain.EUnauthorized, "this account is not linked to TVP's staff register")
	}
	key, err := link(ctx)
	if err != nil {
		s.log.InfoContext(ctx, "no linking claim at first login", "issuer", id.Issuer, "err", err)
		return "", domain.Errorf(domain.EUnauthorized, "this account is not linked to TVP's staff register, and the provider vouches for nothing that would link it")
	}
	s.register.forget()
	staffID, err = s.store.LinkIdentity(ctx, store.IdentityLink{Issuer: id.Issuer, Subject: id.Subject, Claim: key.Claim, Value: key.Value})
	switch domain.ErrorCode(err) {
	case "":
	case domain.ENotFound, domain.EConflict:
		s.log.WarnContext(ctx, "identity not linked", "issuer", id.Issuer, "claim", key.Claim, "err", err)
		if aerr := s.store.AppendAudit(ctx, domain.AuditEntry{ActorID: "-", Action: domain.AuditLinkRefused, SubjectType: sessionsSubject.Type,
			SubjectID: sessionsSubject.ID, Purpose: domain.PurposeLogin, Refused: true,
			Details: map[string]any{"issuer": id.Issuer, "subject": id.Subject, "claim": key.Claim, "why": domain.ErrorMessage(err)}}); aerr != nil {
			return "", aerr
		}
		return "", domain.Errorf(domain.EUnauthorized, "this account cannot be linked to TVP's staff register")
	default:
		return "", err
	}
	if err := s.store.AppendAudit(ctx, domain.AuditEntry{ActorID: staffID, Action: domain.AuditIdentityLinked, SubjectType: sessionsSubject.Type,
		SubjectID: sessionsSubject.ID, Purpose: domain.PurposeLogin,
		Details: map[string]any{"issuer": id.Issuer, "subject": id.Subject, "claim": key.Claim}}); err != nil {
		return "", err
	}
	return staffID, nil
}

// loginTimeout bounds how long a login may stay at the provider.
const loginTimeout = 10 * time.Minute

// Holder is whose a page session (and the login that starts it) is: a staff member's, who
// logs in through the municipality's provider, or a citizen's, who logs in through MitID.
// The two never pass for each other: a session is used, ended and logged in for its holder
// only.
type Holder string

const (
	HolderStaff   Holder = "staff"
	HolderCitizen Holder = "citizen"
)

func (h Holder) valid() bool { return h == HolderStaff || h == HolderCitizen }

// LoginState is a login begun at the provider: the browser keeps State (in a cookie, to bind
// the callback to itself), TVP keeps the rest.
type LoginState struct {
	State, Nonce, CodeVerifier string
	// Next is the page of TVP's own to go on to.
	Next string
	// Holder is whose session the login is for (HolderStaff if empty).
	Holder Holder
}

// BeginLogin keeps a login's nonce and PKCE verifier until its callback.
func (s *Service) BeginLogin(ctx context.Context, l LoginState) error {
	if l.State == "" || l.Nonce == "" || l.CodeVerifier == "" {
		return domain.Errorf(domain.EInternal, "a login needs a state, a nonce and a verifier")
	}
	if l.Holder == "" {
		l.Holder = HolderStaff
	}
	if !l.Holder.valid() {
		return domain.Errorf(domain.EInternal, "a login for %q", l.Holder)
	}
	now := s.now()
	return s.store.AddLoginRequest(ctx, store.LoginRequest{
		StateHash: digest(l.State), Nonce: l.Nonce, CodeVerifier: l.CodeVerifier, Next: l.Next, Holder: string(l.Holder), CreatedAt: now,
	}, now.Add(-loginTimeout))
}

// FinishLogin returns the login of a state, once; EUnauthorized for a state TVP did not give
// out, one used already, or one older than ten minutes.
func (s *Service) FinishLogin(ctx context.Context, state string) (LoginState, error) {
	if state == "" {
		return LoginState{}, domain.Errorf(domain.EUnauthorized, "the login has no state")
	}
	r, err := s.store.TakeLoginRequest(ctx, digest(state), s.now().Add(-loginTimeout))
	if domain.ErrorCode(err) == domain.ENotFound {
		return LoginState{}, domain.Errorf(domain.EUnauthorized, "this login is unknown, used or expired")
	} else if err != nil {
		return LoginState{}, err
	}
	return LoginState{State: state, Nonce: r.Nonce, CodeVerifier: r.CodeVerifier, Next: r.Next, Holder: Holder(r.Holder)}, nil
}

// Session is a live page session: a staff member's (StaffID) or a citizen's (CitizenID).
type Session struct {
	StaffID   string
	CitizenID string
	// CSRF is the token every form and script post of the session must carry.
	CSRF string
	// IDToken is the provider's ID token of the login, for the logout request at the provider.
	IDToken string
}

// NewSession is a login the provider confirmed: of a staff member (StaffID) or of a citizen
// (CitizenID, from CitizenOf), exactly one of them.
type NewSession struct {
	StaffID   string
	CitizenID string
	Identity  Identity
	IDToken   string
}

// holder is whose the session is, and the actor id the audit log records for them.
func (n NewSession) holder() (Holder, string) {
	if n.CitizenID != "" {
		return HolderCitizen, domain.CitizenActorPrefix + n.CitizenID
	}
	return HolderStaff, n.StaffID
}

// StartSession starts a page session and returns its id (the cookie's value: random, and
// stored only as its SHA-256) with the session. Every login starts a new one.
func (s *Service) StartSession(ctx context.Context, in NewSession) (string, Session, error) {
	switch {
	case (in.StaffID == "") == (in.CitizenID == ""):
		return "", Session{}, domain.Errorf(domain.EInternal, "a session is held by one staff member or one citizen")
	case in.CitizenID != "":
		if _, err := s.citizenName(ctx, in.CitizenID); err != nil {
			return "", Session{}, err
		}
	default:
		if _, err := s.store.GetStaff(ctx, in.StaffID); err != nil {
			if domain.ErrorCode(err) == domain.ENotFound {
				return "", Session{}, domain.Errorf(domain.EUnauthorized, "not a member of TVP's staff")
			}
			return "", Session{}, err
		}
	}
	_, actor := in.holder()
	id, csrf := randomToken(), randomToken()
	now := s.now()
	err := s.store.AddSession(ctx, store.Session{
		IDHash: digest(id), StaffID: in.StaffID, CitizenID: in.CitizenID, Issuer: in.Identity.Issuer, Subject: in.Identity.Subject,
		CSRFToken: csrf, IDToken: in.IDToken, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMaxAge),
	}, now.Add(-24*time.Hour))
	if err != nil {
		return "", Session{}, err
	}
	if err := s.store.AppendAudit(ctx, domain.AuditEntry{ActorID: actor, Action: domain.AuditSessionStarted, SubjectType: sessionsSubject.Type,
		SubjectID: sessionsSubject.ID, Purpose: domain.PurposeLogin, Details: map[string]any{"issuer": in.Identity.Issuer}}); err != nil {
		return "", Session{}, err
	}
	return id, Session{StaffID: in.StaffID, CitizenID: in.CitizenID, CSRF: csrf, IDToken: in.IDToken}, nil
}

// SessionOf returns the live session of an id held by h and records the request; EUnauthorized
// for an id that is unknown, the other holder's, ended (logout, revoked), idle longer than the
// idle timeout or older than the absolute one.
func (s *Service) SessionOf(ctx context.Context, h Holder, id string) (Session, error) {
	if id == "" || len(id) > 100 || !h.valid() {
		return Session{}, domain.Errorf(domain.EUnauthorized, "no session")
	}
	now := s.now()
	sess, err := s.store.UseSession(ctx, digest(id), h == HolderCitizen, now, now.Add(-s.cfg.SessionIdle))
	if domain.ErrorCode(err) == domain.ENotFound {
		return Session{}, domain.Errorf(domain.EUnauthorized, "the session has ended; log in again")
	} else if err != nil {
		return Session{}, err
	}
	return Session{StaffID: sess.StaffID, CitizenID: sess.CitizenID, CSRF: sess.CSRFToken, IDToken: sess.IDToken}, nil
}

// EndSessionOf ends a session held by h at once (logout) and returns it, with the ID token for
// the logout at the provider.
func (s *Service) EndSessionOf(ctx context.Context, h Holder, id string) (Session, error) {
	if id == "" || len(id) > 100 || !h.valid() {
		return Session{}, domain.Errorf(domain.EUnauthorized, "the session has ended")
	}
	sess, err := s.store.EndSession(ctx, digest(id), h == HolderCitizen, s.now())
	if domain.ErrorCode(err) == domain.ENotFound {
		return Session{}, domain.Errorf(domain.EUnauthorized, "the session has ended")
	} else if err != nil {
		return Session{}, err
	}
	_, actor := NewSession{StaffID: sess.StaffID, CitizenID: sess.CitizenID}.holder()
	if err := s.store.AppendAudit(ctx, domain.AuditEntry{ActorID: actor, Action: domain.AuditSessionEnded, SubjectType: sessionsSubject.Type,
		SubjectID: sessionsSubject.ID, Purpose: domain.PurposeLogout, Details: map[string]any{"why": "logout"}}); err != nil {
		return Session{}, err
	}
	return Session{StaffID: sess.StaffID, CitizenID: sess.CitizenID, CSRF: sess.CSRFToken, IDToken: sess.IDToken}, nil
}

// RevokedSessions is the answer to a revocation.
type RevokedSessions struct {
	StaffID string `json:"staff_id"`
	// Revoked is how many live sessions ended.
	Revoked int `json:"revoked"`
}

// RevokeSessions ends every page session of a staff member at once (an administrator's
// step, audited). Bearer tokens are the provider's and end at their expiry; a member who
// leaves is made inactive in the register, which refuses those too (within
// Config.RegisterCacheTTL).
func (s *Service) RevokeSessions(ctx context.Context, by Caller, staffID string) (RevokedSessions, error) {
	if _, err := s.allow(ctx, by, sessionsSubject, domain.SessionsRevoke); err != nil {
		return RevokedSessions{}, err
	}
	if err := domain.CheckLine("id", staffID); err != nil {
		return RevokedSessions{}, err
	}
	ok, err := s.store.StaffExists(ctx, staffID)
	if err != nil {
		return RevokedSessions{}, err
	}
	if !ok {
		return RevokedSessions{}, domain.Errorf(domain.ENotFound, "no staff member %q", staffID)
	}
	n, err := s.store.RevokeStaffSessions(ctx, staffID, s.now())
	s.register.forget()
	if err != nil {
		return RevokedSessions{}, err
	}
	if err := s.audit(ctx, by, domain.SessionsRevoke.Audit(), sessionsSubject, false, map[string]any{"staff_id": staffID, "revoked": n}); err != nil {
		return RevokedSessions{}, err
	}
	return RevokedSessions{StaffID: staffID, Revoked: n}, nil
}

// digest is the SHA-256 under which a session's id or a login's state is stored.
func digest(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err)) // never fails on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
