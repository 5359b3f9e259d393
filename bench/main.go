// Command bench measures TVP against the bare Temporal client in the same run, on the same
// Temporal dev server and PostgreSQL, and prints a Markdown table (make bench).
//
// The API and the callers run in this process; the worker runs in a child process (this
// binary again), so that its memory can be read on its own. The measures (-phases):
//   - compare: starting courses, one step (an Update) and one read (a query) through the HTTP
//     API against the bare SDK client, 32 concurrent callers, in alternating rounds;
//   - lists: the list endpoints with 10,000 courses and 10,000 plans in the read model;
//   - scale: a fresh worker's memory with 10,000 open courses (bounded workflow cache) and the
//     time to start them;
//   - year: a municipality-year, 1,000 courses and 1,000 plans with every duration scaled so
//     that a year passes in minutes and simulated people answering their reminders: every
//     reminder checked against the workflows' histories, and how late each one was.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"tvp/domain"
	tvpapp "tvp/internal/app"
	"tvp/internal/auth"
	"tvp/internal/codec"
	"tvp/internal/dev/demo"
	"tvp/internal/dev/idp"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/service"
	"tvp/store"
)

type config struct {
	dsn, temporal, out, phases, cpuProfile string
	starts, steps, rounds, concurrency     int
	listRows, listCalls                    int
	scaleCourses, cacheSize, fixedPollers  int
	yearCourses, yearPlans                 int
	year                                   time.Duration
	registerCacheTTL                       time.Duration
	before                                 string
}

