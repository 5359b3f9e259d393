# Builds the single tvp binary (subcommands: migrate, api, worker) and ships it
# in a minimal, non-root runtime image. docker-compose.yml runs this image
# three times with a different command; deploy/compose_test.go checks that the
# two files stay in sync.

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

# ---- runtime stage ----------------------------------------------------------
# distroless/static has CA certificates and tzdata, no shell and no package
# manager. "nonroot" is UID/GID 65532.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/tvp /usr/local/bin/tvp

USER nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/tvp"]
