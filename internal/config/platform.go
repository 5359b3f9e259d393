package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// The values of TVP_ENV.
const (
	Development = "development"
	Production  = "production"
)

// DevPepper is the CPR pepper's default: for a developer's machine only (production refuses it).
const DevPepper = "dev-only-pepper-change-me"

// Platform are the settings of production mode, the connection to Temporal, rate limits and
// the rotation of the CPR pepper. Config embeds them.
type Platform struct {
	// Env is development (the binary's default) or production (the container image's): in
	// production a command refuses to start on a setting that is safe only on a developer's
	// machine (CheckProduction).
	Env string `env:"TVP_ENV" envDefault:"development"`
	// TemporalTLS*: mutual TLS to the Temporal frontend. A client certificate and its key (PEM
	// files), the CA that signed the frontend's certificate (empty: the system's roots) and the
	// name it carries (empty: the address's host). None set: plain gRPC (development only).
	TemporalTLSCert       string `env:"TVP_TEMPORAL_TLS_CERT"`
	TemporalTLSKey        string `env:"TVP_TEMPORAL_TLS_KEY"`
	TemporalTLSCA         string `env:"TVP_TEMPORAL_TLS_CA"`
	TemporalTLSServerName string `env:"TVP_TEMPORAL_TLS_SERVER_NAME"`
	// CPRPepperPrevious is the pepper being rotated out: while it is set, a citizen recorded
	// under it is recognised too, and tvp citizens rehash moves the stored hashes from it to
	// TVP_CPR_PEPPER. Unset it once rehash reports none left.
	CPRPepperPrevious string `env:"TVP_CPR_PEPPER_PREVIOUS"`
	// Rate limits ("20/s burst 40"; "off"): of the API per user and per address, and of the
	// login per user (the name a login form posts) and per address.
	RateAPIUser      Rate `env:"TVP_RATE_API_USER" envDefault:"10/s burst 40"`
	RateAPIAddress   Rate `env:"TVP_RATE_API_ADDRESS" envDefault:"50/s burst 200"`
	RateLoginUser    Rate `env:"TVP_RATE_LOGIN_USER" envDefault:"10/m burst 10"`
	RateLoginAddress Rate `env:"TVP_RATE_LOGIN_ADDRESS" envDefault:"30/m burst 60"`
	// TrustedProxies are the reverse proxies (CIDR prefixes, comma-separated) whose
	// X-Forwarded-For names the client's address; empty: the connection's peer is the client.
	TrustedProxies Prefixes `env:"TVP_TRUSTED_PROXIES"`
}

// Production reports whether TVP runs in production mode.
func (p Platform) Production() bool { return p.Env == Production }

func (p *Platform) flags(fs *flag.FlagSet) {
	fs.StringVar(&p.Env, "env", p.Env, "development or production; production refuses unsafe settings (TVP_ENV)")
	fs.StringVar(&p.TemporalTLSCert, "temporal-tls-cert", p.TemporalTLSCert, "client certificate (PEM) for mutual TLS to Temporal (TVP_TEMPORAL_TLS_CERT)")
	fs.StringVar(&p.TemporalTLSKey, "temporal-tls-key", p.TemporalTLSKey, "its private key (PEM) (TVP_TEMPORAL_TLS_KEY)")
	fs.StringVar(&p.TemporalTLSCA, "temporal-tls-ca", p.TemporalTLSCA, "CA certificates (PEM) of the Temporal frontend; empty: the system's (TVP_TEMPORAL_TLS_CA)")
	fs.StringVar(&p.TemporalTLSServerName, "temporal-tls-server-name", p.TemporalTLSServerName, "name in the Temporal frontend's certificate; empty: the address's host (TVP_TEMPORAL_TLS_SERVER_NAME)")
	fs.TextVar(&p.RateAPIUser, "rate-api-user", p.RateAPIUser, "API requests per user, e.g. \"10/s burst 40\" or \"off\" (TVP_RATE_API_USER)")
	fs.TextVar(&p.RateAPIAddress, "rate-api-address", p.RateAPIAddress, "API requests per client address (TVP_RATE_API_ADDRESS)")
	fs.TextVar(&p.RateLoginUser, "rate-login-user", p.RateLoginUser, "login attempts per user name (TVP_RATE_LOGIN_USER)")
	fs.TextVar(&p.RateLoginAddress, "rate-login-address", p.RateLoginAddress, "login requests per client address (TVP_RATE_LOGIN_ADDRESS)")
	fs.TextVar(&p.TrustedProxies, "trusted-proxies", p.TrustedProxies, "reverse proxies whose X-Forwarded-For is believed, CIDR prefixes (TVP_TRUSTED_PROXIES)")
}

