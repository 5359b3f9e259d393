package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/api"
	"tvp/internal/metrics"
)

// Every route is described in the OpenAPI document, and every described route exists.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	raw, err := api.OpenAPI()
	require.NoError(t, err)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	assert.Equal(t, "3.0.3", doc.OpenAPI)

	param := regexp.MustCompile(`\{([^}]+)\}`)
	described := map[string]bool{}
	ids := map[string]string{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + param.ReplaceAllString(path, ":$1")
			described[key] = true
			id, _ := op["operationId"].(string)
			assert.NotEmpty(t, id, "%s has no operationId", key)
			if other, dup := ids[id]; dup {
				t.Errorf("operationId %s is used by %s and %s", id, other, key)
			}
			ids[id] = key
			assert.NotEmpty(t, op["responses"], "%s has no responses", key)
		}
	}

	m, err := metrics.New()
	require.NoError(t, err)
	srv := api.New(api.Deps{Metrics: m})
	served := map[string]bool{}
	for _, r := range srv.Routes() {
		if strings.HasPrefix(r.Path, "/api/") || r.Path == "/healthz" || r.Path == "/readyz" || r.Path == "/metrics" {
			served[r.Method+" "+r.Path] = true // the rest are the pages and their static files
		}
	}
	var missing, extra []string
	for k := range served {
		if !described[k] {
			missing = append(missing, k)
		}
	}
	for k := range described {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	assert.Empty(t, missing, "routes the OpenAPI document does not describe")
	assert.Empty(t, extra, "described routes that do not exist")

	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.JSONEq(t, string(raw), rec.Body.String())
}

// The description is the contract: every request a test sends through call (as.do) and every
// answer it gets are validated against openapi.yaml with kin-openapi.

// contract is the loaded description and its router, made once for the package's tests.
var contract = sync.OnceValues(func() (*apiContract, error) {
	doc, err := loadOpenAPI()
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi router: %w", err)
	}
	// A meeting's invitation is text/calendar: checked as a string.
	openapi3filter.RegisterBodyDecoder("text/calendar", openapi3filter.PlainBodyDecoder)
	return &apiContract{doc: doc, router: router, problem: doc.Components.Schemas["Problem"].Value}, nil
})

// loadOpenAPI loads openapi.yaml and checks that it is a valid OpenAPI 3 document.
func loadOpenAPI() (*openapi3.T, error) {
	raw, err := os.ReadFile("openapi.yaml")
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI 3 document: %w", err)
	}
	return doc, nil
}

type apiContract struct {
	doc     *openapi3.T
	router  routers.Router
	problem *openapi3.Schema
}

// uuidFormat checks the description's format uuid (kin-openapi knows no such format itself).
var uuidFormat = openapi3.NewRegexpFormatValidator(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func contractOptions() *openapi3filter.Options {
	return &openapi3filter.Options{
		// Who the caller is, is the server's business; the tests check it themselves.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// An answer with a status the route does not list fails.
		IncludeResponseStatus: true,
		MultiError:            true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", uuidFormat),
			// The failure names the place and the rule; the body is shown beside it.
			openapi3.DisableSchemaErrorDetails(),
		},
	}
}

// exchange is one request and its answer, as the test sent and got them.
type exchange struct {
	method, url string
	header      http.Header
	body        []byte
	// unchecked: the request is deliberately outside the description (a test of refusals);
	// only the answer is validated.
	unchecked bool
	status    int
	respHead  http.Header
	resp      []byte
}

// check validates the exchange against the description and fails the test where they differ:
//   - an answer whose status the route does not list, or whose headers or body its schema does
//     not allow (an extra field, a missing one, a wrong type);
//   - a request the description refuses that the server accepted (a 2xx or 3xx answer): the
//     description, or the server, is wrong. A request the description refuses and the server
//     refuses too (4xx) is what a test of refusals sends; tests may also mark such a request
//     unchecked.
//
// A request to a path or method the description does not have must be answered 404 or 405
// with a problem; other paths (pages, their static files) are not the API's.
func (c *apiContract) check(t *testing.T, x exchange) {
	t.Helper()
	req, err := http.NewRequest(x.method, x.url, bytes.NewReader(x.body))
	require.NoError(t, err)
	req.Header = x.header.Clone()
	ctx := t.Context()
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if !strings.HasPrefix(req.URL.Path, "/api/") {
			return
		}
		if x.status != http.StatusNotFound && x.status != http.StatusMethodNotAllowed {
			t.Errorf("openapi: %s %s is not described, yet it answered %d", x.method, req.URL.Path, x.status)
			return
		}
		var v any
		if err := json.Unmarshal(x.resp, &v); err != nil {
			t.Errorf("openapi: %s %s (not described) answered %d without a JSON problem: %s", x.method, req.URL.Path, x.status, x.resp)
			return
		}
		if err := c.problem.VisitJSON(v, openapi3.VisitAsResponse(), openapi3.DisableSchemaErrorDetails()); err != nil {
			t.Errorf("openapi: %s %s (not described) answered %d with a body that is not a Problem: %v", x.method, req.URL.Path, x.status, err)
		}
		checkProblemStatus(t, x.method+" "+req.URL.Path, x)
		return
	}
	name := fmt.Sprintf("%s %s (%s)", x.method, route.Path, route.Operation.OperationID)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: contractOptions()}
	if !x.unchecked {
		if err := openapi3filter.ValidateRequest(ctx, in); err != nil && x.status < 400 {
			t.Errorf("openapi: %s: the description refuses the request, yet the server answered %d:\n%v\nrequest: %s",
				name, x.status, err, abbrev(x.body))
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: x.status, Header: x.respHead,
		Options: contractOptions()}
	out.SetBodyBytes(x.resp)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		t.Errorf("openapi: %s answered %d, which the description does not allow:\n%v\nbody: %s", name, x.status, err, abbrev(x.resp))
	}
	checkProblemStatus(t, name, x)
}

