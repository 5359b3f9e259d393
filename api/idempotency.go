package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/service"
)

// replayKey holds what a POST was about (service.Replay), set by its handler.
const replayKey = "tvp.replay"

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
// path and body, within IdempotencyTTL) gets the first answer again and changes nothing, once
// the access rule for what it was about has been asked again (the service audits the replay).
// A key reused for another request is a 409. Server-side failures are not kept as answers: a
// retry of the same request runs again (another request under the key stays a 409).
func (s *Server) idempotent(c *gin.Context) {
	by := caller(c)
	if c.Request.Method != http.MethodPost || by.Key == "" {
		c.Next()
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, MaxBodyBytes))
	if err != nil {
		s.fail(c, decodeError(err))
		return
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	sum := sha256.Sum256(body)
	// What the key makes is made from the request too (service.Caller.Request).
	req := sha256.Sum256([]byte(c.Request.Method + "\x00" + c.Request.URL.EscapedPath() + "\x00" + string(sum[:])))
	by.Request = hex.EncodeToString(req[:16])
	c.Set(callerKey, by)
	ctx := c.Request.Context()
	first, err := s.Service.ClaimRequest(ctx, by, c.Request.Method, c.Request.URL.EscapedPath(), sum[:], s.IdempotencyTTL)
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
		if err := s.Service.ForgetRequest(bg, by); err != nil {
			s.log.ErrorContext(ctx, "release idempotency key", "err", err)
		}
		return
	}
	a := service.Answer{Status: rec.Status(), Body: rec.buf.Bytes(), ContentType: rec.Header().Get("Content-Type")}
	if v, ok := c.Get(replayKey); ok {
		r := v.(service.Replay)
		a.About = &r
	}
	if err := s.Service.SaveAnswer(bg, by, a); err != nil {
		s.log.ErrorContext(ctx, "save idempotent response", "err", err)
	}
}
