package codec

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// maxRequestBytes bounds the body of a codec request.
const maxRequestBytes = 8 << 20

// Handler returns a codec server for the Temporal Web UI. It serves POST /encode and
// POST /decode with the SDK's JSON shape ({"payloads":[...]}), so callers mount it under a
// prefix with http.StripPrefix.
//
// CORS: a preflight (OPTIONS) from allowedOrigin gets 200 with the allowed methods and
// headers; other preflights get 403. Responses to allowedOrigin carry
// Access-Control-Allow-Origin and Access-Control-Allow-Credentials; other origins get none.
//
// Decode answers a payload that is not encrypted as it is (the Web UI sends every payload of a
// history, search attributes and histories recorded before encryption included): showing it
// decrypts nothing, and the codec given, which may refuse such payloads, sees only the
// encrypted ones.
//
// Every non-OPTIONS request is first passed to authorize. If it returns an error the request
// is answered 403 when the error message starts with "forbidden" and 401 otherwise, with a
// small JSON body. A nil authorize rejects every request.
func Handler(c converter.PayloadCodec, authorize func(r *http.Request) error, allowedOrigin string) http.Handler {
	inner := converter.NewPayloadCodecHTTPHandler(showPlaintext{c})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		// Decoded payloads contain personal data: never cache them.
		h.Set("Cache-Control", "no-store")
		originOK := allowedOrigin != "" && r.Header.Get("Origin") == allowedOrigin
		if originOK {
			h.Set("Access-Control-Allow-Origin", allowedOrigin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}

		if r.Method == http.MethodOptions {
			if !originOK {
				writeJSONError(w, http.StatusForbidden, "forbidden: origin not allowed")
				return
			}
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Namespace")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusOK)
			return
		}

		if authorize == nil {
			writeJSONError(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		if err := authorize(r); err != nil {
			if strings.HasPrefix(err.Error(), "forbidden") {
				writeJSONError(w, http.StatusForbidden, "forbidden")
				return
			}
			h.Set("WWW-Authenticate", "Bearer")
			writeJSONError(w, http.StatusUnauthorized, "unauthorized")
			return
		}

		// The SDK handler matches by path suffix; accept only the exact paths.
		if r.URL.Path != "/encode" && r.URL.Path != "/decode" {
			writeJSONError(w, http.StatusNotFound, "not found")
			return
		}
		if r.Method != http.MethodPost {
			h.Set("Allow", "POST, OPTIONS")
			writeJSONError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
		inner.ServeHTTP(w, r)
	})
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// showPlaintext decodes the encrypted payloads with its codec and returns the others as they
// are: what the codec endpoint shows, never what a worker or a client accepts.
type showPlaintext struct{ converter.PayloadCodec }

func (s showPlaintext) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	var idx []int
	var enc []*commonpb.Payload
	for i, p := range payloads {
		if encrypted(p) {
			idx, enc = append(idx, i), append(enc, p)
		}
	}
	if len(enc) == 0 {
		return payloads, nil
	}
	dec, err := s.PayloadCodec.Decode(enc)
	if err != nil {
		return payloads, err
	}
	out := slices.Clone(payloads)
	for j, i := range idx {
		out[i] = dec[j]
	}
	return out, nil
}
