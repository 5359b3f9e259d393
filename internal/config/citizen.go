package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

// CitizenLogin is how citizens log in to their own plan or course: a second OpenID client,
// in production at MitID through NemLog-in or the municipality's broker, in tvp dev at the
// development provider (whose demo citizens have made-up CPR numbers). The provider vouches
// for the citizen's CPR number in a claim; TVP recognises the citizen by the number's keyed
// hash (TVP_CPR_PEPPER) and stores the number nowhere.
type CitizenLogin struct {
	// CitizenLoginEnabled: citizens may log in (the /borger pages). Off, the pages say so.
	CitizenLoginEnabled bool `env:"TVP_CITIZEN_LOGIN" envDefault:"true"`
	// CitizenOIDCIssuer is the citizens' provider; empty: the staff provider's
	// (TVP_OIDC_ISSUER), or with dev auth the development provider.
	CitizenOIDCIssuer string `env:"TVP_CITIZEN_OIDC_ISSUER"`
	// CitizenOIDCClientID and CitizenOIDCClientSecret are the citizens' pages' registration
	// there: a confidential client (production refuses an empty secret), never the staff
	// pages' client.
	CitizenOIDCClientID     string `env:"TVP_CITIZEN_OIDC_CLIENT_ID" envDefault:"tvp-borger"`
	CitizenOIDCClientSecret string `env:"TVP_CITIZEN_OIDC_CLIENT_SECRET"`
	// CitizenOIDCScopes are asked for at login, comma-separated (openid always). A broker
	// that gives the CPR number under a scope of its own needs it here (Criipto: ssn).
	CitizenOIDCScopes []string `env:"TVP_CITIZEN_OIDC_SCOPES" envDefault:"openid" envSeparator:","`
	// CitizenCPRClaim names the claim (in the ID token, or else at userinfo) that carries the
	// citizen's CPR number, ten digits with or without the dash. Brokers differ: cpr (KMD
	// Identity and others), cprNumberIdentifier (Criipto); NemLog-in's own OpenID Connect
	// profile uses the OIOSAML 3 attribute name,
	// https://data.gov.dk/model/core/eid/cprNumber. The development provider asserts it
	// under this name too.
	CitizenCPRClaim string `env:"TVP_CITIZEN_CPR_CLAIM" envDefault:"cpr"`
	// CitizenSeesStaffNames: the citizen's "who has looked at my case" names the staff member
	// who read their data (a municipal decision); off, it says what they do ("en tovholder").
	CitizenSeesStaffNames bool `env:"TVP_CITIZEN_SEES_STAFF_NAMES" envDefault:"false"`
}

func (l *CitizenLogin) flags(fs *flag.FlagSet) {
	fs.BoolVar(&l.CitizenSeesStaffNames, "citizen-sees-staff-names", l.CitizenSeesStaffNames, "a citizen's access log names the staff who read their data (TVP_CITIZEN_SEES_STAFF_NAMES)")
	fs.BoolVar(&l.CitizenLoginEnabled, "citizen-login", l.CitizenLoginEnabled, "citizens may log in to their own plan or course (TVP_CITIZEN_LOGIN)")
	fs.StringVar(&l.CitizenOIDCIssuer, "citizen-oidc-issuer", l.CitizenOIDCIssuer, "the citizens' OpenID provider (MitID through NemLog-in or a broker); empty: TVP_OIDC_ISSUER (TVP_CITIZEN_OIDC_ISSUER)")
	fs.StringVar(&l.CitizenOIDCClientID, "citizen-oidc-client-id", l.CitizenOIDCClientID, "the citizens' pages' client id there (TVP_CITIZEN_OIDC_CLIENT_ID)")
	fs.Func("citizen-oidc-scopes", "scopes asked for at a citizen's login, comma-separated (TVP_CITIZEN_OIDC_SCOPES)", func(s string) error {
		l.CitizenOIDCScopes = splitList(s)
		return nil
	})
	fs.StringVar(&l.CitizenCPRClaim, "citizen-cpr-claim", l.CitizenCPRClaim, "the claim carrying the citizen's CPR number (TVP_CITIZEN_CPR_CLAIM)")
}

func (l CitizenLogin) validate(staffClientID string) error {
	if !l.CitizenLoginEnabled {
		return nil
	}
	if l.CitizenOIDCClientID == "" || l.CitizenOIDCClientID == staffClientID {
		return fmt.Errorf("TVP_CITIZEN_OIDC_CLIENT_ID must name the citizens' own client, not the staff pages' (%q)", staffClientID)
	}
	switch strings.TrimSpace(l.CitizenCPRClaim) {
	case "", "sub", "preferred_username", "name", "email":
		return fmt.Errorf("TVP_CITIZEN_CPR_CLAIM %q does not carry a CPR number", l.CitizenCPRClaim)
	}
	if l.CitizenOIDCIssuer != "" {
		if u, err := url.Parse(l.CitizenOIDCIssuer); err != nil || u.Host == "" {
			return fmt.Errorf("TVP_CITIZEN_OIDC_ISSUER must be a URL, got %q", l.CitizenOIDCIssuer)
		}
	}
	return nil
}

func (l CitizenLogin) logAttrs() []slog.Attr {
	return []slog.Attr{
		slog.Bool("citizen_login", l.CitizenLoginEnabled),
		slog.String("citizen_oidc_issuer", l.CitizenOIDCIssuer),
		slog.String("citizen_oidc_client_id", l.CitizenOIDCClientID),
		slog.String("citizen_oidc_client_secret", mask(l.CitizenOIDCClientSecret)),
		slog.String("citizen_cpr_claim", l.CitizenCPRClaim),
	}
}

// CitizenIssuer is the citizens' provider's issuer URL: TVP_CITIZEN_OIDC_ISSUER, or else the
// staff provider's (empty with dev auth: the development provider).
func (c Config) CitizenIssuer() string {
	if c.CitizenOIDCIssuer != "" {
		return strings.TrimSuffix(c.CitizenOIDCIssuer, "/")
	}
	return c.OIDCIssuer
}

// productionCitizenAuth refuses, when citizens may log in, an issuer that is not https (or
// is TVP itself) and a citizens' client without its secret.
func (c Config) productionCitizenAuth() error {
	if !c.CitizenLoginEnabled {
		return nil
	}
	if c.CitizenOIDCIssuer != "" {
		iss, err := url.Parse(c.CitizenOIDCIssuer)
		if err != nil || iss.Scheme != "https" || iss.Host == "" {
			return fmt.Errorf("TVP_CITIZEN_OIDC_ISSUER: production needs an https:// issuer, got %q", c.CitizenOIDCIssuer)
		}
		if pub, err := url.Parse(c.PublicURL); err == nil && strings.EqualFold(pub.Host, iss.Host) {
			return fmt.Errorf("TVP_CITIZEN_OIDC_ISSUER: %s is TVP itself; its development provider is refused in production", c.CitizenOIDCIssuer)
		}
	}
	if c.CitizenOIDCClientSecret == "" {
		return errors.New("TVP_CITIZEN_OIDC_CLIENT_SECRET: production needs the citizens' client's secret (a confidential client), or TVP_CITIZEN_LOGIN=false")
	}
	return nil
}
