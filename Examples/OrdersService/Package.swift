// swift-tools-version: 6.1
import PackageDescription

// The seed's API — GET/POST /api/userOrders — as a service of its own that verifies the access
// tokens of a `jwtauth serve` it does not share a store with: the issuer's keys from its JWKS,
// revocations from its feed. Copy this package to start your own API.
let package = Package(
    name: "OrdersService",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orders-service", targets: ["orders-service"])
    ],
    dependencies: [
        // In your own package: .package(url: "https://github.com/…/jwtauth", from: "…").
        .package(name: "jwtauth", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // The app as a library, so the tests build it exactly as the executable does.
        .target(
            name: "OrdersService",
            dependencies: [
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTAuthRemote", package: "jwtauth"),
                .product(name: "HummingbirdJWTAuth", package: "jwtauth"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "orders-service",
            dependencies: [
                "OrdersService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "OrdersServiceTests",
            dependencies: [
                "OrdersService",
                // A real token server, in process: the tests log in, order, log out.
                .product(name: "JWTAuthServer", package: "jwtauth"),
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
