# kafka-lag-exporter: every target runs the idempotent setup first, so a fresh
# Debian 12 machine needs nothing but `make demo` or `make test`.
SWIFT ?= swift

.PHONY: setup build release image test test-swift swift-tests check-platform demo bench fuzz clean

setup:
	@bash scripts/setup.sh

build: setup
	$(SWIFT) build

# The release build the image ships (scripts/release-build.sh): the stripped
# binary in .build-release/bin.
release: setup
	bash scripts/release-build.sh

# Everything CI checks: the platform files (hadolint, yamllint, kustomize +
# kubernetes-validate, promtool), the image (scripts/check-image.sh: the
# Dockerfile built with podman and run against a broker with known groups; the
# one release build of the run), the demo run headless and checked by
# scripts/verify.sh, the benchmark smoke (requests per poll and memory growth
# against Tansu), then the unit tests and broker-backed tests in one parallel
# run (each test starts its own Tansu on loopback; the CLI tests run the built
# binary, so it is built first).
test: setup
	$(SWIFT) build --build-tests
	bash scripts/check-platform.sh
	bash scripts/check-image.sh
	bash scripts/demo-check.sh
	bash scripts/bench-smoke.sh
	$(MAKE) --no-print-directory swift-tests

# Only the Swift tests (quicker while developing).
test-swift: setup
	$(SWIFT) build --build-tests
	$(MAKE) --no-print-directory swift-tests

# The Swift tests in one run, every suite in parallel. No suite needs the
# machine to itself: each test waits for the event it checks (a poll counted
# in /metrics, a request held by the test proxy, a connection closed) and
# asserts values, never how fast they came; timeouts only turn a hang into a
# failure. Speed is measured by `make bench` (docs/benchmarks.md). The
# CPU-bound pure and property suites share Swift's cooperative pool (one thread
# per core) with the broker suites and can hold it for a minute: the broker
# suites' waits allow for that (readiness 120 s; `eventually` checks once more
# after its deadline), and heavy renders run off the pool (offCooperativePool).
swift-tests:
	$(SWIFT) test --skip-build --disable-xctest

check-platform: setup
	bash scripts/check-platform.sh

# The image as CI builds and checks it: localhost/kafka-lag-exporter:ci.
image: setup
	$(SWIFT) build
	bash scripts/check-image.sh

# The main job on an embedded default: broker, demo workload, exporter and
# Prometheus on loopback, until Ctrl-C. scripts/verify.sh checks it.
demo: setup
	$(SWIFT) build
	@bash scripts/demo.sh

# Benchmarks (docs/benchmarks.md): release builds in .build-bench, the
# in-process benchmarks and the macro benchmark against a real Tansu broker;
# writes docs/benchmarks-results.md. BENCH_SIZES, BENCH_POLLS, ... in scripts/bench.sh.
bench: setup
	bash scripts/bench.sh

# Property tests on fresh random inputs. `make test` runs every property at a
# fixed seed (the same inputs each run); `make fuzz` runs the property suites
# with KLE_FUZZ_SEED set to a fresh 64-bit seed (printed first) and
# KLE_FUZZ_COUNT inputs per property (default: ten times the `make test`
# count). A failure prints the seed and the shrunk input (add it to the corpus,
# Tests/*/Corpus). `make fuzz SEED=<hex> [COUNT=<n>]` replays a run exactly.
FUZZ_SUITES := HostileInputPropertyTests|HostileConfigurationTests|LagHistoryModelTests|PartitionMapTests
fuzz: setup
	$(SWIFT) build --build-tests
	@seed="$(SEED)"; seed="$${seed:-$$(od -An -N8 -tx8 /dev/urandom | tr -d ' \n')}"; \
	replay="make fuzz SEED=$$seed$(if $(COUNT), COUNT=$(COUNT))"; \
	echo "fuzz: seed $$seed (replay: $$replay)"; \
	KLE_FUZZ_SEED=$$seed KLE_FUZZ_COUNT=$(COUNT) \
		$(SWIFT) test --skip-build --disable-xctest --filter '$(FUZZ_SUITES)' \
		|| { echo "fuzz: failed with seed $$seed (replay: $$replay)"; exit 1; }

clean:
	rm -rf .build .build-release
