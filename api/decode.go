package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"
	"github.com/go-playground/validator/v10"

	"tvp/domain"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// decode reads a JSON body into dst strictly: one object, no unknown fields, types as
// declared, within MaxBodyBytes; then checks dst's binding tags. Errors name the field.
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
	if err := binding.Validator.ValidateStruct(dst); err != nil {
		return validationError(dst, err)
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
		return domain.FieldError(field, "is not a field of this request")
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

// validationError turns the first failed binding tag into a field error with the JSON name.
func validationError(dst any, err error) error {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return domain.Errorf(domain.EInvalid, "%v", err)
	}
	fe := ves[0]
	field := jsonPath(reflect.TypeOf(dst), fe.StructNamespace())
	switch fe.Tag() {
	case "required":
		return domain.FieldError(field, "is required")
	case "min":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return domain.FieldError(field, "needs at least %s", plural(fe.Param(), fe.Kind()))
		}
		return domain.FieldError(field, "must be at least %s", fe.Param())
	case "max":
		if fe.Kind() == reflect.Slice || fe.Kind() == reflect.String {
			return domain.FieldError(field, "allows at most %s", plural(fe.Param(), fe.Kind()))
		}
		return domain.FieldError(field, "must be at most %s", fe.Param())
	case "oneof":
		return domain.FieldError(field, "must be one of: %s", fe.Param())
	case "uuid", "uuid4":
		return domain.FieldError(field, "must be a UUID")
	case "datetime":
		return domain.FieldError(field, "must be a date YYYY-MM-DD that exists")
	}
	return domain.FieldError(field, "fails the rule %q", fe.Tag())
}

func plural(n string, k reflect.Kind) string {
	if k == reflect.String {
		return n + " characters"
	}
	return n + " items"
}

// jsonPath maps a validator namespace ("createCourse.Goals[0].Text") to JSON names
// ("goals[0].text").
func jsonPath(t reflect.Type, ns string) string {
	parts := strings.Split(ns, ".")[1:]
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		name, idx, _ := strings.Cut(p, "[")
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		jsonName := name
		if t.Kind() == reflect.Struct {
			if f, ok := t.FieldByName(name); ok {
				t = f.Type
				if f.Anonymous { // an embedded struct's fields are the JSON object's own
					continue
				}
				if tag := strings.Split(f.Tag.Get("json"), ",")[0]; tag != "" && tag != "-" {
					jsonName = tag
				}
			}
		}
		if idx != "" {
			jsonName += "[" + idx
		}
		out = append(out, jsonName)
	}
	return strings.Join(out, ".")
}
