# kafka-lag-exporter: every target runs the idempotent setup first, so a fresh
# Debian 12 machine needs nothing but `make demo` or `make test`.
SWIFT ?= swift

.PHONY: setup build release test demo clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --static-swift-stdlib

# Unit tests and broker-backed tests (each starts its own Tansu on loopback).
# The CLI tests run the built binary, so build everything first.
test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

# A local broker with a demo workload, then the exporter's lag printout.
demo: setup
	$(SWIFT) build
	@bash scripts/demo.sh

clean:
	rm -rf .build
