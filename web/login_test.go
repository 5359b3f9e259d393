package web

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A login sends the browser on only to a path of TVP's own.
func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/forloeb/x", "/forloeb/x"},
		{"/forloeb/x?fane=1", "/forloeb/x?fane=1"},
		{"/indbakke", "/indbakke"},
		{"//evil.example", "/indbakke"},
		{"//evil.example/forloeb", "/indbakke"},
		{`/\evil.example`, "/indbakke"},
		{`\\evil.example`, "/indbakke"},
		{`/forloeb\..\\evil.example`, "/indbakke"},
		{"https://evil.example", "/indbakke"},
		{"http://evil.example/forloeb", "/indbakke"},
		{"javascript:alert(1)", "/indbakke"},
		{"evil.example", "/indbakke"},
		{"forloeb/x", "/indbakke"},
		{"", "/indbakke"},
		{"/\t/evil.example", "/indbakke"}, // browsers drop tabs and newlines from a URL: //evil.example
		{"/\n/evil.example", "/indbakke"},
		{"/\r\nSet-Cookie: x=1", "/indbakke"},
	} {
		assert.Equal(t, tc.want, safeNext(tc.next), "safeNext(%q)", tc.next)
	}
}
