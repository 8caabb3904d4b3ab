// swift-tools-version:6.2
import PackageDescription

/// One strictness block for every target (architecture.md, house rule 10): Swift 6 language
/// mode, existential `any` spelled out, imports visible only where they are written, and
/// every warning an error.
let strictness: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "msid",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "msid", targets: ["msid"]),
        .library(name: "IRQModel", targets: ["IRQModel"]),
    ],
    dependencies: [
        // Command-line flags with `MSID_*` environment fallbacks and generated help.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The logging API: one stderr handler bootstrapped by the executable.
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The Prometheus exposition format for /metrics (counters, gauges, histograms).
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CMicroHTTPD",
            pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]
        ),
        .target(name: "MicroHTTP", dependencies: ["CMicroHTTPD"], swiftSettings: strictness),
        .target(name: "IRQModel", swiftSettings: strictness),
        .target(name: "SnapshotStore", swiftSettings: strictness),
        .target(
            name: "MSIDService",
            dependencies: [
                "MicroHTTP", "IRQModel", "SnapshotStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The contract, embedded from openapi/msid.yaml through a symlink: /openapi.yaml
            // serves the same bytes as the file.
            resources: [.embedInCode("Resources/msid.yaml")],
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "msid",
            dependencies: [
                "MSIDService", "MicroHTTP", "SnapshotStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictness
        ),
        .target(name: "MSIDTestSupport", swiftSettings: strictness),
        .executableTarget(
            name: "IRQModelBenchmark",
            dependencies: ["IRQModel"],
            path: "Benchmarks/IRQModelBenchmark",
            swiftSettings: strictness
        ),
        .executableTarget(
            name: "DurabilityBenchmark",
            dependencies: ["MSIDService", "MicroHTTP", "IRQModel", "SnapshotStore", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/DurabilityBenchmark",
            swiftSettings: strictness
        ),
        .testTarget(name: "IRQModelTests", dependencies: ["IRQModel"], swiftSettings: strictness),
        .testTarget(name: "SnapshotStoreTests", dependencies: ["SnapshotStore"], swiftSettings: strictness),
        .testTarget(
            name: "MicroHTTPTests",
            dependencies: ["MicroHTTP", "MSIDTestSupport"],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "MSIDServiceTests",
            dependencies: ["MSIDService", "MicroHTTP"],
            swiftSettings: strictness
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["MSIDTestSupport", "msid"],
            swiftSettings: strictness
        ),
    ]
)
