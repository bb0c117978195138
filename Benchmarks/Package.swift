// swift-tools-version: 6.3
import PackageDescription

// Side-by-side benchmarks: JWTAuth, vapor/jwt-kit and the bare swift-crypto operation, measured
// in one run so the ratios in docs/PERFORMANCE.md come from the same machine state. A separate
// package keeps the benchmark and jwt-kit dependencies out of the main package's graph.
let package = Package(
    name: "JWTAuthBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        // A path dependency is known by its folder's name ("main" in one checkout, anything in
        // another); `name:` pins it, so `package: "jwtauth"` below works wherever it is cloned.
        .package(name: "jwtauth", path: "../"),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // No traits, as in the main package: the HTTP benchmark runs the same Hummingbird build
        // that the token server does.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // The Vapor integration against vapor/jwt (Vapor's JWT package) in a Vapor request.
        .package(name: "VaporJWTAuth", path: "../Integrations/VaporJWTAuth"),
        .package(url: "https://github.com/vapor/vapor", from: "4.122.0"),
        .package(url: "https://github.com/vapor/jwt", from: "5.2.0"),
    ],
    targets: [
        // The keys, claims and tokens every suite shares, so all three contenders work on the
        // same bytes.
        .target(
            name: "BenchmarkFixtures",
            dependencies: [
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Sources/BenchmarkFixtures"
        ),
        .executableTarget(
            name: "Verifying",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Benchmarks/Verifying",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "Signing",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Benchmarks/Signing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Verification with a remote key set (fetched over HTTP) against a local one.
        .executableTarget(
            name: "Remote",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTAuthRemote", package: "jwtauth"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Benchmarks/Remote",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // What the audit log costs a login.
        .executableTarget(
            name: "Accounts",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JWTAuth", package: "jwtauth"),
            ],
            path: "Benchmarks/Accounts",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A token verified from a Vapor request: VaporJWTAuth's authenticator against vapor/jwt's
        // `req.jwt.verify`. Building it builds Vapor (several minutes the first time).
        .executableTarget(
            name: "VaporRequests",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "VaporJWTAuth", package: "VaporJWTAuth"),
                .product(name: "Vapor", package: "vapor"),
                .product(name: "JWT", package: "jwt"),
            ],
            path: "Benchmarks/VaporRequests",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Not a benchmark (the plugin only runs targets under Benchmarks/): runs one case N times
        // for `valgrind --tool=callgrind`, whose instruction counts are immune to machine noise.
        .executableTarget(
            name: "InstructionCount",
            dependencies: [
                "BenchmarkFixtures",
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Sources/InstructionCount"
        ),
        // Not a benchmark either: the server side of `http.sh`, one Hummingbird app serving
        // `GET /api/me` with or without JWTAuth's bearer authentication, for wrk to compare.
        .executableTarget(
            name: "HTTPTarget",
            dependencies: [
                .product(name: "JWTAuth", package: "jwtauth"),
                .product(name: "HummingbirdJWTAuth", package: "jwtauth"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/HTTPTarget"
        ),
    ]
)
