package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/store"
)

// IdempotencyHeader lets a client repeat a POST safely.
const IdempotencyHeader = "Idempotency-Key"

// recorder keeps a copy of what a handler writes.
type recorder struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.buf.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.buf.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}

// idempotent makes a POST with an Idempotency-Key happen once: a repeat (same caller, key,
// path and body) gets the first answer again and changes nothing. A key reused for another
// request is a 409. Server-side failures are not kept, so a retry runs again.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader(IdempotencyHeader)
	if c.Request.Method != http.MethodPost || key == "" {
		c.Next()
		return
	}
	if len(key) > 200 {
		s.fail(c, domain.FieldError(IdempotencyHeader, "is longer than 200 characters"))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
	if err != nil {
		s.fail(c, decodeError(err))
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	me := actor(c)
	ctx := c.Request.Context()
	first, err := s.Store.ClaimIdempotencyKey(ctx, me.ID, key, c.Request.Method, c.Request.URL.Path, sum[:])
	if err != nil {
		s.fail(c, err)
		return
	}
	if first != nil {
		c.Header("Idempotent-Replayed", "true")
		c.Data(first.Status, first.ContentType, first.Body)
		c.Abort()
		return
	}
	rec := &recorder{ResponseWriter: c.Writer}
	c.Writer = rec
	c.Next()
	bg := context.WithoutCancel(ctx)
	if rec.Status() >= 500 {
		if err := s.Store.ReleaseIdempotencyKey(bg, me.ID, key); err != nil {
			s.log.ErrorContext(ctx, "release idempotency key", "err", err)
		}
		return
	}
	if err := s.Store.SaveIdempotentResponse(bg, me.ID, key, store.StoredResponse{
		Status: rec.Status(), Body: rec.buf.Bytes(), ContentType: rec.Header().Get("Content-Type"),
	}); err != nil {
		s.log.ErrorContext(ctx, "save idempotent response", "err", err)
	}
}
