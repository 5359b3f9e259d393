// Package deploy holds the checks for the container deployment files at the
// repository root: Dockerfile, .dockerignore and docker-compose.yml (with
// deploy/temporal/dynamicconfig.yaml).
//
// There is no production code here. compose_test.go loads docker-compose.yml
// with compose-spec/compose-go, the loader docker compose uses, in the
// environment the README starts it with (no Docker engine needed), and checks
// the typed project: every image pinned, Temporal's server and schema tool of
// one release, the schema made before the server starts and the namespace
// registered before the app does, the tvp binary the Dockerfile builds run
// with the TVP_* environment each subcommand needs, and the ports, networks
// and start-up order. production_test.go checks that the stack is safe by
// default; dockerfile_test.go reads the Dockerfile for what matters in the
// image.
package deploy
