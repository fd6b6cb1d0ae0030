# syntax=docker/dockerfile:1
# Build: a static zonkvmd binary (no cgo).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# docker build --build-arg VERSION=v1.2.3 --build-arg COMMIT=$(git rev-parse HEAD) .
ARG VERSION=""
ARG COMMIT=""
RUN CGO_ENABLED=0 go build -trimpath \
  -ldflags="-s -w -X github.com/zonkvm/zonkvmd/internal/cli.Version=${VERSION} -X github.com/zonkvm/zonkvmd/internal/cli.Commit=${COMMIT}" \
  -o /out/zonkvmd ./cmd/zonkvmd

# Run: distroless static, as a non-root user. Production sets DATABASE_URL
# (compose does), so the image needs no PostgreSQL binaries.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/zonkvmd /usr/local/bin/zonkvmd
COPY examples/catalog.json /srv/zonkvmd/examples/catalog.json
WORKDIR /srv/zonkvmd
USER nonroot:nonroot
ENV ZONKVMD_ADDR=0.0.0.0:8080 \
    ZONKVMD_VAR_DIR=/srv/zonkvmd/var
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/zonkvmd", "healthcheck", "--ready"]
ENTRYPOINT ["/usr/local/bin/zonkvmd"]
CMD ["serve"]
