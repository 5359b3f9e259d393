// Package auth verifies who calls TVP: OIDC bearer tokens, checked against the issuer's
// published keys (coreos/go-oidc). For development and tests it also has an issuer of its
// own that signs tokens for TVP's staff, so that `tvp dev` and the tests need no outside
// identity provider.
package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gin-gonic/gin"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ClientID is the audience TVP's tokens are issued for, unless configured otherwise.
const ClientID = "tvp"

// Verifier checks a raw token and returns the user it names (the staff id).
type Verifier struct {
	v *oidc.IDTokenVerifier
}

// Identify verifies the token's signature, issuer, audience and expiry, and returns the
// user: the preferred_username claim, else the subject.
func (v *Verifier) Identify(ctx context.Context, raw string) (string, error) {
	tok, err := v.v.Verify(ctx, raw)
	if err != nil {
		return "", fmt.Errorf("verify token: %w", err)
	}
	var claims struct {
		PreferredUsername string `json:"preferred_username"`
	}
	if err := tok.Claims(&claims); err != nil {
		return "", fmt.Errorf("token claims: %w", err)
	}
	if claims.PreferredUsername != "" {
		return claims.PreferredUsername, nil
	}
	if tok.Subject == "" {
		return "", errors.New("the token names no user")
	}
	return tok.Subject, nil
}

// NewOIDCVerifier discovers the issuer (its /.well-known/openid-configuration) and verifies
// tokens against the keys it publishes, fetched and refreshed by go-oidc.
func NewOIDCVerifier(ctx context.Context, issuer, clientID string) (*Verifier, error) {
	p, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC issuer %s: %w", issuer, err)
	}
	return &Verifier{v: p.Verifier(&oidc.Config{ClientID: clientID})}, nil
}

// DevIssuer is TVP's own issuer for development and tests: it signs RS256 tokens and
// publishes its key as an OIDC issuer does.
type DevIssuer struct {
	url string
	key *rsa.PrivateKey
	kid string
}

// NewDevIssuer returns an issuer at url (its discovery document is url +
// "/.well-known/openid-configuration") signing with key.
func NewDevIssuer(url string, key *rsa.PrivateKey) *DevIssuer {
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	sum := sha256.Sum256(der)
	return &DevIssuer{url: url, key: key, kid: hex.EncodeToString(sum[:8])}
}

// URL is the issuer's URL.
func (i *DevIssuer) URL() string { return i.url }

// GenerateKey makes a new RSA key.
func GenerateKey() (*rsa.PrivateKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return k, nil
}

// LoadOrCreateKey reads a PEM RSA key from path, creating one there if there is none, so that
// tokens stay valid across restarts of `tvp dev`.
func LoadOrCreateKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, fmt.Errorf("dev issuer key %s: not PEM", path)
		}
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("dev issuer key %s: %w", path, err)
		}
		return k, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("dev issuer key: %w", err)
	}
	k, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("dev issuer key: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("dev issuer key: %w", err)
	}
	return k, nil
}

// Token signs a token for the user, valid for ttl.
func (i *DevIssuer) Token(user string, ttl time.Duration) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: i.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", i.kid))
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	now := time.Now()
	claims := struct {
		jwt.Claims
		PreferredUsername string `json:"preferred_username"`
	}{
		Claims: jwt.Claims{
			Issuer: i.url, Subject: user, Audience: jwt.Audience{ClientID},
			IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now.Add(-time.Minute)),
			Expiry: jwt.NewNumericDate(now.Add(ttl)),
		},
		PreferredUsername: user,
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return tok, nil
}

// Verifier verifies this issuer's tokens with its public key (no HTTP round trip).
func (i *DevIssuer) Verifier() *Verifier {
	ks := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{&i.key.PublicKey}}
	return &Verifier{v: oidc.NewVerifier(i.url, ks, &oidc.Config{ClientID: ClientID})}
}

// Routes publishes the issuer's discovery document and keys on r, at the issuer URL's path.
func (i *DevIssuer) Routes(r gin.IRouter, path string) {
	r.GET(path+"/.well-known/openid-configuration", func(c *gin.Context) {
		c.JSON(http.StatusOK, gin.H{
			"issuer":                                i.url,
			"jwks_uri":                              i.url + "/keys",
			"authorization_endpoint":                i.url + "/authorize",
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	r.GET(path+"/keys", func(c *gin.Context) {
		c.JSON(http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
			Key: &i.key.PublicKey, KeyID: i.kid, Algorithm: string(jose.RS256), Use: "sig",
		}}})
	})
}
