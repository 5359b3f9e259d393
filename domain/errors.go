// Package domain holds the types and error codes of TVP that every other package shares.
// It imports no implementation: no database, no Temporal, no HTTP.
package domain

import (
	"errors"
	"fmt"
)

// Error codes: stable, machine-readable, mapped to HTTP statuses in exactly one place (api).
const (
	EInvalid      = "invalid"      // the input is malformed or breaks a rule
	ENotFound     = "not_found"    // the thing does not exist (or the caller may not know it does)
	EConflict     = "conflict"     // the request clashes with the current state (duplicate, already exists)
	EPhase        = "wrong_phase"  // the step is not allowed in the current phase
	EForbidden    = "forbidden"    // authenticated, but not allowed
	EUnauthorized = "unauthorized" // not authenticated
	EUnavailable  = "unavailable"  // a dependency (database, Temporal) cannot be reached right now
	ETimeout      = "timeout"      // a dependency did not answer in time
	ETooLarge     = "too_large"    // the request body is over the limit
	ERateLimited  = "rate_limited" // too many requests from the caller in a short time
	EMethod       = "method_not_allowed"
	EInternal     = "internal" // a bug or an unexpected failure; details are logged, never shown
)

// Error is an application error with a code, a human message and, for input errors, the field.
type Error struct {
	Code    string
	Message string
	Field   string
	// Max is the field's limit when the input is too long (characters) or has too many items.
	Max int
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EInvalid error about one input field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for any other
// non-nil error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EInternal
	}
}

// ErrorMessage returns the message of the first *Error in err's chain, or a generic text:
// internal details never leave the process through it.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the input field the error is about, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// ErrorMax returns the limit an input went over (Error.Max), or 0.
func ErrorMax(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Max
	}
	return 0
}

// KnownCode reports whether code is one of TVP's error codes.
func KnownCode(code string) bool {
	switch code {
	case EInvalid, ENotFound, EConflict, EPhase, EForbidden, EUnauthorized, EUnavailable, ETimeout, ETooLarge, ERateLimited, EMethod, EInternal:
		return true
	}
	return false
}
