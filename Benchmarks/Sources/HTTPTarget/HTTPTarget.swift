import Hummingbird
import HummingbirdJWTAuth
import JWTAuth
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The server side of the HTTP benchmark (`http.sh`): one Hummingbird app serving
/// `GET /api/me` on 127.0.0.1, with or without JWTAuth in front, so wrk can compare the two.
///
///     HTTPTarget --mode none|auth [--alg ES256|HS256|EdDSA|RS256] [--port N]
///
/// It prints a valid access token on the first line of stdout (for wrk's `Authorization`
/// header), then `listening on http://127.0.0.1:PORT` once it accepts connections (`--port 0`
/// lets the kernel pick), and serves until SIGINT or SIGTERM.
///
/// - `none`: the same router, context and `ErrorMiddleware` as `auth`, but no authenticator;
///   the route answers a fixed body built from the same session, so both modes send and receive
///   the same bytes and the difference is what JWTAuth costs per request.
/// - `auth`: `BearerAuthenticator` + `RequireAuthenticationMiddleware` in front of the route,
///   which answers from the verified identity exactly like the token server's `/api/me`.
///
/// Not a benchmark target (the plugin only runs targets under `Benchmarks/`).
@main
struct HTTPTarget {
    enum Mode: String {
        case none
        case auth
    }

    struct Options {
        var mode: Mode = .auth
        var algorithm: JWSAlgorithm = .es256
        var port = 8081
    }

    static func main() async throws {
        guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
            print("usage: HTTPTarget --mode none|auth [--alg ES256|HS256|EdDSA|RS256] [--port N]")
            exit(2)
        }
        var logger = Logger(label: "http-target")
        // Anything logged per request would be measured too; only real trouble is printed.
        logger.logLevel = .warning

        // A memory store: the protected route never touches the store (the access token is
        // checked against the signature, the claims policy and the revocation cache only), so
        // its choice does not change what is measured.
        let store = MemoryStore()
        let sessions = try SessionManager(
            configuration: SessionConfiguration(
                issuer: "http://127.0.0.1",
                // Long enough for any run: an expired token would turn every request into a 401.
                accessTokenLifetime: .seconds(3600)
            ),
            signingKey: JWTKey.generate(options.algorithm),
            sessions: store,
            users: store,
            logger: logger
        )
        let now = SystemClock().now
        // The user is put into the store directly: the password is never checked here, so a
        // bcrypt round is not worth its start-up time.
        let user = UserRecord(
            id: "3f2b8c1e-9a4d-4e7b-8c6f-1d2e3f4a5b6c",
            username: "bench",
            passwordHash: "-",
            createdAt: now
        )
        try await store.createUser(user)
        let tokens = try await sessions.createSession(for: user, clientID: "bench", userAgent: "wrk")
        // Checked once here so that a broken token fails loudly at start, not as 100 % 401s.
        let identity = try sessions.verifyAccessToken(tokens.accessToken)
        print(tokens.accessToken)

        let router = Router(context: JWTAuthContext.self)
        router.add(middleware: ErrorMiddleware(logger: logger))
        switch options.mode {
        case .none:
            // Built per request like the real handler does (a dictionary, then the JSON
            // writer), so the two modes differ only in the authentication.
            router.group("api").get("me") { _, _ in JSONResponse.identity(identity) }
        case .auth:
            router.group("api")
                .add(middleware: BearerAuthenticator(sessions: sessions))
                .add(middleware: RequireAuthenticationMiddleware())
                .get("me") { _, context in
                    guard let identity = context.identity else { throw AuthHTTPError.authenticationRequired() }
                    return JSONResponse.identity(identity)
                }
        }

        let app = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: options.port), serverName: "http-target"),
            onServerRunning: { channel in
                print("listening on http://127.0.0.1:\(channel.localAddress?.port ?? options.port) mode=\(options.mode.rawValue) alg=\(options.algorithm)")
                // stdout is a pipe or file under the script: without a flush the line would sit
                // in the buffer and the script would wait for it forever.
                fflush(nil)
            },
            logger: logger
        )
        try await app.runService()
    }

    static func parse(_ arguments: [String]) -> Options? {
        var options = Options()
        var remaining = arguments[...]
        while let flag = remaining.popFirst() {
            guard let value = remaining.popFirst() else { return nil }
            switch flag {
            case "--mode":
                guard let mode = Mode(rawValue: value) else { return nil }
                options.mode = mode
            case "--alg":
                guard let algorithm = JWSAlgorithm(name: value) else { return nil }
                options.algorithm = algorithm
            case "--port":
                guard let port = Int(value), (0...65535).contains(port) else { return nil }
                options.port = port
            default:
                return nil
            }
        }
        return options
    }
}
