package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"testing"

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
