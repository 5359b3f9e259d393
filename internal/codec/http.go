package codec

import (
	"net/http"
	"slices"

	"tvp/domain"

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
// Every non-OPTIONS request is first passed to authorize; a nil authorize rejects every
// request. A refusal (authorize's error, or the handler's own: an origin not allowed, no such
// path, another method) is a domain error, answered by refuse: its caller's one table of HTTP
// statuses says which.
func Handler(c converter.PayloadCodec, authorize func(r *http.Request) error, refuse func(w http.ResponseWriter, r *http.Request, err error), allowedOrigin string) http.Handler {
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
				refuse(w, r, domain.Errorf(domain.EForbidden, "origin not allowed"))
				return
			}
			h.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
			h.Set("Access-Control-Allow-Headers", "Content-Type, Authorization, X-Namespace")
			h.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusOK)
			return
		}

		if authorize == nil {
			refuse(w, r, domain.Errorf(domain.EUnauthorized, "no one may use the codec server"))
			return
		}
		if err := authorize(r); err != nil {
			refuse(w, r, err)
			return
		}

		// The SDK handler matches by path suffix; accept only the exact paths.
		if r.URL.Path != "/encode" && r.URL.Path != "/decode" {
			refuse(w, r, domain.Errorf(domain.ENotFound, "no such codec path"))
			return
		}
		if r.Method != http.MethodPost {
			h.Set("Allow", "POST, OPTIONS")
			refuse(w, r, domain.Errorf(domain.EMethod, "the codec takes POST"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBytes)
		inner.ServeHTTP(w, r)
	})
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
