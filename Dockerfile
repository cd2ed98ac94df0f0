# kafka-lag-exporter container image.
#
#   docker build -t kafka-lag-exporter:0.1.0 .
#   docker run --rm -p 8000:8000 \
#     -v "$PWD/config/exporter.yaml:/etc/kafka-lag-exporter/exporter.yaml:ro" \
#     kafka-lag-exporter:0.1.0
#
# Two stages on Ubuntu 24.04 (noble), whose librdkafka (2.3.0) is new enough:
#   build    the official Swift image; a release build with the Swift standard
#            library linked statically, so the runtime needs no Swift runtime;
#   runtime  plain Ubuntu 24.04 with only librdkafka1 and the CA certificates.
# scripts/check-release-build.sh proves the same build steps on a host without a
# Docker engine (and checks that the binary needs only libc-level libraries and
# librdkafka); hadolint lints this file (scripts/check-platform.sh).

FROM swift:6.1-noble AS build

# Ubuntu's archive keeps only the current version of each package in a
# release's pocket, so pinning an exact version (DL3008) breaks the build at the
# next security update; the noble release itself pins the major versions
# (librdkafka-dev 2.3.x).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka-dev libjemalloc-dev pkg-config zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first: this layer is reused while only sources change.
COPY Package.swift ./
# Release links place the functions of this list first (Package.swift, releaseLinkerSettings).
COPY scripts/symbol-order.txt ./scripts/
RUN swift package resolve

COPY Sources ./Sources
COPY Tests ./Tests
# install -s strips the symbol table (about 115 MiB -> 70 MiB; crash backtraces
# then show addresses instead of function names).
# The flags of scripts/release-flags.sh (scripts/check-release-build.sh checks that they match).
RUN swift build -c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections --product kafka-lag-exporter \
    && install -D -s -m 0755 "$(swift build -c release --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections --show-bin-path)/kafka-lag-exporter" \
        /out/usr/local/bin/kafka-lag-exporter

FROM ubuntu:24.04 AS runtime

ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown

LABEL org.opencontainers.image.title="kafka-lag-exporter" \
      org.opencontainers.image.description="Prometheus exporter for Kafka consumer-group lag (Swift port of kafka-lag-exporter), built on librdkafka" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.base.name="ubuntu:24.04" \
      org.opencontainers.image.documentation="docs/deployment.md"

# Same reasoning as in the build stage for not pinning exact versions.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends librdkafka1 libjemalloc2 ca-certificates \
    && rm -rf /var/lib/apt/lists/*

COPY --from=build /out/ /
# The default configuration; Kubernetes mounts its ConfigMap over this directory.
COPY config/exporter.yaml /etc/kafka-lag-exporter/exporter.yaml

# A numeric non-root user (no entry in /etc/passwd needed), so that
# runAsNonRoot can verify it.
USER 65532:65532

EXPOSE 8000

ENTRYPOINT ["/usr/local/bin/kafka-lag-exporter"]
CMD ["serve", "--config", "/etc/kafka-lag-exporter/exporter.yaml"]