func main() {
	if os.Getenv(roleEnv) == "worker" {
		if err := runWorker(); err != nil {
			fmt.Fprintln(os.Stderr, "bench worker:", err)
			os.Exit(1)
		}
		return
	}
	var c config
	flag.StringVar(&c.dsn, "database-url", os.Getenv("TVP_BENCH_DATABASE_URL"), "an empty database")
	flag.StringVar(&c.temporal, "temporal", os.Getenv("TVP_BENCH_TEMPORAL_ADDRESS"), "Temporal host:port")
	flag.StringVar(&c.out, "out", "bench/out/results.md", "where to write the tables")
	flag.StringVar(&c.phases, "phases", "compare,lists,scale,year", "which measures to run")
	flag.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of this process during the compare phase here")
	flag.IntVar(&c.starts, "starts", 600, "courses started per side")
	flag.IntVar(&c.steps, "steps", 400, "updates and queries per side")
	flag.IntVar(&c.rounds, "rounds", 3, "alternating rounds of each comparison")
	flag.IntVar(&c.concurrency, "concurrency", 32, "concurrent callers")
	flag.IntVar(&c.listRows, "list-rows", 10000, "courses and plans in the read model for the list benchmark")
	flag.IntVar(&c.listCalls, "list-calls", 300, "calls per list endpoint")
	flag.IntVar(&c.scaleCourses, "scale-courses", 10000, "open courses for the worker's memory")
	flag.IntVar(&c.cacheSize, "cache-size", 2000, "the worker's workflow cache (TVP_WORKER_CACHE_SIZE)")
	flag.IntVar(&c.fixedPollers, "fixed-pollers", 0, "the worker's workflow-task pollers: this many, fixed (the SDK's default is 2), instead of autoscaling (TVP_WORKER_FIXED_POLLERS)")
	flag.IntVar(&c.yearCourses, "year-courses", 1000, "courses of the municipality-year")
	flag.IntVar(&c.yearPlans, "year-plans", 1000, "collaboration plans of the municipality-year")
	flag.DurationVar(&c.year, "year", 16*time.Minute, "how long the municipality-year's year lasts")
	flag.DurationVar(&c.registerCacheTTL, "register-cache-ttl", 5*time.Second, "the API's staff-register cache (TVP_REGISTER_CACHE_TTL; 0: off)")
	flag.StringVar(&c.before, "before", "", "compare: also an API without each of these changes, in the same rounds: register (the staff-register cache), token (the verified-token cache), audit (the audit log's group commit), pool (every open database connection kept idle), comma-separated")
	flag.DurationVar(&settle, "settle", settle, "the longest wait for the machine to settle before each measure (a shared machine never does)")
	flag.Parse()
	if err := run(c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// phase is one measure.
type phase struct {
	name string
	fn   func(context.Context) error
}

// bench is what every measure shares: one store, one Temporal client, the API and a worker.
type bench struct {
	cfg      config
	store    *store.Store
	tc       client.Client
	keys     string // the payload keys, for the worker process
	dc       converter.DataConverter
	queue    string
	worker   *workerProc
	srv      *httptest.Server
	befores  []side // the API without one change each (-before)
	hc       *http.Client
	tokens   map[string]string
	team     domain.Team
	report   *report
	progress io.Writer
}

func run(c config) error {
	if c.dsn == "" || c.temporal == "" {
		return fmt.Errorf("set TVP_BENCH_DATABASE_URL and TVP_BENCH_TEMPORAL_ADDRESS (make bench does)")
	}
	ctx := context.Background()
	s, err := store.Open(ctx, c.dsn)
	if err != nil {
		return err
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		return err
	}
	if err := demo.LoadRegister(ctx, s); err != nil {
		return err
	}
	// Consultants of the team beside the demo's four, so that the comparison's referrals spread
	// over a team's worth of caseloads, as a municipality's do, instead of all naming one
	// consultant (whose row each referral locks and whose open courses it counts).
	for i := range spreadConsultants {
		team := "ungeteam"
		if err := s.UpsertStaff(ctx, domain.Staff{ID: benchConsultant(i), Name: fmt.Sprintf("Bench Konsulent %d", i), TeamID: &team,
			HoursPerWeek: 37, LeadID: &benchLead.ID, Roles: []domain.Role{domain.RoleConsultant}}); err != nil {
			return err
		}
	}
	team, err := s.GetTeam(ctx, "ungeteam")
	if err != nil {
		return err
	}
	team.Settings.CaseloadMax = 1 << 20 // the benchmark measures the machinery, not the norm
	if err := s.UpsertTeam(ctx, team); err != nil {
		return err
	}
	key, _ := codec.GenerateKey()
	keySpec := "bench:" + key
	keys, err := codec.ParseKeys(keySpec)
	if err != nil {
		return err
	}
	m, _ := metrics.New()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tc, err := temporalx.Dial(ctx, temporalx.Options{Address: c.temporal, Namespace: "default", Logger: log, Metrics: m.Temporal(), DataConverter: keys.DataConverter()})
	if err != nil {
		return err
	}
	defer tc.Close()
	b := &bench{cfg: c, store: s, tc: tc, keys: keySpec, dc: keys.DataConverter(), queue: "bench-" + uuid.NewString()[:8], team: team,
		report: &report{path: c.out}, progress: os.Stderr, tokens: map[string]string{}}
	b.report.header(c)

	app, err := store.Open(ctx, c.dsn, store.AsRole(store.AppRole)) // the API as it runs: the application's role
	if err != nil {
		return err
	}
	defer app.Close()
	svcCfg := service.Config{TaskQueue: b.queue, TemporalTimeout: 30 * time.Second, CPRPepper: "bench", RegisterCacheTTL: c.registerCacheTTL}
	parts := tvpapp.Parts{Store: app, Temporal: tc, Metrics: m, Log: log}
	// The API trusts the development OpenID provider (internal/dev/idp), in this process; its
	// callers log in to it once.
	b.srv = httptest.NewUnstartedServer(nil)
	idpSrv := httptest.NewUnstartedServer(nil)
	idpKey, err := idp.GenerateKey()
	if err != nil {
		return err
	}
	const password, audience = "bench", "tvp-api"
	apiURL := "http://" + b.srv.Listener.Addr().String()
	provider, err := idp.New(idp.Config{Issuer: "http://" + idpSrv.Listener.Addr().String(), Key: idpKey,
		Users: idp.DemoUsers(password), Clients: idp.TVPClients(apiURL, "tvp", auth.Random(), audience),
		AccessTokenLifetime: 6 * time.Hour, Log: log}) // longer than the longest run
	if err != nil {
		return err
	}
	idpSrv.Config.Handler = provider
	idpSrv.Start()
	defer idpSrv.Close()
	verifier, err := auth.Discover(ctx, auth.Config{Issuer: provider.Issuer(), ClientID: "tvp", ClientSecret: "unused",
		RedirectURL: apiURL + "/login/callback", Audience: audience, APIClients: []string{idp.CLIClientID}, LinkClaim: "email"})
	if err != nil {
		return err
	}
	assembled, err := tvpapp.New(parts, tvpapp.Settings{Service: svcCfg, Verifier: verifier.Verifier()})
	if err != nil {
		return err
	}
	b.srv.Config.Handler = assembled.Handler
	b.srv.Start()
	defer b.srv.Close()
	for _, change := range strings.FieldsFunc(c.before, func(r rune) bool { return r == ',' }) {
		cfg, v, st, name := svcCfg, verifier.Verifier(), app, ""
		switch change {
		case "register":
			cfg.RegisterCacheTTL, name = 0, "the API without the register cache"
		case "token":
			v, name = v.WithoutCache(), "the API without the verified-token cache"
		case "audit":
			if st, err = store.Open(ctx, c.dsn, store.AsRole(store.AppRole), store.WithoutAuditGroupCommit()); err != nil {
				return err
			}
			defer st.Close()
			name = "the API without the audit log's group commit"
		case "pool":
			if st, err = store.Open(ctx, c.dsn, store.AsRole(store.AppRole), store.WithMaxIdleConns(10)); err != nil {
				return err
			}
			defer st.Close()
			name = "the API with 10 idle connections kept"
		default:
			return fmt.Errorf("-before: unknown change %q (register, token, audit, pool)", change)
		}
		p := parts
		p.Store = st
		other, err := tvpapp.New(p, tvpapp.Settings{Service: cfg, Verifier: v})
		if err != nil {
			return err
		}
		srv := httptest.NewServer(other.Handler)
		defer srv.Close()
		b.befores = append(b.befores, side{name: name, srv: srv})
	}
	for _, u := range []string{"konsulent.anna", benchLead.ID, "admin"} {
		t, err := idp.Token(ctx, provider.Issuer(), idp.CLIClientID, idp.CLIRedirectURI, u, password)
		if err != nil {
			return err
		}
		b.tokens[u] = t.AccessToken
	}
	b.hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c.concurrency * 2}}

	phases := strings.Split(c.phases, ",")
	steps := []phase{{"compare", b.compare}, {"lists", b.lists}, {"scale", b.scale}, {"year", b.municipalityYear}}
	for _, p := range phases {
		if !slices.ContainsFunc(steps, func(s phase) bool { return s.name == p }) {
			return fmt.Errorf("unknown phase %q (compare, lists, scale, year)", p)
		}
	}
	defer func() {
		if b.worker != nil {
			_ = b.worker.stop()
		}
	}()
	for _, st := range steps {
		if !slices.Contains(phases, st.name) {
			continue
		}
		fmt.Fprintf(b.progress, "== %s\n", st.name)
		if err := st.fn(ctx); err != nil {
			return fmt.Errorf("%s: %w", st.name, err)
		}
		if err := b.report.write(); err != nil {
			return err
		}
	}
	fmt.Print(b.report.String())
	return nil
}

