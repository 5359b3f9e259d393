// Package codec encrypts Temporal payloads with AES-256-GCM so that personal data never reaches
// the Temporal server in clear text, and serves a codec endpoint for the Temporal Web UI.
package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// KeySize is the length in bytes of an AES-256 key.
const KeySize = 32

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Keyring holds AES-256-GCM keys by key id. The newest key encrypts; every key decrypts, so
// keys can be rotated by appending a new key and keeping the old ones until their payloads
// have expired from Temporal's history. A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	ids     []string
}

// ParseKeys parses a key specification of the form "id1:base64key1,id2:base64key2". The last
// entry is the newest key and is used for encryption. Each key must be standard base64 that
// decodes to exactly 32 bytes; ids must be non-empty, unique and match [A-Za-z0-9_-]+.
// Whitespace around entries is ignored. Errors never contain key material.
func ParseKeys(spec string) (*Keyring, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, errors.New("codec: parse keys: key specification is empty")
	}
	k := &Keyring{aeads: make(map[string]cipher.AEAD)}
	for i, entry := range strings.Split(spec, ",") {
		n := i + 1
		entry = strings.TrimSpace(entry)
		if entry == "" {
			return nil, fmt.Errorf("codec: parse keys: entry %d is empty", n)
		}
		id, b64, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("codec: parse keys: entry %d: expected id:base64key", n)
		}
		id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
		if !keyIDPattern.MatchString(id) {
			// The id is not echoed: a malformed entry may have key material in the id position.
			return nil, fmt.Errorf("codec: parse keys: entry %d: key id must be non-empty and match [A-Za-z0-9_-]+", n)
		}
		if _, dup := k.aeads[id]; dup {
			return nil, fmt.Errorf("codec: parse keys: entry %d: duplicate key id %q", n, id)
		}
		if b64 == "" {
			return nil, fmt.Errorf("codec: parse keys: key %q: key is empty", id)
		}
		raw, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			// base64.CorruptInputError only carries an offset, never the input.
			return nil, fmt.Errorf("codec: parse keys: key %q: invalid standard base64: %w", id, err)
		}
		if len(raw) != KeySize {
			return nil, fmt.Errorf("codec: parse keys: key %q: decodes to %d bytes, want %d", id, len(raw), KeySize)
		}
		aead, err := newAEAD(raw)
		if err != nil {
			return nil, fmt.Errorf("codec: parse keys: key %q: %w", id, err)
		}
		k.aeads[id] = aead
		k.ids = append(k.ids, id)
		k.current = id
	}
	return k, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("create AES cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("create GCM: %w", err)
	}
	return aead, nil
}

// CurrentKeyID returns the id of the newest key, which Encode uses.
func (k *Keyring) CurrentKeyID() string { return k.current }

// KeyIDs returns the ids of all keys, oldest first.
func (k *Keyring) KeyIDs() []string { return append([]string(nil), k.ids...) }

// GenerateKey returns a new random 32-byte key encoded as standard base64, suitable for a
// ParseKeys entry.
func GenerateKey() (string, error) {
	key := make([]byte, KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("codec: generate key: %w", err)
	}
	return base64.StdEncoding.EncodeToString(key), nil
}

// DevKeyring loads a one-line key specification from path, or, if the file does not exist,
// creates it (mode 0600, parent directory 0700) with a fresh key "dev1:<random>". It is meant
// for local development (tvp dev), so encrypted payloads stay readable across restarts.
func DevKeyring(path string) (*Keyring, error) {
	k, err := loadKeyFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("codec: dev keyring: create directory for %s: %w", path, err)
	}
	key, err := GenerateKey()
	if err != nil {
		return nil, fmt.Errorf("codec: dev keyring: %w", err)
	}
	spec := DevKeyID + ":" + key
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		// Another process created the file first; use its key.
		return loadKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("codec: dev keyring: create %s: %w", path, err)
	}
	if _, err := f.WriteString(spec + "\n"); err != nil {
		_ = f.Close()
		_ = os.Remove(path)
		return nil, fmt.Errorf("codec: dev keyring: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(path)
		return nil, fmt.Errorf("codec: dev keyring: write %s: %w", path, err)
	}
	k, err = ParseKeys(spec)
	if err != nil {
		return nil, fmt.Errorf("codec: dev keyring: %w", err)
	}
	return k, nil
}

// LoadKeyFile reads a key specification (as ParseKeys takes it) from a file, which it never
// creates: a missing file is an error matching fs.ErrNotExist. Errors never contain key
// material.
func LoadKeyFile(path string) (*Keyring, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("codec: read %s: %w", path, err)
	}
	k, err := ParseKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("codec: %s: %w", path, err)
	}
	return k, nil
}

// DevKeyID is the id of the key DevKeyring creates; production refuses a key of that name.
const DevKeyID = "dev1"

// loadKeyFile is LoadKeyFile for DevKeyring.
func loadKeyFile(path string) (*Keyring, error) {
	k, err := LoadKeyFile(path)
	if err != nil {
		return nil, fmt.Errorf("dev keyring: %w", err)
	}
	return k, nil
}
