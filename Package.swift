// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "roomlog",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "roomlog", targets: ["roomlog"]),
        .executable(name: "roomlog-bench", targets: ["RoomlogBench"]),
        .executable(name: "roomlog-load", targets: ["RoomlogLoad"]),
        .executable(name: "fuzz-event-codec", targets: ["FuzzEventCodec"]),
        .executable(name: "fuzz-request-json", targets: ["FuzzRequestJSON"]),
        .executable(name: "fuzz-import-line", targets: ["FuzzImportLine"]),
        .executable(name: "fuzz-message-assembler", targets: ["FuzzMessageAssembler"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.1.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics.git", from: "1.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
    ],
    targets: [
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "CRoomlogChecksum"),
        .target(name: "RoomlogCore", dependencies: ["CRoomlogChecksum"]),
        .target(name: "RoomlogStore", dependencies: ["RoomlogCore", "CLMDB", .product(name: "Atomics", package: "swift-atomics")]),
        .target(
            name: "RoomlogAuth",
            dependencies: [
                "RoomlogCore",
                "RoomlogStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(name: "RoomlogTools", dependencies: ["RoomlogCore", "RoomlogStore", "CZlib"]),
        .target(
            name: "RoomlogCluster",
            dependencies: [
                "RoomlogCore", "RoomlogStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "RoomlogGateway",
            dependencies: [
                "RoomlogCore", "RoomlogStore", "RoomlogAuth", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            resources: [.copy("Resources/web")]
        ),
        .target(name: "RoomlogTestSupport", path: "Tests/Support"),
        .executableTarget(
            name: "roomlog",
            dependencies: [
                "RoomlogCore", "RoomlogStore", "RoomlogAuth", "RoomlogTools", "RoomlogGateway", "RoomlogCluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "RoomlogBench",
            dependencies: [
                "RoomlogCore", "RoomlogStore", "RoomlogAuth", "RoomlogTools", "RoomlogGateway", "RoomlogCluster",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            path: "Tools/Bench"
        ),
        .executableTarget(
            name: "RoomlogLoad",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tools/Load"
        ),
        .target(name: "RoomlogFuzzSupport", path: "Tools/Fuzz/Support"),
        .executableTarget(name: "FuzzEventCodec", dependencies: ["RoomlogCore", "RoomlogFuzzSupport"], path: "Tools/Fuzz/EventCodec"),
        .executableTarget(name: "FuzzRequestJSON", dependencies: ["RoomlogCore", "RoomlogFuzzSupport"], path: "Tools/Fuzz/RequestJSON"),
        .executableTarget(name: "FuzzImportLine", dependencies: ["RoomlogCore", "RoomlogFuzzSupport"], path: "Tools/Fuzz/ImportLine"),
        .executableTarget(
            name: "FuzzMessageAssembler",
            dependencies: [
                "RoomlogCore", "RoomlogGateway", "RoomlogFuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tools/Fuzz/MessageAssembler"
        ),
        .testTarget(name: "RoomlogCoreTests", dependencies: ["RoomlogCore"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "RoomlogStoreTests",
            dependencies: [
                "RoomlogCore", "RoomlogStore", "RoomlogAuth", "RoomlogTestSupport",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        .testTarget(
            name: "RoomlogGatewayTests",
            dependencies: [
                "RoomlogCore", "RoomlogStore", "RoomlogAuth", "RoomlogGateway", "RoomlogTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "WSClient", package: "swift-websocket"),
                .product(name: "WSCompression", package: "swift-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "RoomlogClusterTests",
            dependencies: [
                "RoomlogCore", "RoomlogStore", "RoomlogCluster", "RoomlogTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RoomlogToolsTests", dependencies: ["RoomlogCore", "RoomlogStore", "RoomlogAuth", "RoomlogTools", "RoomlogTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)

// Upcoming language features that Hummingbird builds with: `any` spelled out, and imports internal unless marked
// `public import`. Not MemberImportVisibility: with it, a C type that Glibc and another C module both declare
// (`struct stat`, `sockaddr_in`) was found through CDispatch or CNIOLinux in some build orders and not in others,
// so the same code failed or passed depending on what was compiled first.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("InternalImportsByDefault"),
    ]
}
