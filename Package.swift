// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Drover",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "drover", targets: ["drover"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // C shims: only a module map and a header each.
        // No pkgConfig: libzmq.pc adds -isystem flags SwiftPM rejects with a warning; zmq.h is in /usr/include.
        .systemLibrary(name: "CZeroMQ", providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        .systemLibrary(name: "CMalloc"),
        .systemLibrary(name: "CSplice"),
        .target(name: "NativeThreads", dependencies: ["CMalloc"], swiftSettings: strict),
        .target(name: "ZeroMQ", dependencies: ["CZeroMQ", "NativeThreads"], swiftSettings: strict),
        .target(name: "DroverProtocol", swiftSettings: strict),
        .target(name: "DroverCore", dependencies: [
            "DroverProtocol", .product(name: "Yams", package: "Yams"),
            .product(name: "DequeModule", package: "swift-collections"),
        ], swiftSettings: strict),
        .target(name: "DroverStore", dependencies: [
            "DroverCore", "DroverProtocol",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ], swiftSettings: strict),
        .target(name: "DroverML", dependencies: ["COpenBLAS"], swiftSettings: strict),
        .target(name: "DroverArtifacts", dependencies: ["CSplice", .product(name: "Crypto", package: "swift-crypto")],
                swiftSettings: strict),
        // HTTP (server: Hummingbird; client: SwiftNIO HTTP/1.1): artifacts, the /api/v1 API over
        // DroverClient and the metadata store, events, metrics, dashboard. The coordinator never imports it.
        .target(name: "DroverHTTP", dependencies: [
            "CSplice", "DroverArtifacts", "DroverClient", "DroverML", "DroverProtocol", "DroverStore", "NativeThreads", "ZeroMQ",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "_NIOFileSystem", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        // `drover serve` (HTTP on NIO directly: see ServeHTTPHandler), rollouts and the feature store. The coordinator never imports it.
        .target(name: "DroverServing", dependencies: [
            "DroverArtifacts", "DroverCore", "DroverHTTP", "DroverML", "DroverProtocol", "DroverStore", "NativeThreads",
            .product(name: "DequeModule", package: "swift-collections"),
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
        ], swiftSettings: strict),
        .target(name: "DroverCoordinator", dependencies: [
            "DroverCore", "DroverStore", "DroverProtocol", "ZeroMQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "DroverClient", dependencies: ["DroverProtocol", "ZeroMQ"], swiftSettings: strict),
        .target(name: "DroverWorker", dependencies: [
            "DroverArtifacts", "DroverCore", "DroverML", "DroverProtocol", "NativeThreads", "ZeroMQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "DroverCLI", dependencies: [
            "DroverArtifacts", "DroverHTTP", "DroverClient", "DroverCoordinator", "DroverPipelines", "DroverServing", "DroverWorker", "DroverML", "DroverProtocol", "DroverCore", "DroverStore", "NativeThreads", "ZeroMQ",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .target(name: "DroverPipelines", dependencies: [
            "DroverArtifacts", "DroverClient", "DroverCoordinator", "DroverCore", "DroverML", "DroverProtocol", "DroverStore", "NativeThreads", "ZeroMQ",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .executableTarget(name: "drover", dependencies: ["DroverCLI"], swiftSettings: strict),
        .executableTarget(name: "zmq-bench", dependencies: ["NativeThreads", "ZeroMQ"], path: "Sources/ZeroMQBench", swiftSettings: strict),

        .testTarget(name: "ZeroMQTests", dependencies: ["ZeroMQ"], swiftSettings: strict),
        .testTarget(name: "DroverProtocolTests", dependencies: ["DroverProtocol"], swiftSettings: strict),
        .testTarget(name: "DroverCoreTests", dependencies: ["DroverCore"], swiftSettings: strict),
        .testTarget(name: "DroverStoreTests", dependencies: ["DroverStore"], swiftSettings: strict),
        .testTarget(name: "DroverClientTests", dependencies: ["DroverClient"], swiftSettings: strict),
        .testTarget(name: "DroverMLTests", dependencies: ["DroverML"], swiftSettings: strict),
        .testTarget(name: "DroverWorkerTests", dependencies: ["DroverWorker", "DroverCore", "DroverML", "DroverProtocol", "DroverPipelines"], swiftSettings: strict),
        .testTarget(name: "DroverCoordinatorTests", dependencies: ["DroverCoordinator", "DroverCore", "DroverProtocol"],
                    swiftSettings: strict),
        .testTarget(name: "DroverArtifactsTests", dependencies: ["DroverArtifacts"], swiftSettings: strict),
        .testTarget(name: "DroverPipelinesTests", dependencies: ["DroverPipelines", "DroverCore"], swiftSettings: strict),
        .testTarget(name: "DroverHTTPTests", dependencies: [
            "DroverHTTP", "DroverArtifacts", "DroverProtocol", "NativeThreads",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "DroverServingTests", dependencies: ["DroverServing", "DroverML", "DroverStore", "DroverCore"],
                    swiftSettings: strict),
        .testTarget(name: "DroverEndToEndTests", dependencies: [
            "drover", "DroverProtocol", "DroverCore", "DroverStore", "DroverHTTP", "NativeThreads", "ZeroMQ",
            .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
    ]
)
