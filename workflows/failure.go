// Package workflows holds what TVP's workflow packages share.
package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"

	"tvp/domain"
)

// Failure turns a domain error into the application error a workflow, an update handler or
// a validator returns: its type is the domain code and its details hold the field, so that
// the API can answer with the right status and name the field.
func Failure(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		return err
	}
	return temporal.NewApplicationErrorWithOptions(de.Message, de.Code, temporal.ApplicationErrorOptions{
		NonRetryable: true,
		Details:      []any{de.Field},
	})
}
