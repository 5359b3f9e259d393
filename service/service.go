// Package service is TVP's use cases: referral, every step of a course, a plan and a team,
// every read and list, the steering group's decisions and the reports. Each is one method
// (ctx, caller, input) -> (output, error) that checks its input, asks the access rules
// (domain.Access) what the caller may see and do, writes the audit entry (refusals too),
// and calls the engines: the workflows through Temporal, the read model through the store.
// The transports (the API, the pages) only decode, call a method and encode; nothing else
// decides who may see or do what.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tvp/domain"
	"tvp/store"
)

// Config are the service's settings.
type Config struct {
	// TaskQueue is the queue the workflows run on.
	TaskQueue string
	// TemporalTimeout bounds every call to Temporal made for one request.
	TemporalTimeout time.Duration
	// CPRPepper keys the hash under which CPR numbers are recognised. CPRPepperPrevious, if
	// set, is the pepper being rotated out: a citizen recorded under it is recognised too.
	CPRPepper, CPRPepperPrevious string
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// SessionIdle ends a page session after so long without a request (30 minutes if
	// zero); SessionMaxAge ends it so long after login whatever happens (10 hours if zero).
	SessionIdle, SessionMaxAge time.Duration
	// CitizenSeesStaffNames: a citizen's "who has looked at my case" names the staff member
	// (a municipal setting, TVP_CITIZEN_SEES_STAFF_NAMES); otherwise it says what they do.
	CitizenSeesStaffNames bool
	// RegisterCacheTTL: what every request reads from the staff register (who a token's
	// identity is, their roles, team and leads, the absences they hold today) is kept so long
	// (off if zero). A change made through this service takes effect at once; one made
	// elsewhere within this bound.
	RegisterCacheTTL time.Duration
}

// Service holds the use cases. It is safe for concurrent use.
type Service struct {
	store    *store.Store
	temporal client.Client
	cfg      Config
	log      *slog.Logger
	register *registerCache
}

// New returns the service over the store and the Temporal client.
func New(s *store.Store, tc client.Client, cfg Config, log *slog.Logger) *Service {
	if cfg.TemporalTimeout <= 0 {
		cfg.TemporalTimeout = 10 * time.Second
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = 30 * time.Minute
	}
	if cfg.SessionMaxAge <= 0 {
		cfg.SessionMaxAge = 10 * time.Hour
	}
	if log == nil {
		log = slog.Default()
	}
	svc := &Service{store: s, temporal: tc, cfg: cfg, log: log.With("component", "service")}
	svc.register = newRegisterCache(cfg.RegisterCacheTTL, svc.now)
	return svc
}

// Now is the service's clock (Config.Now): every "today" of a use case and of a page.
func (s *Service) Now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

func (s *Service) now() time.Time { return s.Now() }

// Caller is who calls a use case, as a transport authenticated them, and why.
type Caller struct {
	Actor domain.Actor
	// Purpose is why they read or change a citizen's data (the audit log records it).
	Purpose domain.Purpose
	// Key is the request's idempotency key, if any: a step repeated with it happens once.
	Key string
	// Request identifies the keyed request itself (the transport's hash of its method, path
	// and body). What the key makes (a new course's or plan's id, an Update's id, a decision's
	// key) is made from both (stepKey), so that a client using the key again for another
	// request, after its answer has expired, gets that request done rather than the old one.
	Request string
	// Names: the transport shows citizens by name (the pages); answers then carry the names
	// of the citizens they show.
	Names bool
}

// MaxPurpose bounds the purpose a caller gives, in characters.
const MaxPurpose = 200

// MaxIdempotencyKey bounds an idempotency key, in characters.
const MaxIdempotencyKey = 200

