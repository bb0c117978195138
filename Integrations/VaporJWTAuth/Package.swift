// swift-tools-version: 6.1
import PackageDescription

// Every target of ours builds in Swift 6 language mode with the same strict settings as the root
// package, so a dependency that leaks into public API has to be spelled `public import`.
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// JWTAuth for Vapor 4 apps: the token server's engine, routes and Bearer authentication with
// Vapor's idioms. Its own package, so that an app not on Vapor never resolves Vapor. It uses the
// root package's framework-neutral products only (never Hummingbird).
let package = Package(
    name: "VaporJWTAuth",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "VaporJWTAuth", targets: ["VaporJWTAuth"]),
        .executable(name: "vapor-orders", targets: ["vapor-orders"]),
    ],
    dependencies: [
        // In your own package: .package(url: "https://github.com/…/jwtauth", from: "…").
        .package(name: "jwtauth", path: "../.."),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The tests read the revocation feed's stream as it is written.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "VaporJWTAuth",
            dependencies: [
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTAuthHTTP", package: "jwtauth"),
                .product(name: "JWTAuthSQL", package: "jwtauth"),
                .product(name: "JWTAuthRedis", package: "jwtauth"),
                .product(name: "JWTAuthRemote", package: "jwtauth"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The example: the seed's /api/userOrders as a Vapor app verifying the tokens of a
        // `jwtauth serve`. The app as a library, so the tests build it exactly as it runs.
        .target(
            name: "VaporOrders",
            dependencies: [
                "VaporJWTAuth",
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Example/Sources/VaporOrders",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "vapor-orders",
            dependencies: [
                "VaporOrders",
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Example/Sources/vapor-orders",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VaporJWTAuthTests",
            dependencies: [
                "VaporJWTAuth",
                "VaporOrders",
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTAuthHTTP", package: "jwtauth"),
                .product(name: "JWTAuthFlowSuite", package: "jwtauth"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "VaporTesting", package: "vapor"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        // The README's how-to, compiled as a user's package would (default settings).
        .testTarget(
            name: "VaporJWTAuthDocumentationTests",
            dependencies: [
                "VaporJWTAuth",
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "Vapor", package: "vapor"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
