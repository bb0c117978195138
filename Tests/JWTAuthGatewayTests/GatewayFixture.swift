import AsyncHTTPClient
import CoreMetrics
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTAuth
import JWTAuthGateway
import Logging
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

/// An upstream that echoes what it received as JSON (method, target, headers, body length and
/// a digest of the body), plus routes that misbehave on request.
enum EchoUpstream {
    /// Lets a test hold the upstream's answer until it has seen what it waits for.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

        func wait() async {
            await withCheckedContinuation { continuation in
                let proceed = self.state.withLock { state -> Bool in
                    if state.open { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if proceed { continuation.resume() }
            }
        }

        func open() {
            let waiting = self.state.withLock { state in
                state.open = true
                defer { state.waiting = [] }
                return state.waiting
            }
            for continuation in waiting { continuation.resume() }
        }
    }

    static func app(gate: Gate) -> some ApplicationProtocol {
        let router = Router()
        router.on("**", method: .get) { request, _ in try await echo(request) }
        router.on("**", method: .post) { request, _ in try await echo(request) }
        router.on("**", method: .put) { request, _ in try await echo(request) }
        router.on("**", method: .delete) { request, _ in try await echo(request) }
        router.get("slow") { _, _ -> Response in
            await gate.wait()
            return Response(status: .ok)
        }
        router.get("stream") { _, _ -> Response in
            // A body in chunks, some after the test let it go on.
            Response(
                status: .ok,
                headers: [.contentType: "text/plain", HTTPField.Name("X-Upstream")!: "yes", .connection: "X-Hop", HTTPField.Name("X-Hop")!: "1"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: "first,"))
                    await gate.wait()
                    try await writer.write(ByteBuffer(string: "second"))
                    try await writer.finish(nil)
                }
            )
        }
        router.get("created") { _, _ in
            Response(status: .created, headers: [.location: "/orders/1", .setCookie: "a=b"], body: ResponseBody(byteBuffer: ByteBuffer(string: "made")))
        }
        return Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            logger: Logger(label: "upstream", factory: { _ in SwiftLogNoOpLogHandler() })
        )
    }

    static func echo(_ request: Request) async throws -> Response {
        var count = 0
        var sum: UInt64 = 0
        for try await chunk in request.body {
            count += chunk.readableBytes
            chunk.withUnsafeReadableBytes { bytes in
                for byte in bytes { sum = sum &* 31 &+ UInt64(byte) }
            }
        }
        var headers: [String: JSONValue] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            if case .string(let existing) = headers[name] {
                headers[name] = .string(existing + "|" + field.value)
            } else {
                headers[name] = .string(field.value)
            }
        }
        let body: JSONValue = [
            "method": .string(request.method.rawValue),
            "target": .string(request.head.path ?? ""),
            "headers": .object(headers),
            "bytes": .integer(Int64(count)),
            "digest": .string(String(sum)),
        ]
        return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body.jsonString)))
    }
}

/// A token server's session engine on the memory store, standing in for the remote verifier:
/// the gateway takes any `AccessTokenVerifier`.
struct Issuer {
    static let url = "https://auth.gateway.test"
    let clock = ManualClock(NumericDate(1_800_000_000))
    let store = MemoryStore()
    let manager: SessionManager

    init() throws {
        self.manager = try SessionManager(
            configuration: SessionConfiguration(issuer: Self.url),
            signingKey: try JWTKey.generate(.es256),
            sessions: self.store,
            users: self.store,
            clock: self.clock
        )
    }

    func login(_ id: String = "u-1", roles: [String] = []) async throws -> TokenResponse {
        let user = UserRecord(id: id, username: "user-\(id)", passwordHash: "x", roles: roles, createdAt: NumericDate(0))
        if try await self.store.user(id: id) == nil { try await self.store.createUser(user) }
        return try await self.manager.createSession(for: user, clientID: "web", userAgent: nil)
    }
}

/// Runs an echo upstream and a gateway in front of it, both on real sockets, and hands the
/// test an HTTP client and the gateway's base URL.
func withGateway(
    issuer: Issuer,
    verifier: (any AccessTokenVerifier)? = nil,
    problems: @escaping @Sendable () -> [String] = { [] },
    upstream: String? = nil,
    configure: @Sendable (inout GatewayConfiguration) -> Void = { _ in },
    metricsFactory: (any MetricsFactory)? = nil,
    _ body: @Sendable (_ client: HTTPClient, _ base: String, _ gate: EchoUpstream.Gate) async throws -> Void
) async throws {
    let gate = EchoUpstream.Gate()
    try await EchoUpstream.app(gate: gate).test(.live) { upstreamClient in
        let upstreamPort = try #require(upstreamClient.port)
        var configuration = GatewayConfiguration(
            port: 0,
            issuer: Issuer.url,
            upstream: upstream ?? "http://127.0.0.1:\(upstreamPort)",
            revocationStaleLimit: .zero,
            // Generous: a loaded test machine must not turn a forward into a 504. The test of
            // a slow upstream sets its own.
            upstreamTimeout: .seconds(20)
        )
        configure(&configuration)
        let gateway = try buildGateway(
            configuration: configuration,
            verifier: verifier ?? issuer.manager,
            problems: problems,
            logger: Logger(label: "gateway", factory: { _ in SwiftLogNoOpLogHandler() }),
            metricsFactory: metricsFactory
        )
        try await gateway.test(.live) { gatewayClient in
            let port = try #require(gatewayClient.port)
            var clientConfiguration = HTTPClient.Configuration()
            clientConfiguration.redirectConfiguration = .disallow
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            do {
                try await body(client, "http://127.0.0.1:\(port)", gate)
            } catch {
                gate.open()
                try await client.shutdown()
                throw error
            }
            gate.open()
            try await client.shutdown()
        }
    }
}

struct Reply {
    let status: Int
    let headers: HTTPHeaders
    let body: String

    var json: [String: JSONValue] { (try? JSONValue(parsing: self.body).objectValue) ?? [:] }
    var echoedHeaders: [String: JSONValue] { self.json["headers"]?.objectValue ?? [:] }
    func echoed(_ name: String) -> String? { self.echoedHeaders[name.lowercased()]?.stringValue }
}

extension HTTPClient {
    func send(
        _ url: String,
        method: NIOHTTP1.HTTPMethod = .GET,
        headers: [(String, String)] = [],
        body: HTTPClientRequest.Body? = nil,
        timeout: TimeAmount = .seconds(30)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = body
        let response = try await self.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }
}