// Identify returns the caller for a staff member whom a transport has authenticated: their
// roles, team, the people they lead and the absent colleagues they stand in for today, from
// the staff register (the token says who, TVP
// says what they may do), with the purpose and idempotency key of the request checked.
func (s *Service) Identify(ctx context.Context, staffID, purpose, key string) (Caller, error) {
	if staffID == "" || len(staffID) > 200 || domain.CheckLine("user", staffID) != nil {
		return Caller{}, domain.Errorf(domain.EUnauthorized, "not a member of TVP's staff")
	}
	today := s.today()
	actor, held, ok := s.register.actor(staffID, today)
	if !ok {
		read, gen := s.register.begin()
		m, err := s.store.GetStaff(ctx, staffID)
		if domain.ErrorCode(err) == domain.ENotFound {
			return Caller{}, domain.Errorf(domain.EUnauthorized, "%q is not a member of TVP's staff", staffID)
		} else if err != nil {
			return Caller{}, err
		}
		// Whom they stand in for today: they take over those colleagues' ties to their cases.
		held, err = s.store.AbsencesHeldBy(ctx, staffID, today)
		if err != nil {
			return Caller{}, err
		}
		actor = m.Actor()
		s.register.putActor(actor, held, today, read, gen)
	}
	c := Caller{Actor: actor, Purpose: domain.PurposeCasework, Key: key}
	c.Actor.StandsInFor = domain.StandsInOn(held, staffID, today)
	if purpose != "" {
		if err := domain.CheckLine("X-TVP-Purpose", purpose); err != nil {
			return Caller{}, err
		}
		c.Purpose = domain.Purpose(domain.ClipRunes(purpose, MaxPurpose))
	}
	if key != "" {
		if err := domain.CheckLine("Idempotency-Key", key); err != nil {
			return Caller{}, err
		}
		if len([]rune(key)) > MaxIdempotencyKey {
			return Caller{}, domain.FieldError("Idempotency-Key", "is longer than %d characters", MaxIdempotencyKey)
		}
	}
	return c, nil
}

// allow asks the access rules for the caller's view of the subject for the action. A refusal
// is audited (with the subject's citizens) and returned as EForbidden.
func (s *Service) allow(ctx context.Context, by Caller, subj domain.Subject, act domain.Action) (domain.View, error) {
	v, err := domain.Access(by.Actor, subj, act)
	if domain.ErrorCode(err) == domain.EForbidden {
		if aerr := s.audit(ctx, by, act.Audit(), subj, true, nil); aerr != nil {
			return domain.ViewNone, aerr
		}
	}
	return v, err
}

// audit appends the caller's access to the audit log: one entry per citizen of the subject
// (so that each citizen's access log has it), or one without a citizen.
// An access that the caller has only as a stand-in is recorded as on behalf of the absent
// colleague (details "on_behalf_of").
func (s *Service) audit(ctx context.Context, by Caller, act domain.AuditAction, subj domain.Subject, refused bool, details map[string]any) error {
	if !refused {
		details = onBehalf(by, subj, domain.Action(act), details)
	}
	return s.auditCitizens(ctx, by, act, subj.Type, subj.ID, subj.CitizenIDs, refused, details)
}

func (s *Service) auditCitizens(ctx context.Context, by Caller, act domain.AuditAction, st domain.SubjectType, id string, citizens []string, refused bool, details map[string]any) error {
	e := domain.AuditEntry{
		ActorID: by.Actor.ID, Action: act, SubjectType: st, SubjectID: id,
		Purpose: by.Purpose, Refused: refused, Details: details,
	}
	if len(citizens) == 0 {
		return s.store.AppendAudit(ctx, e)
	}
	entries := make([]domain.AuditEntry, 0, len(citizens))
	seen := map[string]bool{}
	for _, cid := range citizens {
		if seen[cid] {
			continue
		}
		seen[cid] = true
		x := e
		x.CitizenID = &cid
		entries = append(entries, x)
	}
	return s.store.AppendAudit(ctx, entries...)
}

// onBehalf adds to the details the absent colleague on whose behalf the caller takes the action
// (domain.OnBehalfOf), if they take it as a stand-in.
func onBehalf(by Caller, subj domain.Subject, act domain.Action, details map[string]any) map[string]any {
	absent := domain.OnBehalfOf(by.Actor, subj, act)
	if absent == "" {
		return details
	}
	out := make(map[string]any, len(details)+1)
	for k, v := range details {
		out[k] = v
	}
	out["on_behalf_of"] = absent
	return out
}

// auditStandIn records a step that the caller took as a stand-in, on behalf of the absent
// colleague: the workflow's own entry of the step names the stand-in, this one whom for.
func (s *Service) auditStandIn(ctx context.Context, by Caller, subj domain.Subject, act domain.Action) error {
	if domain.OnBehalfOf(by.Actor, subj, act) == "" {
		return nil
	}
	return s.audit(ctx, by, act.Audit(), subj, false, nil)
}

