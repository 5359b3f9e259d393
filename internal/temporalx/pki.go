package temporalx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The files WritePKI writes into its directory.
const (
	CAFile        = "ca.pem"         // the CA's certificate (its key is never written)
	ServerFile    = "server.pem"     // the frontend's certificate
	ServerKeyFile = "server-key.pem" // and its key
	ClientFile    = "client.pem"     // the client certificate of TVP's processes and the Web UI
	ClientKeyFile = "client-key.pem" // and its key
)

// WritePKI makes a private CA for a Temporal frontend and its clients, as the compose stack
// needs (tvp certs): a certificate for the frontend under serverNames (host names or IP
// addresses; it may also serve as a client, as Temporal's own services use it between each
// other) and one client certificate, each valid for validFor. The CA's key signs them and is
// then forgotten: nothing more can be signed, and a renewal is a new CA. If the directory
// already holds a CA certificate, nothing is written and created is false; if its server
// certificate does not name every one of serverNames (a stack from before a name was added),
// that is an error: the CA cannot sign another, so the directory must be renewed whole.
//
// The keys are written readable by everyone (0644): the stack's containers run as different
// users and share the directory as a volume that only they mount; keep it so. A production
// deployment brings its own PKI and secret store.
func WritePKI(dir string, serverNames []string, validFor time.Duration) (created bool, err error) {
	if _, err := os.Stat(filepath.Join(dir, CAFile)); err == nil {
		return false, serverNamesAll(dir, serverNames)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("pki: %w", err)
	}
	if len(serverNames) == 0 {
		return false, errors.New("pki: the frontend needs a name")
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return false, fmt.Errorf("pki: %w", err)
	}
	caTmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "TVP Temporal CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(validFor),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, ca, err := sign(caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return false, err
	}
	server := &x509.Certificate{
		Subject:     pkix.Name{CommonName: serverNames[0]},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, n := range serverNames {
		if ip := net.ParseIP(n); ip != nil {
			server.IPAddresses = append(server.IPAddresses, ip)
		} else {
			server.DNSNames = append(server.DNSNames, n)
		}
	}
	client := &x509.Certificate{
		Subject:     pkix.Name{CommonName: "tvp"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	files := map[string][]byte{CAFile: pemBlock("CERTIFICATE", caDER)}
	for _, leaf := range []struct {
		tmpl           *x509.Certificate
		certFile, keyF string
	}{{server, ServerFile, ServerKeyFile}, {client, ClientFile, ClientKeyFile}} {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return false, fmt.Errorf("pki: %w", err)
		}
		leaf.tmpl.NotBefore, leaf.tmpl.NotAfter = now.Add(-time.Hour), now.Add(validFor)
		leaf.tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		der, _, err := sign(leaf.tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			return false, err
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return false, fmt.Errorf("pki: %w", err)
		}
		files[leaf.certFile] = pemBlock("CERTIFICATE", der)
		files[leaf.keyF] = pemBlock("PRIVATE KEY", keyDER)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, fmt.Errorf("pki: %w", err)
	}
	// The CA's certificate last: its presence says the directory is complete.
	for _, name := range []string{ServerFile, ServerKeyFile, ClientFile, ClientKeyFile, CAFile} {
		if err := os.WriteFile(filepath.Join(dir, name), files[name], 0o644); err != nil {
			return false, fmt.Errorf("pki: %w", err)
		}
	}
	return true, nil
}

func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) ([]byte, *x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	tmpl.SerialNumber = serial
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: sign %s: %w", tmpl.Subject.CommonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: %w", err)
	}
	return der, cert, nil
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// serverNamesAll checks that the server certificate in dir names every one of names.
func serverNamesAll(dir string, names []string) error {
	raw, err := os.ReadFile(filepath.Join(dir, ServerFile))
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return fmt.Errorf("pki: %s holds no certificate", ServerFile)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fmt.Errorf("pki: %s: %w", ServerFile, err)
	}
	for _, n := range names {
		if err := cert.VerifyHostname(n); err != nil {
			return fmt.Errorf("pki: the server certificate in %s does not name %q (made before it was asked for); "+
				"its CA cannot sign another: remove the directory's files (the compose volume) and run again", dir, n)
		}
	}
	return nil
}
