// swift-tools-version: 6.1
import PackageDescription

import class Foundation.ProcessInfo

/// Settings every Swift target shares: Swift 6 language mode (strict
/// concurrency) plus the upcoming features that keep imports honest.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// jemalloc is the exporter's allocator on Linux. `KAFKA_LAG_EXPORTER_ALLOCATOR=system`
/// builds with the C library's malloc instead, only to measure what jemalloc
/// saves (docs/benchmarks.md, "Memory"); nothing else builds that way.
let linksJemalloc = ProcessInfo.processInfo.environment["KAFKA_LAG_EXPORTER_ALLOCATOR"] != "system"

let package = Package(
    name: "kafka-lag-exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "kafka-lag-exporter", targets: ["KafkaLagExporter"]),
        .executable(name: "kafka-lag-demo", targets: ["DemoWorkload"]),
        .executable(name: "kafka-lag-fixture", targets: ["ScaleFixture"]),
        .library(name: "KafkaAdmin", targets: ["KafkaAdmin"]),
        .library(name: "LagCore", targets: ["LagCore"]),
        .library(name: "LagPoll", targets: ["LagPoll"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.0.0"),
        .package(url: "https://github.com/adam-fowler/compress-nio", from: "1.0.0"),
        // The web endpoint: basic-auth bcrypt hashes, TLS, request limits (docs/configuration.md, "Web endpoint").
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        // Test only: property-based hostile-input tests (LagCoreTests, KafkaLagExporterTests).
        .package(url: "https://github.com/x-sheep/swift-property-based", exact: "2.0.1"),
    ],
    targets: [
        // The thin C layer: librdkafka found through pkg-config, plus a version guard.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        // The daemon's allocator on Linux: jemalloc and the options it starts with
        // (allocator.c; why in MemoryTuning.swift). Other platforms keep the system's.
        .target(
            name: "CAllocator",
            linkerSettings: linksJemalloc ? [.linkedLibrary("jemalloc", .when(platforms: [.linux]))] : []
        ),
        // Safe async Swift admin client over librdkafka.
        .target(
            name: "KafkaAdmin",
            dependencies: [
                "CRdKafka",
                "LagCore",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The pure lag domain: snapshot, lag math, filters, rendering. No C.
        .target(
            name: "LagCore",
            swiftSettings: swiftSettings
        ),
        // The poll: one collection of a cluster's groups, offsets and log
        // offsets through the admin client, as a snapshot of the domain.
        .target(
            name: "LagPoll",
            dependencies: ["KafkaAdmin", "LagCore"],
            swiftSettings: swiftSettings
        ),
        // The executable: commands, configuration and HTTP, wiring the poll to the domain.
        .executableTarget(
            name: "KafkaLagExporter",
            dependencies: [
                "CAllocator",
                "KafkaAdmin",
                "LagCore",
                "LagPoll",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ],
            swiftSettings: swiftSettings
        ),
        // Writes to a broker (topics, records, commits, a real consumer) and a
        // launcher for the test broker. Used by tests, the demo and benchmarks;
        // never by the exporter itself.
        .target(
            name: "KafkaTestSupport",
            dependencies: [
                "CRdKafka",
                "KafkaAdmin",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A demo workload for `make demo`: topics, a producer and lagging groups.
        .executableTarget(
            name: "DemoWorkload",
            dependencies: [
                "KafkaTestSupport",
                "KafkaAdmin",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The scale fixture for benchmarks (docs/benchmarks.md): T topics x P
        // partitions, records one per batch, G groups with committed offsets.
        .executableTarget(
            name: "ScaleFixture",
            dependencies: [
                "KafkaTestSupport",
                "KafkaAdmin",
                "LagCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The property tests' driver (fixed seeds, `make fuzz`), shared by the test targets.
        .target(
            name: "PropertyTestSupport",
            dependencies: [.product(name: "PropertyBased", package: "swift-property-based")],
            path: "Tests/PropertyTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LagCoreTests",
            dependencies: ["LagCore", "PropertyTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            exclude: ["Corpus"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KafkaAdminTests",
            dependencies: ["KafkaAdmin", "KafkaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "LagPollTests",
            dependencies: ["LagPoll", "KafkaAdmin", "LagCore", "KafkaTestSupport"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KafkaLagExporterTests",
            dependencies: [
                "KafkaLagExporter", "KafkaTestSupport", "KafkaAdmin", "LagCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                "PropertyTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "Yams", package: "Yams"),
            ],
            exclude: ["Corpus"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)

// In-process benchmarks (ordo-one/benchmark, `make bench`, docs/benchmarks.md).
// Only with KAFKA_LAG_EXPORTER_BENCHMARKS=1 in the environment, so that
// `swift build`, `make test` and the release build neither fetch nor build the
// benchmark package and its malloc interposer.
if ProcessInfo.processInfo.environment["KAFKA_LAG_EXPORTER_BENCHMARKS"] == "1" {
    package.dependencies.append(
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"])
    )
    package.targets.append(
        .executableTarget(
            name: "LagCoreBenchmarks",
            dependencies: [
                "LagCore",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/LagCoreBenchmarks",
            swiftSettings: swiftSettings,
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark"),
            ]
        )
    )
}
