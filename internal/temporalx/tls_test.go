package temporalx_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"tvp/internal/temporalx"
	"tvp/internal/testing/testenv"
)

// mtlsFrontend puts a TLS listener in front of the test's Temporal server that, like a
// frontend configured with requireClientAuth, completes a handshake only with a client
// certificate signed by the CA in dir, and then passes the connection through.
func mtlsFrontend(t *testing.T, dir string) string {
	t.Helper()
	backend := testenv.TemporalAddress(t)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, temporalx.ServerFile), filepath.Join(dir, temporalx.ServerKeyFile))
	require.NoError(t, err)
	caPEM, err := os.ReadFile(filepath.Join(dir, temporalx.CAFile))
	require.NoError(t, err)
	clients := x509.NewCertPool()
	require.True(t, clients.AppendCertsFromPEM(caPEM))
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clients,
		NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12,
	})
	require.NoError(t, err)
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if err := c.(*tls.Conn).Handshake(); err != nil {
					return
				}
				b, err := net.Dial("tcp", backend)
				if err != nil {
					return
				}
				defer b.Close()
				go func() { _, _ = io.Copy(b, c); b.Close() }()
				_, _ = io.Copy(c, b)
			}()
		}
	}()
	return ln.Addr().String()
}

func pki(t *testing.T, names ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "pki")
	created, err := temporalx.WritePKI(dir, names, time.Hour)
	require.NoError(t, err)
	require.True(t, created)
	return dir
}

// The processes reach a frontend that requires client certificates only with theirs, signed
// by the CA the frontend trusts, and only if the frontend's certificate carries the expected
// name and is signed by the CA they trust.
func TestDialMutualTLS(t *testing.T) {
	dir := pki(t, "temporal", "127.0.0.1")
	other := pki(t, "temporal")
	addr := mtlsFrontend(t, dir)
	good := temporalx.TLS{
		CertFile: filepath.Join(dir, temporalx.ClientFile), KeyFile: filepath.Join(dir, temporalx.ClientKeyFile),
		CAFile: filepath.Join(dir, temporalx.CAFile), ServerName: "temporal",
	}
	tests := []struct {
		name   string
		tls    func(temporalx.TLS) temporalx.TLS
		dialed bool
	}{
		{"with the client certificate", func(c temporalx.TLS) temporalx.TLS { return c }, true},
		{"by the address's IP, which the certificate names too", func(c temporalx.TLS) temporalx.TLS { c.ServerName = ""; return c }, true},
		{"without a client certificate", func(c temporalx.TLS) temporalx.TLS { c.CertFile, c.KeyFile = "", ""; return c }, false},
		{"with a client certificate of another CA", func(c temporalx.TLS) temporalx.TLS {
			c.CertFile, c.KeyFile = filepath.Join(other, temporalx.ClientFile), filepath.Join(other, temporalx.ClientKeyFile)
			return c
		}, false},
		{"trusting another CA", func(c temporalx.TLS) temporalx.TLS { c.CAFile = filepath.Join(other, temporalx.CAFile); return c }, false},
		{"expecting another server name", func(c temporalx.TLS) temporalx.TLS { c.ServerName = "temporal.elsewhere"; return c }, false},
		{"in plain text", func(temporalx.TLS) temporalx.TLS { return temporalx.TLS{} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			c, err := temporalx.Dial(ctx, temporalx.Options{Address: addr, Namespace: "default", TLS: tt.tls(good)})
			if !tt.dialed {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "connect to Temporal at "+addr)
				return
			}
			require.NoError(t, err)
			defer c.Close()
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			assert.NoError(t, err)
		})
	}
}

func TestTLSConfigRefusesBrokenFiles(t *testing.T) {
	dir := pki(t, "temporal")
	cert, key, ca := filepath.Join(dir, temporalx.ClientFile), filepath.Join(dir, temporalx.ClientKeyFile), filepath.Join(dir, temporalx.CAFile)
	tests := []struct {
		name, want string
		tls        temporalx.TLS
	}{
		{"a certificate without its key", "needs its key", temporalx.TLS{CertFile: cert, CAFile: ca}},
		{"a key without its certificate", "needs its key", temporalx.TLS{KeyFile: key, CAFile: ca}},
		{"a missing CA", "no such file", temporalx.TLS{CertFile: cert, KeyFile: key, CAFile: filepath.Join(dir, "nope.pem")}},
		{"a CA that is no certificate", "no PEM certificate", temporalx.TLS{CertFile: cert, KeyFile: key, CAFile: key}},
		{"a key that does not fit", "client certificate", temporalx.TLS{CertFile: cert, KeyFile: filepath.Join(dir, temporalx.ServerKeyFile), CAFile: ca}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.tls.Config()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			_, err = temporalx.Dial(context.Background(), temporalx.Options{Address: "127.0.0.1:1", TLS: tt.tls})
			require.Error(t, err, "Dial fails at once")
		})
	}
	c, err := temporalx.TLS{}.Config()
	require.NoError(t, err)
	assert.Nil(t, c, "no TLS: plain")
}

func TestWritePKIKeepsAnExistingOne(t *testing.T) {
	dir := pki(t, "temporal")
	before, err := os.ReadFile(filepath.Join(dir, temporalx.ClientKeyFile))
	require.NoError(t, err)
	created, err := temporalx.WritePKI(dir, []string{"temporal"}, time.Hour)
	require.NoError(t, err)
	assert.False(t, created)
	after, err := os.ReadFile(filepath.Join(dir, temporalx.ClientKeyFile))
	require.NoError(t, err)
	assert.Equal(t, before, after)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 5, "no CA key among the files")
}
