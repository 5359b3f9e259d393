# Builds the single tvp binary (subcommands: migrate, api, worker, certs, ...)
# and ships it in a minimal, non-root runtime image that runs in production mode
# (TVP_ENV=production: it refuses to start on development settings).
# docker-compose.yml runs this image with a different command per service;
# deploy/compose_test.go checks that the two files stay in sync.

# ---- build stage ------------------------------------------------------------
FROM golang:1.26.8-bookworm AS build

WORKDIR /src

# Use exactly the Go of this image; never fetch another toolchain at build time.
ENV GOTOOLCHAIN=local

# Download modules in their own layer so source edits don't invalidate it.
COPY go.mod go.sum ./
RUN go mod download

COPY . .
# Static binary (no cgo) so it runs on distroless/static.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/tvp ./cmd/tvp
# Where `tvp certs` writes the compose stack's TLS files: a volume mounted at
# /var/lib/tvp/certs takes this directory's owner (nonroot) when it is first
# created. (certs is copied as an item of state/, so --chown surely applies.)
RUN mkdir -p /out/state/certs

# ---- runtime stage ----------------------------------------------------------
# distroless/static has CA certificates and tzdata, no shell and no package
# manager. "nonroot" is UID/GID 65532.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/tvp /usr/local/bin/tvp
COPY --from=build --chown=65532:65532 /out/state /var/lib/tvp

# Production unless told otherwise: development auth, the development pepper,
# relative or missing key files and plaintext Temporal are refused at start.
ENV TVP_ENV=production

USER nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tvp"]
