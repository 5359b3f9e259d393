package temporalx

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// TLS secures the connection to the Temporal frontend: mutual TLS when a client certificate is
// given (the frontend then knows every process that talks to it), server-only TLS with only a
// CA. The zero value is a plain connection.
type TLS struct {
	// CertFile and KeyFile are the client's certificate (PEM, chain included) and private key.
	// They are read again at each handshake, so a renewed certificate is used without a restart.
	CertFile, KeyFile string
	// CAFile holds the CA certificates (PEM) that may have signed the frontend's certificate.
	// Empty: the system's roots.
	CAFile string
	// ServerName is the name the frontend's certificate must carry. Empty: the host of the
	// address dialled.
	ServerName string
}

// Enabled reports whether the connection uses TLS.
func (t TLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" || t.CAFile != "" }

// Mutual reports whether the client presents a certificate.
func (t TLS) Mutual() bool { return t.CertFile != "" }

// Config returns the crypto/tls configuration, or nil for a plain connection. It reads the
// files once, so that a missing or broken file is an error at start, not at the first call.
func (t TLS) Config() (*tls.Config, error) {
	if !t.Enabled() {
		return nil, nil
	}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("TLS to Temporal: a client certificate needs its key and a key its certificate")
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS to Temporal: CA: %w", err)
		}
		c.RootCAs = x509.NewCertPool()
		if !c.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS to Temporal: CA: no PEM certificate in %s", t.CAFile)
		}
	}
	if t.Mutual() {
		if _, err := t.clientCertificate(); err != nil {
			return nil, err
		}
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return t.clientCertificate()
		}
	}
	return c, nil
}

func (t TLS) clientCertificate() (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS to Temporal: client certificate %s: %w", t.CertFile, err)
	}
	return &cert, nil
}
