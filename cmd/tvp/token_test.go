package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/config"
	"tvp/internal/dev/idp"
	"tvp/internal/testing/testenv"
)

// With dev auth the API runs the development provider and trusts it as it would the
// municipality's: tvp token logs in to it (the authorization code grant with PKCE, as its
// public client) and prints an access token that the API's verifier takes. The provider's key
// is kept in a file (0600) across restarts.
func TestDevProviderAndToken(t *testing.T) {
	addr := testenv.FreeAddr(t)
	keyFile := t.TempDir() + "/dev-issuer.pem"
	t.Setenv("TVP_DEV_AUTH", "true")
	t.Setenv("TVP_DEV_IDP_ADDR", addr)
	t.Setenv("TVP_DEV_ISSUER_KEY", keyFile)
	t.Setenv("TVP_DEV_PASSWORD", "pw")
	cfg, err := config.Load(flag.NewFlagSet("test", flag.ContinueOnError), nil)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	provider, citizens, err := login(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	require.NotNil(t, citizens, "citizens log in at the development provider too")
	assert.Equal(t, "http://"+addr, citizens.Issuer())
	assert.Equal(t, "http://"+addr, provider.Issuer())
	fi, err := os.Stat(keyFile)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	var out, errOut bytes.Buffer
	require.Equal(t, 0, run([]string{"token", "konsulent.anna"}, &out, &errOut), errOut.String())
	tok := strings.TrimSpace(out.String())
	id, err := provider.Verifier().VerifyAccessToken(ctx, tok)
	require.NoError(t, err, "the API takes it")
	assert.Equal(t, idp.DemoSubject("konsulent.anna"), id.Subject)

	t.Setenv("TVP_DEV_PASSWORD", "wrong")
	out.Reset()
	errOut.Reset()
	assert.Equal(t, 1, run([]string{"token", "konsulent.anna"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "401")
	assert.Empty(t, out.String())
}

// tvp token without a provider says where it looked.
func TestTokenWithoutAProvider(t *testing.T) {
	srv := httptest.NewServer(nil)
	srv.Close()
	t.Setenv("TVP_DEV_IDP_URL", srv.URL)
	var out, errOut bytes.Buffer
	assert.Equal(t, 1, run([]string{"token", "konsulent.anna"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "is make dev running?")
	assert.Equal(t, 1, strings.Count(strings.TrimSpace(errOut.String()), "\n")+1, "one line: %q", errOut.String())
}
