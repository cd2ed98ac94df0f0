# kafka-lag-exporter container image (docs/deployment.md).
#
#   docker build -t kafka-lag-exporter:0.1.0 .
#   docker build --platform linux/arm64 -t kafka-lag-exporter:0.1.0 .    # another architecture
#   docker run --rm -p 8000:8000 \
#     -v "$PWD/config/exporter.yaml:/etc/kafka-lag-exporter/exporter.yaml:ro" \
#     kafka-lag-exporter:0.1.0
#
# Two stages on Debian 12 (bookworm), the distribution the tests run on:
#   build    the official Swift image: librdkafka built from the Debian source
#            package of the exact version the tests use (scripts/librdkafka.env,
#            built by scripts/build-librdkafka.sh as `make setup` does), then the
#            release build of scripts/release-build.sh (static Swift stdlib,
#            stripped);
#   runtime  Debian 12 slim with that librdkafka, its runtime libraries,
#            jemalloc and the CA certificates; a numeric non-root user.
# BUILDER_IMAGE and RUNTIME_IMAGE replace the bases: CI builds this file with
# bases it makes from Debian's archive (scripts/check-image.sh).

ARG BUILDER_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${BUILDER_IMAGE} AS build

# Debian 12's archive updates packages in place (security fixes), so exact
# versions (DL3008) would break the build at the next update; the release pins
# the major versions. librdkafka itself is pinned exactly (scripts/librdkafka.env).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential pkg-config ca-certificates debian-archive-keyring \
        libssl-dev libsasl2-dev libzstd-dev liblz4-dev zlib1g-dev libcurl4-openssl-dev libjemalloc-dev \
    && rm -rf /var/lib/apt/lists/*

COPY scripts/librdkafka.env scripts/debian-mirror.sh scripts/build-librdkafka.sh /src/scripts/
RUN bash /src/scripts/build-librdkafka.sh /usr/local

WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
COPY scripts/release-build.sh ./scripts/
# SwiftPM's build folder (package checkouts, compiled modules) is a cache
# mount: it is kept between builds on one machine, so a change to the sources
# recompiles only what it touches, and it never enters an image.
RUN --mount=type=cache,target=/src/.build \
    SCRATCH=.build bash scripts/release-build.sh /out/usr/local/bin

FROM ${RUNTIME_IMAGE} AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown

LABEL org.opencontainers.image.title="kafka-lag-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Kafka consumer-group lag (Swift port of kafka-lag-exporter), built on librdkafka" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="debian:bookworm-slim" \
      org.opencontainers.image.documentation="docs/deployment.md"

# librdkafka from the build stage, and the libraries it and the exporter load:
# OpenSSL, Cyrus SASL, zstd, lz4, zlib, libcurl (OAUTHBEARER/OIDC), jemalloc.
COPY --from=build /usr/local/lib/librdkafka.so.1 /usr/local/lib/
# Same reasoning as in the build stage for not pinning exact versions.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libssl3 libsasl2-2 libzstd1 liblz4-1 zlib1g \
        libcurl4 libjemalloc2 \
    && rm -rf /var/lib/apt/lists/* \
    && ldconfig

COPY --from=build /out/ /
# The default configuration; Kubernetes mounts its ConfigMap over this directory.
COPY config/exporter.yaml /etc/kafka-lag-exporter/exporter.yaml

# A numeric non-root user (no entry in /etc/passwd needed), so that
# runAsNonRoot can verify it. Nothing is written at run time: the root
# filesystem can be read-only.
USER 65532:65532

EXPOSE 8000

ENTRYPOINT ["/usr/local/bin/kafka-lag-exporter"]
CMD ["serve", "--config", "/etc/kafka-lag-exporter/exporter.yaml"]
