package codec

import (
	"crypto/rand"
	"fmt"

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

// Codec returns a PayloadCodec that encrypts every payload with the keyring's newest key and
// decrypts payloads encrypted with any of its keys. Payloads that are not encrypted pass
// through Decode unchanged.
func (k *Keyring) Codec() converter.PayloadCodec { return &aesCodec{k: k} }

// DataConverter returns Temporal's default data converter wrapped with the keyring's codec.
func (k *Keyring) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), k.Codec())
}

type aesCodec struct{ k *Keyring }

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
// metadata and returns the original payloads; other payloads are returned unchanged.
func (c *aesCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[MetadataEncoding]) != EncodingEncrypted {
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
