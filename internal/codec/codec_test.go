package codec_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"tvp/domain"
	"tvp/internal/codec"
)

const marker = "CPR 010203-1234 Test Testesen"

type person struct {
	Name string `json:"name"`
	Note string `json:"note"`
}

func newKey(t *testing.T) string {
	t.Helper()
	k, err := codec.GenerateKey()
	require.NoError(t, err)
	return k
}

func mustKeys(t *testing.T, spec string) *codec.Keyring {
	t.Helper()
	k, err := codec.ParseKeys(spec)
	require.NoError(t, err)
	return k
}

func personPayload(t *testing.T) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(person{Name: "x", Note: marker})
	require.NoError(t, err)
	require.Contains(t, string(p.GetData()), marker)
	return p
}

func TestRoundTrip(t *testing.T) {
	keys := mustKeys(t, "k1:"+newKey(t))
	c := keys.Codec()
	tests := []struct {
		name    string
		payload *commonpb.Payload
	}{
		{"struct with personal data", personPayload(t)},
		{"empty data", &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("binary/null")}}},
		{"plain string", mustPayload(t, marker)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := c.Encode([]*commonpb.Payload{tt.payload})
			require.NoError(t, err)
			require.Len(t, enc, 1)
			assert.NotContains(t, string(enc[0].GetData()), marker)
			wire, err := proto.Marshal(enc[0])
			require.NoError(t, err)
			assert.False(t, bytes.Contains(wire, []byte(marker)), "encoded payload leaks plain text")
			assert.Equal(t, "binary/encrypted", string(enc[0].GetMetadata()["encoding"]))
			assert.Equal(t, "k1", string(enc[0].GetMetadata()["encryption-key-id"]))

			again, err := c.Encode([]*commonpb.Payload{tt.payload})
			require.NoError(t, err)
			assert.NotEqual(t, enc[0].GetData(), again[0].GetData(), "nonce must be fresh")

			dec, err := c.Decode(enc)
			require.NoError(t, err)
			require.Len(t, dec, 1)
			assert.True(t, proto.Equal(tt.payload, dec[0]), "decoded %v, want %v", dec[0], tt.payload)
		})
	}
}

func mustPayload(t *testing.T, v any) *commonpb.Payload {
	t.Helper()
	p, err := converter.GetDefaultDataConverter().ToPayload(v)
	require.NoError(t, err)
	return p
}

