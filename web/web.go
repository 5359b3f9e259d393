// Package web holds the caseworkers' pages: html/template templates and the static files
// (CSS, one small script), embedded in the binary. No CDN, no external service.
package web

import "embed"

// FS holds templates/*.html and static/*.
//
//go:embed templates static
var FS embed.FS