func (p Platform) validate(pepper string) error {
	if p.Env != Development && p.Env != Production {
		return fmt.Errorf("TVP_ENV must be %s or %s, got %q", Development, Production, p.Env)
	}
	if (p.TemporalTLSCert == "") != (p.TemporalTLSKey == "") {
		return errors.New("TVP_TEMPORAL_TLS_CERT and TVP_TEMPORAL_TLS_KEY go together: a client certificate and its key")
	}
	if p.TemporalTLSServerName != "" && !p.TemporalTLS() {
		return errors.New("TVP_TEMPORAL_TLS_SERVER_NAME needs TLS: set TVP_TEMPORAL_TLS_CERT and _KEY, or TVP_TEMPORAL_TLS_CA")
	}
	if p.CPRPepperPrevious != "" && p.CPRPepperPrevious == pepper {
		return errors.New("TVP_CPR_PEPPER_PREVIOUS is TVP_CPR_PEPPER: a rotation needs a new pepper")
	}
	return nil
}

// TemporalTLS reports whether the connection to Temporal uses TLS.
func (p Platform) TemporalTLS() bool {
	return p.TemporalTLSCert != "" || p.TemporalTLSKey != "" || p.TemporalTLSCA != ""
}

func (p Platform) logAttrs() []slog.Attr {
	return []slog.Attr{
		slog.String("env", p.Env),
		slog.Bool("temporal_tls", p.TemporalTLS()),
		slog.Bool("temporal_mtls", p.TemporalTLSCert != ""),
		slog.String("cpr_pepper_previous", mask(p.CPRPepperPrevious)),
		slog.String("rate_api_user", p.RateAPIUser.String()),
		slog.String("rate_api_address", p.RateAPIAddress.String()),
		slog.String("rate_login_user", p.RateLoginUser.String()),
		slog.String("rate_login_address", p.RateLoginAddress.String()),
		slog.String("trusted_proxies", p.TrustedProxies.String()),
	}
}

// Rate is a rate limit: Burst requests at once, then one every Per/Count. The zero Rate is no
// limit ("off").
type Rate struct {
	Count int
	Per   time.Duration
	Burst int
}

// Off reports whether the rate limits nothing.
func (r Rate) Off() bool { return r.Count == 0 }

// PerSecond is the sustained rate.
func (r Rate) PerSecond() float64 {
	if r.Off() {
		return math.Inf(1)
	}
	return float64(r.Count) / r.Per.Seconds()
}

var rateUnits = map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}

// UnmarshalText reads "COUNT/UNIT [burst N]" (UNIT s, m or h; the burst defaults to COUNT), or
// "off".
func (r *Rate) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "off" || s == "" {
		*r = Rate{}
		return nil
	}
	bad := fmt.Errorf("rate %q: want COUNT/UNIT [burst N] (UNIT s, m or h), e.g. \"10/s burst 40\", or off", s)
	f := strings.Fields(s)
	if len(f) != 1 && (len(f) != 3 || f[1] != "burst") {
		return bad
	}
	count, unit, ok := strings.Cut(f[0], "/")
	n, err := strconv.Atoi(count)
	per, known := rateUnits[unit]
	if !ok || err != nil || !known || n <= 0 {
		return bad
	}
	burst := n
	if len(f) == 3 {
		if burst, err = strconv.Atoi(f[2]); err != nil || burst <= 0 {
			return bad
		}
	}
	*r = Rate{Count: n, Per: per, Burst: burst}
	return nil
}

// MarshalText writes the rate as UnmarshalText reads it.
func (r Rate) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

func (r Rate) String() string {
	if r.Off() {
		return "off"
	}
	unit := "s"
	for u, d := range rateUnits {
		if d == r.Per {
			unit = u
		}
	}
	return fmt.Sprintf("%d/%s burst %d", r.Count, unit, r.Burst)
}

// Prefixes are IP prefixes, written comma-separated (a bare address is its own prefix).
type Prefixes []netip.Prefix

// UnmarshalText reads "10.0.0.0/8, 192.168.1.10".
func (p *Prefixes) UnmarshalText(b []byte) error {
	var out Prefixes
	for _, s := range strings.Split(string(b), ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			addr, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return fmt.Errorf("trusted proxies: %q is not an address or a CIDR prefix", s)
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		out = append(out, pfx.Masked())
	}
	*p = out
	return nil
}

// MarshalText writes the prefixes as UnmarshalText reads them.
func (p Prefixes) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

func (p Prefixes) String() string {
	s := make([]string, len(p))
	for i, x := range p {
		s[i] = x.String()
	}
	return strings.Join(s, ",")
}