func TestKeyRotation(t *testing.T) {
	a, b := newKey(t), newKey(t)
	old := mustKeys(t, "k1:"+a)
	both := mustKeys(t, "k1:"+a+",k2:"+b)
	onlyNew := mustKeys(t, "k2:"+b)
	orig := personPayload(t)

	encOld, err := old.Codec().Encode([]*commonpb.Payload{orig})
	require.NoError(t, err)

	tests := []struct {
		name    string
		keys    *codec.Keyring
		wantErr string
	}{
		{"old keyring decodes its own payload", old, ""},
		{"rotated keyring decodes old payload", both, ""},
		{"keyring without k1 fails", onlyNew, `"k1"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dec, err := tt.keys.Codec().Decode(encOld)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Contains(t, err.Error(), "unknown encryption key id")
				return
			}
			require.NoError(t, err)
			assert.True(t, proto.Equal(orig, dec[0]))
		})
	}

	t.Run("rotated keyring encodes with newest key", func(t *testing.T) {
		assert.Equal(t, "k2", both.CurrentKeyID())
		assert.Equal(t, []string{"k1", "k2"}, both.KeyIDs())
		enc, err := both.Codec().Encode([]*commonpb.Payload{orig})
		require.NoError(t, err)
		assert.Equal(t, "k2", string(enc[0].GetMetadata()["encryption-key-id"]))
		dec, err := onlyNew.Codec().Decode(enc)
		require.NoError(t, err)
		assert.True(t, proto.Equal(orig, dec[0]))
		_, err = old.Codec().Decode(enc)
		require.Error(t, err)
		assert.Contains(t, err.Error(), `"k2"`)
	})
}

func TestTampering(t *testing.T) {
	keys := mustKeys(t, "k1:"+newKey(t)+",k2:"+newKey(t))
	c := keys.Codec()
	enc, err := c.Encode([]*commonpb.Payload{personPayload(t)})
	require.NoError(t, err)
	orig := enc[0]

	tests := []struct {
		name   string
		mutate func(p *commonpb.Payload)
	}{
		{"flip nonce byte", func(p *commonpb.Payload) { p.Data[0] ^= 0x01 }},
		{"flip ciphertext byte", func(p *commonpb.Payload) { p.Data[12] ^= 0x80 }},
		{"flip tag byte", func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 0x01 }},
		{"truncate", func(p *commonpb.Payload) { p.Data = p.Data[:10] }},
		{"swap key id", func(p *commonpb.Payload) { p.Metadata["encryption-key-id"] = []byte("k1") }},
		{"missing key id", func(p *commonpb.Payload) { delete(p.Metadata, "encryption-key-id") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := proto.Clone(orig).(*commonpb.Payload)
			tt.mutate(p)
			_, err := c.Decode([]*commonpb.Payload{p})
			require.Error(t, err)
		})
	}
	// The untouched payload still decodes: the mutations worked on copies.
	_, err = c.Decode([]*commonpb.Payload{orig})
	require.NoError(t, err)
}

// A payload the codec did not make is refused on the way in: a client without the key cannot
// hand a worker anything. Only a codec made to accept plain text (for replaying histories
// recorded before encryption) lets it through, unchanged.
func TestDecodeRefusesUnencrypted(t *testing.T) {
	keys := mustKeys(t, "k1:"+newKey(t))
	enc, err := keys.Codec().Encode([]*commonpb.Payload{personPayload(t)})
	require.NoError(t, err)
	tests := []struct {
		name    string
		payload *commonpb.Payload
	}{
		{"json", personPayload(t)},
		{"no metadata", &commonpb.Payload{Data: []byte("raw")}},
		{"other binary encoding", &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("binary/plain")}, Data: []byte{1, 2}}},
		{"null", &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("binary/null")}}},
		{"an encoding label that is not text", &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/\x00\n" + marker)}, Data: []byte("{}")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keys.Codec().Decode([]*commonpb.Payload{tt.payload})
			require.ErrorIs(t, err, codec.ErrNotEncrypted)
			assert.NotContains(t, err.Error(), marker, "the error shows no payload content")

			_, err = keys.Codec().Decode([]*commonpb.Payload{enc[0], tt.payload})
			require.ErrorIs(t, err, codec.ErrNotEncrypted, "one plain payload among encrypted ones")
			assert.Contains(t, err.Error(), "payload 1")

			var v any
			err = keys.DataConverter().FromPayload(tt.payload, &v)
			require.ErrorIs(t, err, codec.ErrNotEncrypted, "the data converter of clients and workers")

			dec, err := keys.Codec(codec.AcceptPlaintext()).Decode([]*commonpb.Payload{tt.payload})
			require.NoError(t, err)
			require.Len(t, dec, 1)
			assert.Same(t, tt.payload, dec[0])
		})
	}
}

func TestParseKeysErrors(t *testing.T) {
	good := newKey(t)
	short := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef"))
	tests := []struct {
		name    string
		spec    string
		secret  string
		wantErr string
	}{
		{"empty", "", "", "empty"},
		{"blank", "   ", "", "empty"},
		{"empty entry", "k1:" + good + ",", good, "entry 2 is empty"},
		{"no colon", good, good, "expected id:base64key"},
		{"empty key", "k1:", "", "key is empty"},
		{"bad base64", "k1:not*base64!!secretpart", "secretpart", "invalid standard base64"},
		{"url base64", "k1:" + strings.NewReplacer("+", "-", "/", "_").Replace(good) + "-_", "-_", "invalid standard base64"},
		{"wrong length", "k1:" + short, short, "decodes to 16 bytes, want 32"},
		{"duplicate id", "k1:" + good + ",k1:" + newKey(t), good, `duplicate key id "k1"`},
		{"empty id", ":" + good, good, "key id must be non-empty"},
		{"bad id", "k 1/x:" + good, good, "key id must be non-empty"},
		{"key in id position", good + "x:" + good, good, "key id must be non-empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := codec.ParseKeys(tt.spec)
			require.Error(t, err)
			assert.Nil(t, k)
			assert.Contains(t, err.Error(), tt.wantErr)
			if tt.secret != "" {
				assert.NotContains(t, err.Error(), tt.secret)
			}
		})
	}
}

func TestParseKeysAccepts(t *testing.T) {
	a, b := newKey(t), newKey(t)
	k, err := codec.ParseKeys(" old_key-1 : " + a + " , New-2:" + b + "\n")
	require.NoError(t, err)
	assert.Equal(t, "New-2", k.CurrentKeyID())
	assert.Equal(t, []string{"old_key-1", "New-2"}, k.KeyIDs())
}

func TestGenerateKey(t *testing.T) {
	a, b := newKey(t), newKey(t)
	assert.NotEqual(t, a, b)
	raw, err := base64.StdEncoding.DecodeString(a)
	require.NoError(t, err)
	assert.Len(t, raw, 32)
}

func TestDataConverterRoundTrip(t *testing.T) {
	dc := mustKeys(t, "k1:"+newKey(t)).DataConverter()
	tests := []struct {
		name string
		in   person
	}{
		{"personal data", person{Name: "Test Testesen", Note: marker}},
		{"zero value", person{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := dc.ToPayload(tt.in)
			require.NoError(t, err)
			assert.Equal(t, "binary/encrypted", string(p.GetMetadata()["encoding"]))
			assert.NotContains(t, string(p.GetData()), marker)
			var out person
			require.NoError(t, dc.FromPayload(p, &out))
			assert.Equal(t, tt.in, out)
		})
	}
}

func TestHandler(t *testing.T) {
	const origin = "https://temporal-ui.example"
	keys := mustKeys(t, "k1:"+newKey(t))
	orig := personPayload(t)
	enc, err := keys.Codec().Encode([]*commonpb.Payload{orig})
	require.NoError(t, err)
	plain := mustPayload(t, "shown as it is")
	searchAttr := mustPayload(t, []string{"course-rules-1"})

	authorize := func(r *http.Request) error {
		switch r.Header.Get("Authorization") {
		case "Bearer good":
			return nil
		case "Bearer other":
			return domain.Errorf(domain.EForbidden, "not an operator")
		default:
			return domain.Errorf(domain.EUnauthorized, "missing token")
		}
	}
	// The caller's one table of statuses (the API's, api.StatusOf), as a test stands in for it.
	refuse := func(w http.ResponseWriter, _ *http.Request, err error) {
		code := domain.ErrorCode(err)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(map[string]int{domain.EUnauthorized: 401, domain.EForbidden: 403, domain.ENotFound: 404, domain.EMethod: 405}[code])
		_ = json.NewEncoder(w).Encode(map[string]string{"code": code})
	}
	mux := http.NewServeMux()
	mux.Handle("/codec/", http.StripPrefix("/codec", codec.Handler(keys.Codec(), authorize, refuse, origin)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	body := func(ps ...*commonpb.Payload) []byte {
		b, err := protojson.Marshal(&commonpb.Payloads{Payloads: ps})
		require.NoError(t, err)
		return b
	}

	tests := []struct {
		name       string
		method     string
		path       string
		origin     string
		auth       string
		body       []byte
		wantStatus int
		wantCORS   bool
		check      func(t *testing.T, resp *http.Response, respBody []byte)
	}{
		{
			name: "preflight from allowed origin", method: http.MethodOptions, path: "/codec/decode",
			origin: origin, wantStatus: http.StatusOK, wantCORS: true,
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				assert.Equal(t, "POST, OPTIONS", resp.Header.Get("Access-Control-Allow-Methods"))
				assert.Equal(t, "Content-Type, Authorization, X-Namespace", resp.Header.Get("Access-Control-Allow-Headers"))
				assert.Equal(t, "true", resp.Header.Get("Access-Control-Allow-Credentials"))
			},
		},
		{
			name: "preflight from other origin", method: http.MethodOptions, path: "/codec/decode",
			origin: "https://evil.example", wantStatus: http.StatusForbidden,
		},
		{
			name: "decode without authorization", method: http.MethodPost, path: "/codec/decode",
			origin: origin, body: body(enc...), wantStatus: http.StatusUnauthorized, wantCORS: true,
			check: func(t *testing.T, resp *http.Response, b []byte) {
				assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
				assert.JSONEq(t, `{"code":"unauthorized"}`, string(b))
				assert.NotContains(t, string(b), marker)
			},
		},
		{
			name: "decode forbidden", method: http.MethodPost, path: "/codec/decode",
			origin: origin, auth: "Bearer other", body: body(enc...), wantStatus: http.StatusForbidden, wantCORS: true,
			check: func(t *testing.T, _ *http.Response, b []byte) {
				assert.JSONEq(t, `{"code":"forbidden"}`, string(b), "refused by its domain error's code, not by the words of its message")
			},
		},
		{
			name: "decode authorized", method: http.MethodPost, path: "/codec/decode",
			origin: origin, auth: "Bearer good", body: body(enc...), wantStatus: http.StatusOK, wantCORS: true,
			check: func(t *testing.T, resp *http.Response, b []byte) {
				assert.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
				var got commonpb.Payloads
				require.NoError(t, protojson.Unmarshal(b, &got))
				require.Len(t, got.GetPayloads(), 1)
				assert.True(t, proto.Equal(orig, got.GetPayloads()[0]), "got %v", got.GetPayloads()[0])
			},
		},
		{
			name: "decode a history's payloads: the encrypted decrypted, the plain shown as they are", method: http.MethodPost, path: "/codec/decode",
			origin: origin, auth: "Bearer good", body: body(plain, enc[0], searchAttr), wantStatus: http.StatusOK, wantCORS: true,
			check: func(t *testing.T, _ *http.Response, b []byte) {
				var got commonpb.Payloads
				require.NoError(t, protojson.Unmarshal(b, &got))
				require.Len(t, got.GetPayloads(), 3)
				assert.True(t, proto.Equal(plain, got.GetPayloads()[0]))
				assert.True(t, proto.Equal(orig, got.GetPayloads()[1]))
				assert.True(t, proto.Equal(searchAttr, got.GetPayloads()[2]))
			},
		},
		{
			name: "encode authorized", method: http.MethodPost, path: "/codec/encode",
			origin: origin, auth: "Bearer good", body: body(orig), wantStatus: http.StatusOK, wantCORS: true,
			check: func(t *testing.T, _ *http.Response, b []byte) {
				assert.NotContains(t, string(b), marker)
				var got commonpb.Payloads
				require.NoError(t, protojson.Unmarshal(b, &got))
				dec, err := keys.Codec().Decode(got.GetPayloads())
				require.NoError(t, err)
				assert.True(t, proto.Equal(orig, dec[0]))
			},
		},
		{
			name: "decode from other origin gets no CORS headers", method: http.MethodPost, path: "/codec/decode",
			origin: "https://evil.example", auth: "Bearer good", body: body(enc...), wantStatus: http.StatusOK,
		},
		{
			name: "unknown path", method: http.MethodPost, path: "/codec/other/decode",
			origin: origin, auth: "Bearer good", body: body(enc...), wantStatus: http.StatusNotFound, wantCORS: true,
		},
		{
			name: "GET not allowed", method: http.MethodGet, path: "/codec/decode",
			origin: origin, auth: "Bearer good", wantStatus: http.StatusMethodNotAllowed, wantCORS: true,
		},
		{
			name: "malformed body", method: http.MethodPost, path: "/codec/decode",
			origin: origin, auth: "Bearer good", body: []byte("{"), wantStatus: http.StatusBadRequest, wantCORS: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(t.Context(), tt.method, srv.URL+tt.path, bytes.NewReader(tt.body))
			require.NoError(t, err)
			req.Header.Set("Origin", tt.origin)
			if tt.method == http.MethodOptions {
				req.Header.Set("Access-Control-Request-Method", http.MethodPost)
			} else {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := srv.Client().Do(req)
			require.NoError(t, err)
			defer func() { _ = resp.Body.Close() }()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)

			assert.Equal(t, tt.wantStatus, resp.StatusCode, "body: %s", b)
			if tt.wantCORS {
				assert.Equal(t, origin, resp.Header.Get("Access-Control-Allow-Origin"))
			} else {
				assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"))
				assert.Empty(t, resp.Header.Get("Access-Control-Allow-Credentials"))
			}
			if tt.check != nil {
				tt.check(t, resp, b)
			}
		})
	}
}

func TestDevKeyring(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "tvp")
	path := filepath.Join(dir, "codec.keys")

	first, err := codec.DevKeyring(path)
	require.NoError(t, err)
	assert.Equal(t, "dev1", first.CurrentKeyID())

	fi, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), di.Mode().Perm())
	content, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(content), "\n"))
	assert.True(t, strings.HasPrefix(string(content), "dev1:"))

	enc, err := first.Codec().Encode([]*commonpb.Payload{personPayload(t)})
	require.NoError(t, err)

	second, err := codec.DevKeyring(path)
	require.NoError(t, err)
	again, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, content, again, "file must not be rewritten")
	_, err = second.Codec().Decode(enc)
	require.NoError(t, err, "second load must yield the same key")

	t.Run("corrupt file is an error", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.keys")
		require.NoError(t, os.WriteFile(bad, []byte("dev1:short\n"), 0o600))
		_, err := codec.DevKeyring(bad)
		require.Error(t, err)
		assert.Contains(t, err.Error(), bad)
		assert.NotContains(t, err.Error(), "short")
	})
}
