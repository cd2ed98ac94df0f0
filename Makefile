# kafka-lag-exporter: every target runs the idempotent setup first, so a fresh
# Debian 12 machine needs nothing but `make demo` or `make test`.
SWIFT ?= swift

.PHONY: setup build release test test-swift check-platform demo clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release --static-swift-stdlib

# Everything CI checks: the platform files (hadolint, yamllint, kustomize +
# kubernetes-validate, promtool), the release build with the static Swift
# stdlib, then the unit tests and broker-backed tests (each test starts its
# own Tansu on loopback; the CLI tests run the built binary, so it is built first).
test: setup
	$(SWIFT) build --build-tests
	bash scripts/check-platform.sh
	bash scripts/check-release-build.sh
	$(SWIFT) test --skip-build --disable-xctest

# Only the Swift tests (quicker while developing).
test-swift: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest

check-platform: setup
	bash scripts/check-platform.sh

# A local broker with a demo workload, then the exporter's lag printout.
demo: setup
	$(SWIFT) build
	@bash scripts/demo.sh

clean:
	rm -rf .build .build-release
