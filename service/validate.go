package service

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/go-playground/validator/v10"

	"tvp/domain"
)

// validate is the one check of every use case's input, before anything happens: its binding
// tags (required, lengths, formats; go-playground/validator, as Gin's binding uses it), and
// every string in it (domain.CheckText: UTF-8, no NUL, no control character; a field tagged
// text:"line" is one line). Errors name the field by its JSON path.
var validate = func() func(in any) error {
	v := validator.New()
	v.SetTagName("binding")
	// code: a value of one of the domain's vocabularies (the domain says which are valid).
	if err := v.RegisterValidation("code", func(fl validator.FieldLevel) bool {
		c, ok := fl.Field().Interface().(vocabulary)
		return ok && c.Valid()
	}); err != nil {
		panic(err)
	}
	return func(in any) error {
		if err := checkStrings(reflect.ValueOf(in), ""); err != nil {
			return err
		}
		if err := v.Struct(in); err != nil {
			return validationError(in, err)
		}
		return nil
	}
}()

// vocabulary is a code of the domain's (a decision body, a target key): it says which values
// are valid.
type vocabulary interface {
	Valid() bool
	Codes() []string
}

// checkStrings walks v and checks every string it holds.
func checkStrings(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return checkStrings(v.Elem(), path)
	case reflect.String:
		return domain.CheckText(path, v.String())
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil // bytes, not text
		}
		for i := 0; i < v.Len(); i++ {
			if err := checkStrings(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name := jsonName(f)
			if name == "-" {
				continue
			}
			p := path
			if !f.Anonymous {
				p = join(path, name)
			}
			if f.Tag.Get("text") == "line" && f.Type.Kind() == reflect.String {
				if err := domain.CheckLine(p, v.Field(i).String()); err != nil {
					return err
				}
				continue
			}
			if err := checkStrings(v.Field(i), p); err != nil {
				return err
			}
		}
	}
	return nil
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func jsonName(f reflect.StructField) string {
	if tag := strings.Split(f.Tag.Get("json"), ",")[0]; tag != "" {
		return tag
	}
	return f.Name
}

// validationError turns the first failed binding tag into a field error with the JSON name.
func validationError(in any, err error) error {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return domain.Errorf(domain.EInvalid, "%v", err)
	}
	fe := ves[0]
	field := jsonPath(reflect.TypeOf(in), fe.StructNamespace())
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
			e := domain.FieldError(field, "allows at most %s", plural(fe.Param(), fe.Kind()))
			e.Max, _ = strconv.Atoi(fe.Param())
			return e
		}
		return domain.FieldError(field, "must be at most %s", fe.Param())
	case "oneof":
		return domain.FieldError(field, "must be one of: %s", fe.Param())
	case "code":
		if c, ok := fe.Value().(vocabulary); ok {
			return domain.FieldError(field, "must be one of: %s", strings.Join(c.Codes(), " "))
		}
		return domain.FieldError(field, "is not a known code")
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

// jsonPath maps a validator namespace ("ReferInput.Goals[0].Text") to JSON names
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

// oneOf refuses a value that is not among the allowed (a list of the domain's).
func oneOf[T ~string](field string, v T, allowed []T) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	return domain.FieldError(field, "must be one of: %s", strings.Join(names, " "))
}
