// swift-tools-version: 6.1
import PackageDescription

// Every target builds in Swift 6 language mode with the same strict settings, so a dependency
// that leaks into public API has to be spelled `public import`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "jwtauth",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "JWTAuth", targets: ["JWTAuth"]),
        .library(name: "JWTAuthSQL", targets: ["JWTAuthSQL"]),
        .library(name: "JWTAuthRedis", targets: ["JWTAuthRedis"]),
        .library(name: "JWTAuthHTTP", targets: ["JWTAuthHTTP"]),
        .library(name: "HummingbirdJWTAuth", targets: ["HummingbirdJWTAuth"]),
        .library(name: "JWTAuthServer", targets: ["JWTAuthServer"]),
        .library(name: "JWTAuthClient", targets: ["JWTAuthClient"]),
        .library(name: "JWTAuthRemote", targets: ["JWTAuthRemote"]),
        .library(name: "JWTAuthGateway", targets: ["JWTAuthGateway"]),
        .library(name: "JWTAuthPrometheus", targets: ["JWTAuthPrometheus"]),
        .library(name: "JWTAuthFlowSuite", targets: ["JWTAuthFlowSuite"]),
        .executable(name: "jwtauth", targets: ["jwtauth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sqlite-nio", from: "1.13.2"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Trace export over OTLP/HTTP only: the gRPC exporter would add grpc-swift to every build.
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .target(
            name: "JWTAuth",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JWTAuthSQL",
            dependencies: [
                "JWTAuth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strictSettings
        ),
        // A small RESP client of our own (no Swift Redis package is available): single nodes
        // and Redis Cluster. Not a product: its API is `package`, for JWTAuthRedis only.
        .target(
            name: "JWTAuthRESP",
            dependencies: [
                "JWTAuth",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // rediss:// (TLS to Redis), as JWTAuthSQL uses it for PostgreSQL.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // Redis sessions, revocations and login limits, on the RESP client above.
        .target(
            name: "JWTAuthRedis",
            dependencies: [
                "JWTAuth",
                "JWTAuthRESP",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The token server's HTTP contract without a web framework: Hummingbird's and Vapor's
        // routes are adapters of it.
        .target(
            name: "JWTAuthHTTP",
            dependencies: [
                "JWTAuth",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "HummingbirdJWTAuth",
            dependencies: [
                "JWTAuth",
                "JWTAuthHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "JWTAuthServer",
            dependencies: [
                "JWTAuth",
                "JWTAuthSQL",
                "JWTAuthRedis",
                "HummingbirdJWTAuth",
                "JWTAuthPrometheus",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            resources: [.copy("Web")],
            swiftSettings: strictSettings
        ),
        // For services that verify an issuer's tokens without sharing its store: its JWKS and
        // its revocation feed over HTTP. No server and no database driver.
        .target(
            name: "JWTAuthRemote",
            dependencies: [
                "JWTAuth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // `jwtauth gateway` as a library: a verifying reverse proxy in front of any HTTP service.
        .target(
            name: "JWTAuthGateway",
            dependencies: [
                "JWTAuth",
                "HummingbirdJWTAuth",
                "JWTAuthRemote",
                "JWTAuthPrometheus",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        // The `/metrics` listener of `serve` and `gateway`: a Prometheus registry bootstrapped as
        // the process's metrics backend, on its own port so metrics never share the public one.
        .target(
            name: "JWTAuthPrometheus",
            dependencies: [
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The token server's HTTP contract as black-box cases over any transport, so every
        // framework integration (Hummingbird here, Vapor in Integrations/) runs the same flows.
        .target(
            name: "JWTAuthFlowSuite",
            dependencies: [
                "JWTAuth",
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: strictSettings
        ),
        // The app-side client: Foundation only (URLSession, or any async transport), so an iOS or
        // macOS app can depend on it without pulling in the server's packages.
        .target(
            name: "JWTAuthClient",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "jwtauth",
            dependencies: [
                "JWTAuth",
                "JWTAuthServer",
                "JWTAuthGateway",
                "JWTAuthPrometheus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JWTAuthServerTests",
            dependencies: [
                "JWTAuth",
                "JWTAuthFlowSuite",
                "JWTAuthSQL",
                "HummingbirdJWTAuth",
                "JWTAuthHTTP",
                "JWTAuthServer",
                "JWTAuthPrometheus",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "InMemoryTracing", package: "swift-distributed-tracing"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                // A streaming client for the revocation feed's Server-Sent Events.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // Fresh databases for the multi-instance tests on PostgreSQL.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JWTAuthGatewayTests",
            dependencies: [
                "JWTAuthGateway",
                "JWTAuthPrometheus",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                "JWTAuth",
                "HummingbirdJWTAuth",
                "JWTAuthServer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JWTAuthClientTests",
            dependencies: [
                "JWTAuthClient",
                "JWTAuthServer",
                "JWTAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JWTAuthRemoteTests",
            dependencies: [
                "JWTAuth",
                "JWTAuthRemote",
                "HummingbirdJWTAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JWTAuthStoreTests",
            dependencies: [
                "JWTAuth",
                "JWTAuthSQL",
                "JWTAuthRedis",
                "JWTAuthRESP",
                "jwtauth-store-probe",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // A child process for the crash test: rotates a session in a loop and reports each
        // committed rotation, until it is killed.
        .executableTarget(
            name: "jwtauth-store-probe",
            dependencies: ["JWTAuth", "JWTAuthSQL"],
            path: "Tests/StoreProbe",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "JWTAuthRedisTests",
            dependencies: [
                "JWTAuthRESP",
                "JWTAuthRedis",
                "JWTAuth",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The README's and the examples' Swift code blocks, compiled as a user's package would
        // (default settings: a user's package does not turn on the upcoming features).
        .testTarget(
            name: "DocumentationTests",
            dependencies: [
                "JWTAuth",
                "HummingbirdJWTAuth",
                "JWTAuthRemote",
                "JWTAuthClient",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "JWTAuthTests",
            dependencies: [
                "JWTAuth",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strictSettings
        ),
    ]
)

// libFuzzer targets (Fuzz/), declared only when `scripts/fuzz` sets JWTAUTH_FUZZ: it builds
// them with `-sanitize=fuzzer,address` in a scratch directory of their own, so a normal build
// never sees them. libFuzzer's main drives each through its `LLVMFuzzerTestOneInput`.
if Context.environment["JWTAUTH_FUZZ"] != nil {
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzJOSE", ["JWTAuth"]),
        ("FuzzJWS", ["JWTAuth"]),
        ("FuzzKeys", ["JWTAuth"]),
        ("FuzzRESP", ["JWTAuthRESP", .product(name: "NIOCore", package: "swift-nio")]),
        ("FuzzRequestBody", ["JWTAuthHTTP"]),
    ]
    // The libFuzzer driver call every target's main makes.
    package.targets.append(.target(name: "FuzzDriver", path: "Fuzz/Sources/FuzzDriver"))
    for target in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: target.name,
                dependencies: target.dependencies + ["FuzzDriver"],
                path: "Fuzz/Sources/\(target.name)",
                // Fixtures are plain globals the test function reads, as in C.
                swiftSettings: [.swiftLanguageMode(.v5)]
            )
        )
        package.products.append(.executable(name: target.name, targets: [target.name]))
    }
}
