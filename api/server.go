// Package api is TVP's HTTP API (Gin, JSON under /api/v1) and its health and metrics
// endpoints. Its handlers decode a request, call one use case of the service layer and encode
// the answer; errors become problem+json in one place (errors.go). Who may see and do what is
// the service's business, never the handlers'.
package api

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/converter"

	"tvp/domain"
	"tvp/internal/auth"
	"tvp/internal/codec"
	"tvp/internal/metrics"
	"tvp/service"
)

// Deps are what the API needs.
type Deps struct {
	Service *service.Service
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Verifier checks bearer tokens: access tokens of the OpenID provider for the API.
	Verifier *auth.Verifier
	// Sessions, if set, returns the staff member of a request from the pages (their session
	// cookie; a post must carry the session's CSRF token). Without it only bearer tokens
	// are accepted.
	Sessions func(r *http.Request) (staffID string, err error)
	// Codec, if set, is served at /codec for the Temporal Web UI (admins only).
	Codec converter.PayloadCodec
	// TemporalUIURL is the Web UI's origin, allowed to call /codec.
	TemporalUIURL string
	// IdempotencyTTL is how long an answer to an Idempotency-Key is given again (24 hours
	// if zero).
	IdempotencyTTL time.Duration
	// RateLimits bound the API and the login per user and per address (ratelimit.go).
	RateLimits RateLimits
}

// Server is the HTTP API.
type Server struct {
	Deps
	log    *slog.Logger
	engine *gin.Engine
	spec   []byte
	limits *limits
}

// New builds the API's routes.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.IdempotencyTTL <= 0 {
		d.IdempotencyTTL = 24 * time.Hour
	}
	s := &Server{Deps: d, log: d.Log.With("component", "api"), limits: newLimits(d.RateLimits)}
	spec, err := OpenAPI()
	if err != nil {
		panic(err) // the embedded description is checked by the tests
	}
	s.spec = spec
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	e.Use(s.recovery())
	if d.Metrics != nil {
		e.Use(d.Metrics.Middleware())
		e.GET("/metrics", gin.WrapH(d.Metrics.Handler()))
	}
	e.Use(s.requestLog())
	e.Use(s.limitRequests)
	e.NoRoute(s.notFoundRoute)
	e.NoMethod(s.methodNotAllowed)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/api/v1/openapi.json", s.openapi)

	if d.Codec != nil {
		h := http.StripPrefix("/codec", codec.Handler(d.Codec, s.authorizeCodec, func(w http.ResponseWriter, r *http.Request, err error) {
			s.refuse(w, r, "/codec"+r.URL.Path, err)
		}, strings.TrimSuffix(d.TemporalUIURL, "/")))
		e.Any("/codec/*path", gin.WrapH(h))
	}

	v1 := e.Group("/api/v1", s.authenticate, s.limitUser, s.idempotent)
	v1.GET("/reports/status", s.statusReport)
	v1.GET("/reports/committee", s.committeeReports)
	v1.POST("/reports/committee", s.produceCommitteeReport)
	v1.GET("/reports/committee/:id", s.committeeReport)
	v1.GET("/me/inbox", s.inbox)
	v1.POST("/me/inbox/:id/done", s.inboxDone)
	v1.GET("/courses", s.listCourses)
	v1.GET("/plans", s.listPlans)
	v1.GET("/extensions/pending", s.pendingExtensions)
	v1.GET("/citizens/:id/access-log", s.accessLog)
	v1.GET("/teams", s.listTeams)
	v1.GET("/teams/:id", s.getTeam)
	v1.POST("/teams/:id/pause", s.pauseTeam)
	v1.POST("/teams/:id/resume", s.resumeTeam)
	v1.POST("/teams/:id/reorganise", s.reorganise)
	v1.POST("/teams/:id/phase-out", s.phaseOut)
	v1.GET("/teams/:id/worklist", s.teamWorklist)
	v1.POST("/teams/:id/targets", s.setTargets)
	v1.GET("/decisions", s.listDecisions)
	v1.POST("/decisions", s.addDecision)
	v1.GET("/reports/steering", s.steeringReport)
	v1.GET("/staff", s.listStaff)
	v1.POST("/staff/:id/sessions/revoke", s.revokeSessions)
	v1.POST("/staff/:id/absences", s.recordAbsence)
	v1.GET("/staff/:id/absences", s.listAbsences)
	v1.DELETE("/staff/:id/absences/:absenceId", s.cancelAbsence)
	v1.POST("/courses", s.createCourse)
	v1.GET("/courses/:id", s.getCourse)
	v1.POST("/courses/:id/progressions", s.recordProgression)
	v1.POST("/courses/:id/milestones", s.recordMilestone)
	v1.POST("/courses/:id/extensions", s.requestExtension)
	v1.POST("/courses/:id/extensions/:seq/decision", s.decideExtension)
	v1.POST("/courses/:id/close", s.closeCourse)
	v1.POST("/courses/:id/move-to-collaboration", s.moveToCollaboration)
	v1.POST("/plans", s.enrol)
	v1.GET("/plans/:id", s.getPlan)
	v1.POST("/plans/:id/consent", s.recordConsent)
	v1.POST("/plans/:id/consent/withdraw", s.withdrawConsent)
	v1.POST("/plans/:id/meeting/schedule", s.scheduleMeeting)
	v1.POST("/plans/:id/meeting/invitation", s.recordInvitation)
	v1.POST("/plans/:id/meeting/held", s.recordMeeting)
	v1.POST("/plans/:id/meeting/not-held", s.recordNotHeld)
	v1.POST("/plans/:id/meetings/:seq/minutes", s.recordMinutes)
	v1.GET("/plans/:id/meetings/:seq/invitation.ics", s.meetingInvitation)
	v1.POST("/plans/:id/citizen-meeting", s.recordCitizenMeeting)
	v1.POST("/plans/:id/participants", s.changeParticipants)
	v1.POST("/plans/:id/leave", s.leavePlan)
	v1.POST("/plans/:id/meeting/agenda", s.addAgendaPoint)
	v1.POST("/plans/:id/agreements/:agreementId/done", s.completeAgreement)
	v1.POST("/teams/:id/pause/resume-by", s.movePauseResumeBy)
	v1.GET("/effects/stuck", s.stuckEffects)
	v1.POST("/courses/:id/retry-effects", s.retryEffects(domain.SubjectCourse))
	v1.POST("/plans/:id/retry-effects", s.retryEffects(domain.SubjectPlan))
	v1.POST("/teams/:id/pause/retry-effects", s.retryEffects(domain.SubjectTeam))
	s.engine = e
	return s
}

// Mount adds routes of another transport (the pages) to the server.
func (s *Server) Mount(routes func(e *gin.Engine)) { routes(s.engine) }

// Routes lists the registered routes (method and path), for the OpenAPI test.
func (s *Server) Routes() gin.RoutesInfo { return s.engine.Routes() }

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler { return s.engine }

// NewHTTPServer wraps the handler in an http.Server with timeouts.
func NewHTTPServer(addr string, h http.Handler) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    1 << 20,
	}
}

// authorizeCodec lets only admins decode payloads in the Temporal Web UI; every use, and
// every refusal, is audited.
func (s *Server) authorizeCodec(r *http.Request) error {
	by, err := s.Identify(r)
	if err != nil {
		return err
	}
	return s.Service.AuthorizeDecode(r.Context(), by, r.URL.Path, 0)
}
