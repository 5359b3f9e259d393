package codec

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

const (
	// MetadataEncoding is the payload metadata key that names a payload's encoding.
	MetadataEncoding = converter.MetadataEncoding
	// EncodingEncrypted is the encoding of payloads produced by the codec.
	EncodingEncrypted = "binary/encrypted"
	// MetadataKeyID is the payload metadata key naming the key that encrypted the payload.
	MetadataKeyID = "encryption-key-id"
)

// ErrNotEncrypted is a payload that Decode refuses because the codec did not make it.
var ErrNotEncrypted = errors.New("the payload is not encrypted")

// Option changes a codec.
type Option func(*aesCodec)

// AcceptPlaintext makes Decode pass payloads that are not encrypted through unchanged. It is for
// replaying histories recorded before payloads were encrypted, and nothing else: a client or a
// worker with it lets anyone who reaches the Temporal frontend hand a workflow data (an Update,
// a signal, a start) that no holder of the key made.
func AcceptPlaintext() Option { return func(c *aesCodec) { c.acceptPlaintext = true } }

// Codec returns a PayloadCodec that encrypts every payload with the keyring's newest key and
// decrypts payloads encrypted with any of its keys. Decode refuses a payload that is not
// encrypted (ErrNotEncrypted): a worker whose data converter has this codec rejects an Update
// sent in plain text (the SDK rejects an Update whose input it cannot decode, before its
// validator), drops such a signal and cannot start such a workflow, so only a holder of a key
// can hand a workflow anything, an actor included.
func (k *Keyring) Codec(opts ...Option) converter.PayloadCodec {
	c := &aesCodec{k: k}
	for _, o := range opts {
		o(c)
	}
	return c
}

// DataConverter returns Temporal's default data converter wrapped with the keyring's codec.
func (k *Keyring) DataConverter(opts ...Option) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), k.Codec(opts...))
}

type aesCodec struct {
	k               *Keyring
	acceptPlaintext bool
}

// Encode marshals each payload, encrypts it with a fresh random nonce and wraps the
// nonce||ciphertext in a new payload labelled with the encoding and the key id. The key id is
// the additional authenticated data.
func (c *aesCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	id := c.k.current
	aead := c.k.aeads[id]
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return payloads, fmt.Errorf("codec: encode payload %d: marshal: %w", i, err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, fmt.Errorf("codec: encode payload %d: generate nonce: %w", i, err)
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				MetadataEncoding: []byte(EncodingEncrypted),
				MetadataKeyID:    []byte(id),
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(id)),
		}
	}
	return out, nil
}

// Decode decrypts payloads with encoding binary/encrypted using the key named in their
// metadata and returns the original payloads. A payload with another encoding is refused
// (ErrNotEncrypted), unless the codec accepts plain text (AcceptPlaintext).
func (c *aesCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if !encrypted(p) {
			if !c.acceptPlaintext {
				return payloads, fmt.Errorf("codec: decode payload %d (encoding %q): %w", i, printable(p.GetMetadata()[MetadataEncoding]), ErrNotEncrypted)
			}
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[MetadataKeyID])
		if id == "" {
			return payloads, fmt.Errorf("codec: decode payload %d: missing %s metadata", i, MetadataKeyID)
		}
		aead, ok := c.k.aeads[id]
		if !ok {
			return payloads, fmt.Errorf("codec: decode payload %d: unknown encryption key id %q", i, id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize()+aead.Overhead() {
			return payloads, fmt.Errorf("codec: decode payload %d with key %q: ciphertext too short", i, id)
		}
		nonce, ciphertext := data[:aead.NonceSize()], data[aead.NonceSize():]
		plain, err := aead.Open(nil, nonce, ciphertext, []byte(id))
		if err != nil {
			return payloads, fmt.Errorf("codec: decode payload %d with key %q: %w", i, id, err)
		}
		orig := &commonpb.Payload{}
		if err := orig.Unmarshal(plain); err != nil {
			return payloads, fmt.Errorf("codec: decode payload %d with key %q: unmarshal: %w", i, id, err)
		}
		out[i] = orig
	}
	return out, nil
}

// encrypted reports whether the payload is labelled as made by the codec.
func encrypted(p *commonpb.Payload) bool {
	return string(p.GetMetadata()[MetadataEncoding]) == EncodingEncrypted
}

// printable is a payload's encoding label for an error message: at most 40 bytes of ASCII
// letters, digits and /-_.+; anything else is a question mark.
func printable(b []byte) string {
	b = b[:min(len(b), 40)]
	out := make([]byte, len(b))
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("/-_.+", c) >= 0:
			out[i] = c
		default:
			out[i] = '?'
		}
	}
	return string(out)
}
