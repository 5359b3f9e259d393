package api

import (
	"html/template"
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"tvp/domain"
	"tvp/words"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// RateLimits bound how often one user and one address may call the API and the login. Each
// API process counts on its own. A zero Rate limits nothing (the tests' default; the binary
// passes TVP_RATE_*).
type RateLimits struct {
	// APIPerAddress is counted before authentication, APIPerUser after it (per staff member).
	APIPerUser, APIPerAddress Rate
	// LoginPerAddress counts every request to a login path; LoginPerUser the posts of a
	// login form per user name it carries (the field "username" or "user").
	LoginPerUser, LoginPerAddress Rate
	// LoginPaths are the login's paths, each with what lies under it; nil: /login.
	LoginPaths []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the client; a request
	// from anywhere else is counted by its connection's address.
	TrustedProxies []netip.Prefix
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

// Rate is a token bucket: Burst requests at once, then PerSecond. Zero PerSecond: no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// limits are the server's limiters, made from Deps.RateLimits.
type limits struct {
	RateLimits
	apiUser, apiAddress, loginUser, loginAddress *limiter
}

func newLimits(r RateLimits) *limits {
	if r.Now == nil {
		r.Now = time.Now
	}
	if r.LoginPaths == nil {
		r.LoginPaths = []string{"/login"}
	}
	return &limits{RateLimits: r,
		apiUser: newLimiter(r.APIPerUser, r.Now), apiAddress: newLimiter(r.APIPerAddress, r.Now),
		loginUser: newLimiter(r.LoginPerUser, r.Now), loginAddress: newLimiter(r.LoginPerAddress, r.Now)}
}

// limitRequests is a global middleware: a request to the API is counted against its address,
// a request to a login path against its address and the user name it posts. Mount it before
// every route (e.Use); the API's per-user count follows authentication (limitUser).
func (s *Server) limitRequests(c *gin.Context) {
	p := c.Request.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/v1/") && p != "/api/v1/openapi.json":
		s.limit(c, s.limits.apiAddress.take(s.limits.clientAddress(c.Request)))
	case s.limits.loginPath(p):
		s.limit(c, s.limits.login(c.Request))
	}
}

// LimitLogin counts every request to one of r.LoginPaths of next (an OpenID provider's own
// login form: the development provider) against its address and the user name it posts, as
// TVP's login is counted; a request over the limit is answered 429. A production provider
// counts its own logins: TVP sees no user name or password there.
func LimitLogin(r RateLimits, next http.Handler) http.Handler {
	l := newLimits(r)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if l.loginPath(req.URL.Path) {
			if wait := l.login(req); wait > 0 {
				writeLimited(w, req, wait)
				return
			}
		}
		next.ServeHTTP(w, req)
	})
}

// limitUser counts an authenticated API request against its caller.
func (s *Server) limitUser(c *gin.Context) {
	s.limit(c, s.limits.apiUser.take(caller(c).Actor.ID))
}

// limit lets the request go on when wait is zero, or answers 429 and aborts.
func (s *Server) limit(c *gin.Context, wait time.Duration) {
	if wait > 0 {
		writeLimited(c.Writer, c.Request, wait)
		c.Abort()
	}
}

// login counts a request to a login path against its address, and a post against the user
// name it carries: zero, or how long until the request may be made.
func (l *limits) login(r *http.Request) time.Duration {
	if wait := l.loginAddress.take(l.clientAddress(r)); wait > 0 {
		return wait
	}
	if user := postedUser(r); user != "" {
		return l.loginUser.take(user)
	}
	return 0
}

// writeLimited answers 429 with Retry-After: problem+json, or a page in Danish to a browser
// (the login is a page).
func writeLimited(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int(math.Ceil(wait.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	p := problemOf(domain.Errorf(domain.ERateLimited, "too many requests; try again in %d s", secs), r.URL.Path)
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(p.Status)
		_ = limitedPage.Execute(w, struct{ Title, Text string }{words.Error(p.Code), words.TryAgainIn(secs)})
		return
	}
	writeProblem(w, p)
}

var limitedPage = template.Must(template.New("limited").Parse(`<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>{{.Title}} – TVP</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{{.Title}}</h1>
<p>{{.Text}}</p></main></body></html>
`))

func (l *limits) loginPath(p string) bool {
	for _, lp := range l.LoginPaths {
		if p == lp || strings.HasPrefix(p, strings.TrimSuffix(lp, "/")+"/") {
			return true
		}
	}
	return false
}

// clientAddress is the key of a request's address: its connection's peer, or, from a trusted
// proxy, the nearest address in X-Forwarded-For that is not a trusted proxy. An IPv6 address
// counts by its /64, which one subscriber usually has whole.
func (l *limits) clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if l.trusted(addr) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			addr = hop.Unmap()
			if !l.trusted(addr) {
				break
			}
		}
	}
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

func (l *limits) trusted(a netip.Addr) bool {
	for _, p := range l.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// postedUser is the user name a login form posts, if any (at most 200 bytes of it).
func postedUser(r *http.Request) string {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return ""
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return ""
	}
	u := strings.ToLower(strings.TrimSpace(r.PostForm.Get("username")))
	if u == "" {
		u = strings.ToLower(strings.TrimSpace(r.PostForm.Get("user")))
	}
	return u[:min(len(u), 200)]
}

// limiter holds a token bucket per key. A bucket that has filled up again is the same as none,
// so those are dropped when the map has grown (at most once a second); past maxKeys the keys
// it does not know share one bucket, so that many made-up keys cannot exhaust memory.
type limiter struct {
	rate    Rate
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt int
	swept   time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

const (
	minSweep = 1024
	maxKeys  = 100_000
	overflow = "\x00overflow"
)

func newLimiter(r Rate, now func() time.Time) *limiter {
	return &limiter{rate: r, now: now, buckets: map[string]*bucket{}, sweepAt: minSweep}
}

// take takes a token for key: zero, or how long until one is there (none is taken then).
func (l *limiter) take(key string) time.Duration {
	if l.rate.PerSecond <= 0 {
		return 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.sweepAt && now.Sub(l.swept) >= time.Second {
			l.sweep(now)
		}
		if len(l.buckets) >= maxKeys {
			key = overflow
			b = l.buckets[key]
		}
		if b == nil {
			b = &bucket{lim: rate.NewLimiter(rate.Limit(l.rate.PerSecond), max(l.rate.Burst, 1))}
			l.buckets[key] = b
		}
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// sweep drops the buckets that have filled up again since they were last used.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(float64(max(l.rate.Burst, 1)) / l.rate.PerSecond * float64(time.Second))
	for k, b := range l.buckets {
		if now.Sub(b.seen) >= full {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = min(max(minSweep, 2*len(l.buckets)), maxKeys)
	l.swept = now
}
