// Package deploy holds the checks for the container deployment files at the
// repository root: Dockerfile, .dockerignore and docker-compose.yml.
//
// There is no production code here. compose_test.go parses docker-compose.yml
// and the Dockerfile (no Docker engine needed) and verifies that the stack is
// wired up: every image is pinned, the migrate/api/worker services run the tvp
// binary the Dockerfile builds from ./cmd/tvp, each gets the TVP_*
// environment it needs, and start-up ordering waits for PostgreSQL, the
// migrations and Temporal.
package deploy