// checkProblemStatus: a problem's status is the answer's (RFC 9457), which no schema can say.
func checkProblemStatus(t *testing.T, name string, x exchange) {
	t.Helper()
	if ct, _, _ := strings.Cut(x.respHead.Get("Content-Type"), ";"); ct != "application/problem+json" {
		return
	}
	var p struct{ Status int }
	if err := json.Unmarshal(x.resp, &p); err == nil && p.Status != x.status {
		t.Errorf("openapi: %s answered %d with a problem whose status is %d", name, x.status, p.Status)
	}
}

// abbrev shortens a body for a failure message.
func abbrev(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// The description is a valid OpenAPI 3 document, every answer's and request's object schema
// is closed (additionalProperties: false, or a map's value schema), and every route lists the
// statuses its middleware can give besides its own.
func TestOpenAPIIsValidAndClosed(t *testing.T) {
	c, err := contract()
	require.NoError(t, err)

	open := func(where string, s *openapi3.SchemaRef) {
		walkSchema(s, where, map[*openapi3.Schema]bool{}, func(where string, s *openapi3.Schema) {
			if !s.Type.Is(openapi3.TypeObject) {
				return
			}
			ap := s.AdditionalProperties
			switch {
			case ap.Schema != nil:
			case ap.Has == nil:
				t.Errorf("%s: an object without additionalProperties (it must be closed)", where)
			case *ap.Has && where != "GET /api/v1/openapi.json 200":
				t.Errorf("%s: an open object", where)
			}
		})
	}
	for path, item := range c.doc.Paths.Map() {
		for method, op := range item.Operations() {
			key := method + " " + path
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					open(key+" request "+ct, mt.Schema)
				}
			}
			for status, r := range op.Responses.Map() {
				for _, mt := range r.Value.Content {
					open(key+" "+status, mt.Schema)
				}
			}
			if !strings.HasPrefix(path, "/api/v1/") || path == "/api/v1/openapi.json" {
				continue
			}
			assert.Nil(t, op.Responses.Default(), "%s: no default answer; every status is listed", key)
			// authenticate: 401, and 422 for a malformed X-TVP-Purpose or Idempotency-Key;
			// the rate limits: 429; PostgreSQL and Temporal: 500, 503, 504.
			want := []string{"401", "422", "429", "500", "503", "504"}
			if method == http.MethodPost {
				// idempotent: 409 for a key reused, 413 for a body too large, 403 for a replay
				// the caller may no longer see (and a page's change without its CSRF token).
				want = append(want, "403", "409", "413")
			}
			if strings.Contains(path, "{") {
				want = append(want, "404")
			}
			for _, status := range want {
				assert.NotNil(t, op.Responses.Status(atoi(t, status)), "%s does not list %s", key, status)
			}
			// Every call may say why (the audit log records it); every POST may be repeated safely.
			assert.NotNil(t, op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "X-TVP-Purpose"), "%s: no X-TVP-Purpose", key)
			if method == http.MethodPost {
				assert.NotNil(t, op.Parameters.GetByInAndName(openapi3.ParameterInHeader, "Idempotency-Key"), "%s: no Idempotency-Key", key)
			}
		}
	}
}

func atoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// walkSchema calls f on s and every schema inside it.
func walkSchema(ref *openapi3.SchemaRef, where string, seen map[*openapi3.Schema]bool, f func(string, *openapi3.Schema)) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	s := ref.Value
	seen[s] = true
	if ref.Ref != "" {
		where = ref.Ref
	}
	f(where, s)
	for name, p := range s.Properties {
		walkSchema(p, where+"."+name, seen, f)
	}
	walkSchema(s.Items, where+"[]", seen, f)
	walkSchema(s.AdditionalProperties.Schema, where+"{}", seen, f)
	for i, group := range [][]*openapi3.SchemaRef{s.OneOf, s.AnyOf, s.AllOf} {
		for j, x := range group {
			walkSchema(x, fmt.Sprintf("%s/%d.%d", where, i, j), seen, f)
		}
	}
}