// caseStep is a step of a case (a course or a plan) as the service runs it, once the access
// rule for it has passed (the caller may take act on subject): the input's check (in, if any),
// the Update that the step makes (name and arg, from make), and, by a stand-in, the audit on
// behalf of the absent colleague. fail explains a refusal of the workflow's (the case closed,
// gone). It answers the workflow's result, from which each use case makes the caller's view.
func runStep[R any](ctx context.Context, s *Service, by Caller, subject domain.Subject, act domain.Action, workflowID string,
	in any, make func() (name string, arg any, err error), fail func(error) error) (R, error) {
	var res R
	if in != nil {
		if err := validate(in); err != nil {
			return res, err
		}
	}
	name, arg, err := make()
	if err != nil {
		return res, err
	}
	if err := s.update(ctx, by, workflowID, name, arg, &res); err != nil {
		return res, fail(err)
	}
	return res, s.auditStandIn(ctx, by, subject, act)
}

// temporalCtx bounds one Temporal call.
func (s *Service) temporalCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, s.cfg.TemporalTimeout)
}

// query asks a workflow's query handler.
func (s *Service) query(ctx context.Context, workflowID, name string, arg, out any) error {
	ctx, cancel := s.temporalCtx(ctx)
	defer cancel()
	v, err := s.temporal.QueryWorkflow(ctx, workflowID, "", name, arg)
	if err != nil {
		return FromTemporal(err)
	}
	if err := v.Get(out); err != nil {
		return fmt.Errorf("decode %s of %s: %w", name, workflowID, err)
	}
	return nil
}

// update runs a step as a Temporal Update and waits for its result. With the caller's
// idempotency key, the Update's id is made from it, so a repeat is the same Update.
func (s *Service) update(ctx context.Context, by Caller, workflowID, name string, arg, result any) error {
	ctx, cancel := s.temporalCtx(ctx)
	defer cancel()
	opts := client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: name, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	if by.Key != "" {
		opts.UpdateID = by.Actor.ID + ":" + by.stepKey()
	}
	h, err := s.temporal.UpdateWorkflow(ctx, opts)
	if err != nil {
		return FromTemporal(err)
	}
	return FromTemporal(h.Get(ctx, result))
}

// idNamespace makes ids from idempotency keys.
var idNamespace = uuid.MustParse("6b2c1f0e-6f55-4d0b-9d8e-0f1c2a3b4c5d")

// newID is a random id, or one made from the caller's idempotency key: the same request
// repeated finds the same thing.
func newID(by Caller, kind string) string {
	if by.Key != "" {
		return uuid.NewSHA1(idNamespace, []byte(kind+"\x00"+by.Actor.ID+"\x00"+by.stepKey())).String()
	}
	return uuid.NewString()
}

// stepKey is what the caller's idempotency key makes things from: the key and the request it
// came with (Caller.Request).
func (c Caller) stepKey() string {
	if c.Key == "" || c.Request == "" {
		return c.Key
	}
	return c.Key + "#" + c.Request
}

// FromTemporal turns the Temporal client's errors into domain errors. A workflow's validator
// or handler fails with an application error whose type is a domain code and whose details
// hold the field.
func FromTemporal(err error) error {
	if err == nil {
		return nil
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if domain.KnownCode(appErr.Type()) {
			var field string
			if appErr.HasDetails() {
				_ = appErr.Details(&field)
			}
			return &domain.Error{Code: appErr.Type(), Message: appErr.Message(), Field: field}
		}
	}
	var (
		notFound    *serviceerror.NotFound
		started     *serviceerror.WorkflowExecutionAlreadyStarted
		unavailable *serviceerror.Unavailable
		deadline    *serviceerror.DeadlineExceeded
		canceled    *serviceerror.Canceled
		notReady    *serviceerror.WorkflowNotReady
	)
	switch {
	case errors.As(err, &notFound):
		return wrap(domain.ENotFound, "not found", err)
	case errors.As(err, &started):
		return wrap(domain.EConflict, "already started", err)
	case errors.As(err, &unavailable):
		return wrap(domain.EUnavailable, "Temporal is unavailable", err)
	case errors.As(err, &notReady):
		// The workflow's task failed while it took the step (its worker died, or it was busy
		// continuing as new): the step was not applied, and may be sent again.
		return wrap(domain.EUnavailable, "the case is busy right now; send the step again", err)
	case errors.As(err, &deadline), errors.Is(err, context.DeadlineExceeded):
		return wrap(domain.ETimeout, "Temporal did not answer in time", err)
	case errors.As(err, &canceled):
		return wrap(domain.ETimeout, "the request was cancelled", err)
	}
	return err
}

// wrap keeps err in the chain for logs while the domain error decides what the client sees.
func wrap(code, msg string, err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	return errors.Join(&domain.Error{Code: code, Message: msg}, err)
}
