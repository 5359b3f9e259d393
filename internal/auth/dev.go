package auth

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/uuid"
)

// Defaults of the development setup: the API's audience, the client whose access tokens it
// accepts (the development provider's CLI client) and the linking claim.
const (
	DevAudience  = "tvp-api"
	DevAPIClient = "tvp-cli"
)

// DevIssuer signs access tokens in process, with no provider and no HTTP endpoint, for the
// fault tests (chaos/) and the benchmark (bench/) that build the API by hand.
//
// Deprecated: start the development provider (internal/idp) as internal/apptest does; this
// goes once chaos/ and bench/ no longer call it. TVP itself never serves or trusts it.
type DevIssuer struct {
	url string
	key *rsa.PrivateKey
}

// NewDevIssuer returns an issuer named url that signs with key.
//
// Deprecated: see DevIssuer.
func NewDevIssuer(url string, key *rsa.PrivateKey) *DevIssuer {
	return &DevIssuer{url: url, key: key}
}

// GenerateKey makes a new RSA key.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// URL is the issuer's name.
func (i *DevIssuer) URL() string { return i.url }

// Token signs an access token for a demo staff member, valid for ttl, of the shape the API
// accepts (RFC 9068): an opaque subject, the API's audience, the CLI client, and the
// member's verified demo e-mail, by which the first call links the subject to the register.
func (i *DevIssuer) Token(user string, ttl time.Duration) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: i.key}, (&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	now := time.Now()
	claims := struct {
		jwt.Claims
		ClientID      string `json:"client_id"`
		Email         string `json:"email"`
		EmailVerified bool   `json:"email_verified"`
	}{
		Claims: jwt.Claims{
			Issuer: i.url, Subject: uuid.NewSHA1(uuid.NameSpaceURL, []byte(i.url+"#"+user)).String(),
			Audience: jwt.Audience{DevAudience}, ID: uuid.NewString(),
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			Expiry: jwt.NewNumericDate(now.Add(ttl)),
		},
		ClientID: DevAPIClient, Email: user + "@tvp.example", EmailVerified: true,
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return tok, nil
}

// Verifier verifies this issuer's tokens with its public key, as the API verifies a
// provider's.
func (i *DevIssuer) Verifier() *Verifier {
	ks := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&i.key.PublicKey}}
	return &Verifier{
		tokens: oidc.NewVerifier(i.url, ks, &oidc.Config{ClientID: DevAudience}), algs: []jose.SignatureAlgorithm{jose.RS256},
		clients: []string{DevAPIClient}, linkClaim: "email",
	}
}
