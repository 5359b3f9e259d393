package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"tvp/domain"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// decode reads a JSON body into dst strictly: one object, no unknown fields, types as
// declared, within MaxBodyBytes. The use case checks what is in it.
func decode(c *gin.Context, dst any) error {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes)
	return decodeJSON(c.Request.Body, dst)
}

func decodeJSON(r io.Reader, dst any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if dec.More() {
		return domain.Errorf(domain.EInvalid, "the body must be one JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.EInvalid, "the body must be one JSON object")
	}
	return nil
}

func decodeError(err error) error {
	var (
		syntax    *json.SyntaxError
		typeErr   *json.UnmarshalTypeError
		maxBytes  *http.MaxBytesError
		domainErr *domain.Error
	)
	switch {
	case errors.As(err, &maxBytes):
		return domain.Errorf(domain.ETooLarge, "the body is larger than %d bytes", MaxBodyBytes)
	case errors.Is(err, io.EOF):
		return domain.Errorf(domain.EInvalid, "the body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &syntax):
		return domain.Errorf(domain.EInvalid, "the body is not valid JSON")
	case errors.As(err, &typeErr):
		return domain.FieldError(typeErr.Field, "must be %s, not %s", jsonType(typeErr.Type), typeErr.Value)
	case errors.As(err, &domainErr):
		return err
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return domain.FieldError(domain.ClipRunes(field, 100), "is not a field of this request")
	}
	// A field's own UnmarshalJSON (a date, a duration) failed; its message says why.
	return domain.Errorf(domain.EInvalid, "%s", strings.TrimPrefix(err.Error(), "json: "))
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}

// knownQuery refuses query parameters that are not the list's filters.
func knownQuery(c *gin.Context, allowed ...string) error {
	for k := range c.Request.URL.Query() {
		ok := false
		for _, a := range allowed {
			ok = ok || a == k
		}
		if !ok {
			return domain.FieldError(domain.ClipRunes(k, 100), "is not a filter of this list (filters: %v)", allowed)
		}
	}
	return nil
}

// intQuery reads a whole-number query parameter (0 if absent).
func intQuery(c *gin.Context, name string) (int, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, domain.FieldError(name, "must be a whole number")
	}
	return n, nil
}

// seqParam reads a sequence number from the path; anything else names nothing.
func seqParam(c *gin.Context, what string) (int, error) {
	n, err := strconv.Atoi(c.Param("seq"))
	if err != nil || n < 1 {
		return 0, domain.Errorf(domain.ENotFound, "no %s %q", what, domain.ClipRunes(c.Param("seq"), 20))
	}
	return n, nil
}