// side is an API server the compare phase measures.
type side struct {
	name string
	srv  *httptest.Server
}

// ensureWorker starts the shared worker process if none runs.
func (b *bench) ensureWorker(ctx context.Context) error {
	if b.worker != nil {
		return nil
	}
	w, err := startWorker(ctx, b, b.cfg.cacheSize)
	if err != nil {
		return err
	}
	b.worker = w
	return nil
}

// report is the Markdown the benchmark prints and writes, section by section.
type report struct {
	path string
	b    strings.Builder
}

func (r *report) header(c config) {
	host, _ := os.Hostname()
	server := os.Getenv("TVP_BENCH_TEMPORAL_KIND") // scripts/bench.sh names a server it did not start (BENCH_TEMPORAL)
	if server == "" {
		server = "the Temporal dev server (in memory, SQLite)"
	}
	fmt.Fprintf(&r.b, "# TVP benchmark, %s\n\nOn %s (%d CPUs): %s and PostgreSQL on this machine; "+
		"the API and its callers in one process, the worker in another. Every ratio compares two figures measured in this run.\n",
		time.Now().UTC().Format(time.RFC3339), host, numCPU(), server)
	pollers := "autoscaling"
	if c.fixedPollers > 0 {
		pollers = fmt.Sprintf("%d, fixed", c.fixedPollers)
	}
	fmt.Fprintf(&r.b, "The worker's workflow-task pollers: %s.\n", pollers)
}

func (r *report) section(title string) { fmt.Fprintf(&r.b, "\n## %s\n\n", title) }

func (r *report) line(format string, args ...any) { fmt.Fprintf(&r.b, format+"\n", args...) }

func (r *report) table(head []string, rows [][]string) {
	r.b.WriteString("| " + strings.Join(head, " | ") + " |\n|" + strings.Repeat("---|", len(head)) + "\n")
	for _, row := range rows {
		r.b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	r.b.WriteString("\n")
}

func (r *report) String() string { return r.b.String() }

func (r *report) write() error {
	if err := os.MkdirAll(filepath.Dir(r.path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(r.path, []byte(r.b.String()), 0o644)
}

// spreadConsultants is how many consultants the comparison's referrals spread over; the
// team's lead (benchLead) refers and steps and reads its courses.
const spreadConsultants = 100

func benchConsultant(i int) string { return fmt.Sprintf("bench.konsulent.%03d", i%spreadConsultants) }
