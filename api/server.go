// Package api is TVP's HTTP API (Gin, JSON under /api/v1) and its health and metrics
// endpoints. Handlers call the store and Temporal; errors become problem+json in one place.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"tvp/domain"
	"tvp/internal/auth"
	"tvp/internal/codec"
	"tvp/internal/metrics"
	"tvp/store"
)

// Deps are what the API needs.
type Deps struct {
	Store    *store.Store
	Temporal client.Client
	Metrics  *metrics.Metrics
	Log      *slog.Logger
	// TaskQueue is the queue the workflows run on.
	TaskQueue string
	// TemporalTimeout bounds every call to Temporal made for one request.
	TemporalTimeout time.Duration
	// CPRPepper keys the hash under which CPR numbers are recognised.
	CPRPepper string
	// Verifier checks bearer tokens.
	Verifier *auth.Verifier
	// DevIssuer, if set, is published at /dev-issuer (development and tests only).
	DevIssuer *auth.DevIssuer
	// Now is the clock (time.Now if nil).
	Now func() time.Time
	// Codec, if set, is served at /codec for the Temporal Web UI (admins only).
	Codec converter.PayloadCodec
	// TemporalUIURL is the Web UI's origin, allowed to call /codec.
	TemporalUIURL string
}

// Server is the HTTP API.
type Server struct {
	Deps
	log    *slog.Logger
	engine *gin.Engine
	spec   []byte
}

// New builds the API's routes.
func New(d Deps) *Server {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.TemporalTimeout <= 0 {
		d.TemporalTimeout = 10 * time.Second
	}
	s := &Server{Deps: d, log: d.Log.With("component", "api")}
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
	e.NoRoute(s.notFoundRoute)
	e.NoMethod(s.methodNotAllowed)

	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/api/v1/openapi.json", s.openapi)

	if d.DevIssuer != nil {
		d.DevIssuer.Routes(e, DevIssuerPath)
	}
	if d.Codec != nil {
		h := http.StripPrefix("/codec", codec.Handler(d.Codec, s.authorizeCodec, strings.TrimSuffix(d.TemporalUIURL, "/")))
		e.Any("/codec/*path", gin.WrapH(h))
	}

	pg, err := newPages(s)
	if err != nil {
		panic(err) // the embedded templates are checked by the tests
	}
	pg.routes(e)

	v1 := e.Group("/api/v1", s.authenticate, s.idempotent)
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
	v1.POST("/plans/:id/citizen-meeting", s.recordCitizenMeeting)
	v1.POST("/plans/:id/participants", s.changeParticipants)
	v1.POST("/plans/:id/leave", s.leavePlan)
	s.engine = e
	return s
}

// DevIssuerPath is where the development issuer is published.
const DevIssuerPath = "/dev-issuer"

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

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

// temporalCtx bounds one Temporal call by the configured timeout.
func (s *Server) temporalCtx(c *gin.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request.Context(), s.TemporalTimeout)
}

// authorizeCodec lets only admins decode payloads in the Temporal Web UI; every use is logged.
func (s *Server) authorizeCodec(r *http.Request) error {
	a, err := s.identifyRequest(r)
	if err != nil {
		return err
	}
	if !a.Has(domain.RoleAdmin) {
		return domain.Errorf(domain.EForbidden, "forbidden: only admins read payloads")
	}
	s.log.InfoContext(r.Context(), "payloads decoded for the Temporal UI", "actor", a.ID, "path", r.URL.Path)
	return nil
}
