// Package activities holds the side effects of TVP's workflows: writes to the read model, the
// audit log and the reminder inbox. Every activity is idempotent: it is keyed by the workflow
// and step (a revision or a key made in the workflow), so a retry writes nothing twice.
package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"tvp/domain"
	"tvp/internal/mail"
	"tvp/store"
)

// Activities holds the dependencies of the activities. Register a *Activities with a worker.
type Activities struct {
	Store *store.Store
	// Mailer, if set, mails each new reminder and the daily digests.
	Mailer *mail.Mailer
	// PublicURL is where people reach TVP, for links in mails.
	PublicURL string
	// Temporal is the client for the Updates a team pause sends to its courses (worker.New sets
	// it to the worker's client).
	Temporal client.Client
	// Now is the clock (time.Now if nil): the day whose stand-ins hold a new reminder, the day
	// a digest is for.
	Now func() time.Time
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// SaveCourseInput is the course's read-model row at one revision.
type SaveCourseInput struct {
	Course domain.CourseRecord
}

// SaveCourseResult is empty: the write either happened or a newer revision was already there.
type SaveCourseResult struct{}

// SaveCourse writes the course's read-model row.
func (a *Activities) SaveCourse(ctx context.Context, in SaveCourseInput) (SaveCourseResult, error) {
	return SaveCourseResult{}, permanent(a.Store.SaveCourse(ctx, in.Course))
}

// AuditInput is one or more audit entries, each with its idempotency key.
type AuditInput struct {
	Entries []domain.AuditEntry
}

// AuditResult is empty.
type AuditResult struct{}

// Audit appends entries to the audit log; an entry whose key is logged already adds nothing.
func (a *Activities) Audit(ctx context.Context, in AuditInput) (AuditResult, error) {
	for _, e := range in.Entries {
		if e.Key == "" {
			return AuditResult{}, temporal.NewNonRetryableApplicationError("audit entry without key", "invalid", nil)
		}
		if err := a.Store.AppendAudit(ctx, e); err != nil {
			return AuditResult{}, permanent(err)
		}
	}
	return AuditResult{}, nil
}

// permanent marks errors that a retry cannot fix (bad input, missing references) as
// non-retryable; anything else (the database is down, a timeout) is retried.
func permanent(err error) error {
	if err == nil {
		return nil
	}
	switch domain.ErrorCode(err) {
	case domain.EInvalid, domain.ENotFound, domain.EConflict:
		var de *domain.Error
		errors.As(err, &de)
		return temporal.NewNonRetryableApplicationError(err.Error(), de.Code, nil)
	}
	return fmt.Errorf("%w", err)
}

// DeleteExpiredAuditInput is the retention limit.
type DeleteExpiredAuditInput struct {
	Before time.Time `json:"before"`
}

// DeleteExpiredAuditResult counts the entries deleted.
type DeleteExpiredAuditResult struct {
	Deleted int64 `json:"deleted"`
}

// DeleteExpiredAudit deletes audit entries older than the limit; run twice, the second run
// finds nothing more to delete.
func (a *Activities) DeleteExpiredAudit(ctx context.Context, in DeleteExpiredAuditInput) (DeleteExpiredAuditResult, error) {
	n, err := a.Store.DeleteAuditBefore(ctx, in.Before)
	return DeleteExpiredAuditResult{Deleted: n}, permanent(err)
}

// DeleteExpiredIdempotencyKeysInput is the time-to-live limit.
type DeleteExpiredIdempotencyKeysInput struct {
	Before time.Time `json:"before"`
}

// DeleteExpiredIdempotencyKeysResult counts the answers deleted.
type DeleteExpiredIdempotencyKeysResult struct {
	Deleted int64 `json:"deleted"`
}

// DeleteExpiredIdempotencyKeys deletes the Idempotency-Key answers claimed before the limit.
func (a *Activities) DeleteExpiredIdempotencyKeys(ctx context.Context, in DeleteExpiredIdempotencyKeysInput) (DeleteExpiredIdempotencyKeysResult, error) {
	n, err := a.Store.DeleteIdempotencyKeysBefore(ctx, in.Before)
	return DeleteExpiredIdempotencyKeysResult{Deleted: n}, permanent(err)
}
