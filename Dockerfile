# Build: a static binary (pure-Go SQLite, no cgo), by scripts/build-static,
# the same script .ci/run builds and tests with.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN scripts/build-static /out/liaison "${VERSION}" \
 && mkdir -p /out/data

# Run: distroless static, non-root (uid 65532), the database on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/liaison /usr/local/bin/liaison
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV LIAISON_DB=/data/liaison.db \
    LIAISON_HTTP_ADDR=0.0.0.0:8080
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
# No shell or curl in the image: the binary asks its own /healthz.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/liaison", "healthcheck"]
ENTRYPOINT ["liaison"]
CMD ["run"]
