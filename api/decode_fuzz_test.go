package api

import (
	"bytes"
	"testing"

	"tvp/domain"
	"tvp/service"
)

// FuzzDecodeRequest: whatever a client sends, decoding a request body either succeeds or
// fails with a client error (4xx) that names what is wrong: never a panic, never a 500.
func FuzzDecodeRequest(f *testing.F) {
	seeds := []string{
		`{"team_id":"ungeteam","citizens":[{"cpr":"010203-1234","name":"A"}],"consultant_ids":["a"],"start_date":"2026-01-05","goals":[{"text":"x"}]}`,
		`{"scores":[{"goal_id":"g1","score":3}],"note":"n"}`,
		`{"approve":true,"reason":"r"}`,
		`{"held_at":"2026-01-05T10:00:00Z","citizen_present":true,"goals":[{"goal":"g","agreements":[{"text":"t","responsible":"r"}]}],"summary":"s"}`,
		`{"at":"2026-13-01T00:00:00Z"}`, `{"start_date":"2026-02-30"}`, `{"team_id":7}`, `{"x":1}`, `[]`, `null`, `{`, ``, `{} {}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	targets := []func() any{
		func() any { return &service.ReferInput{} },
		func() any { return &service.ProgressionInput{} },
		func() any { return &service.DecisionInput{} },
		func() any { return &service.MeetingInput{} },
		func() any { return &service.ScheduleInput{} },
		func() any { return &service.EnrolInput{} },
		func() any { return &service.MoveInput{} },
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, target := range targets {
			err := decodeJSON(bytes.NewReader(body), target())
			if err == nil {
				continue
			}
			code := domain.ErrorCode(err)
			status, ok := statusOf[code]
			if !ok || status < 400 || status >= 500 {
				t.Fatalf("body %q: %v gives %d (%s), want a 4xx", body, err, status, code)
			}
			if domain.ErrorMessage(err) == "" {
				t.Fatalf("body %q: an error without a message", body)
			}
		}
	})
}
