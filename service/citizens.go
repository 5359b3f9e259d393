package service

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"tvp/domain"
)

// Citizens log in to their own plan or course through their own provider (MitID through
// NemLog-in or the municipality's broker), which asserts their CPR number in a claim. TVP
// recognises them by the number's keyed hash, as a referral does, and keeps nothing of the
// number: not in the session, the audit log or a log line.
//
// No link from the provider's (issuer, subject) to the citizen is stored, as staff_identities
// does for staff: the provider vouches for the CPR number at every login, and the hash is
// the one key by which TVP knows a citizen. A stored link would be a second key that could
// outlive the hash (a pepper rotated, two records of one person merged) and keep opening a
// plan to a subject the CPR number no longer names.

// ErrCitizenUnknown: the CPR number the provider vouches for is no citizen's in the
// programme (no plan, no course, ever). The pages say so in Danish; it is audited.
var ErrCitizenUnknown = domain.Errorf(domain.EForbidden, "the citizen has no plan or course in TVP")

// CitizenOf returns the citizen a login is: the one recognised by the keyed hash of the CPR
// number the provider vouches for (under the current pepper, or the one being rotated out).
// A number that is no citizen's in the programme is ErrCitizenUnknown, audited without the
// number; a claim that is not a CPR number is EUnauthorized.
func (s *Service) CitizenOf(ctx context.Context, id Identity, cpr string) (string, error) {
	if id.Issuer == "" || id.Subject == "" {
		return "", domain.Errorf(domain.EUnauthorized, "the login names no one")
	}
	n, err := domain.NormalizeCPR(cpr)
	if err != nil {
		s.log.WarnContext(ctx, "citizen login: the provider's CPR claim is not a CPR number", "issuer", id.Issuer)
		return "", domain.Errorf(domain.EUnauthorized, "the provider vouched for no CPR number")
	}
	hashes := [][]byte{domain.CPRHash(s.cfg.CPRPepper, n)}
	if prev := s.previousCPRHash(n); prev != nil {
		hashes = append(hashes, prev)
	}
	citizenID, err := s.store.CitizenByHash(ctx, hashes...)
	if domain.ErrorCode(err) == domain.ENotFound {
		if aerr := s.store.AppendAudit(ctx, domain.AuditEntry{ActorID: "-", Action: domain.AuditCitizenRefused, SubjectType: sessionsSubject.Type,
			SubjectID: sessionsSubject.ID, Purpose: domain.PurposeLogin, Refused: true,
			Details: map[string]any{"issuer": id.Issuer, "why": "no plan or course in TVP"}}); aerr != nil {
			return "", aerr
		}
		return "", ErrCitizenUnknown
	} else if err != nil {
		return "", err
	}
	return citizenID, nil
}

// IdentifyCitizen returns the caller for a citizen whom a transport has authenticated (a
// live citizen session): domain.CitizenActor, acting on their own data, with the purpose of
// the request ("own data" if empty). EUnauthorized if there is no such citizen.
func (s *Service) IdentifyCitizen(ctx context.Context, citizenID, purpose string) (Caller, error) {
	if _, err := s.citizenName(ctx, citizenID); err != nil {
		return Caller{}, err
	}
	c := Caller{Actor: domain.CitizenActor(citizenID), Purpose: domain.PurposeOwnData}
	if purpose != "" {
		if err := domain.CheckLine("purpose", purpose); err != nil {
			return Caller{}, err
		}
		c.Purpose = domain.Purpose(domain.ClipRunes(purpose, MaxPurpose))
	}
	return c, nil
}

// CitizenName is the name of the citizen who calls (a citizen's pages greet them by it).
func (s *Service) CitizenName(ctx context.Context, by Caller) (string, error) {
	if !by.Actor.IsCitizen() {
		return "", domain.Errorf(domain.EForbidden, "only a citizen has a name of their own here")
	}
	return s.citizenName(ctx, by.Actor.CitizenID)
}

// citizenName returns a citizen's name; EUnauthorized if the id is no citizen's.
func (s *Service) citizenName(ctx context.Context, citizenID string) (string, error) {
	if _, err := uuid.Parse(citizenID); err != nil {
		return "", domain.Errorf(domain.EUnauthorized, "not a citizen in TVP")
	}
	name, err := s.store.CitizenName(ctx, citizenID)
	if domain.ErrorCode(err) == domain.ENotFound {
		return "", domain.Errorf(domain.EUnauthorized, "not a citizen in TVP")
	}
	return name, err
}

// IsCitizenUnknown reports whether err is ErrCitizenUnknown.
func IsCitizenUnknown(err error) bool { return errors.Is(err, ErrCitizenUnknown) }
