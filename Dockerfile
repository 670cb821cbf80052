# Build: a static binary (pure-Go SQLite, no cgo).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/liaison ./cmd/liaison \
 && mkdir -p /out/data

# Run: distroless static, non-root, the database on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/liaison /usr/local/bin/liaison
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV LIAISON_DB=/data/liaison.db \
    LIAISON_HTTP_ADDR=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["liaison"]
CMD ["run"]
