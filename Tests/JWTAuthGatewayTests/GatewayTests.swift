import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdJWTAuth
import JWTAuth
import NIOCore
import NIOHTTP1
import Testing

@testable import JWTAuthGateway

/// `jwtauth gateway`'s request handling in front of a real upstream, on real sockets:
/// authentication, identity and forwarding headers, public paths, bodies streamed both ways,
/// upstream failures.
@Suite("Gateway")
struct GatewayTests {
    @Test("The gateway's configuration never shows the client secret: not in description, debugDescription, dump or a mirror")
    func configurationIsRedacted() {
        let secret = "s3cr3t-Zq9xW2vB7nK4mT1pL8rY5uE0oI6aS3dF"
        let configuration = GatewayConfiguration(issuer: "https://auth.test", upstream: "http://127.0.0.1:9000", clientID: "c_gateway", clientSecret: secret)
        var dumped = ""
        dump(configuration, to: &dumped)
        let mirrored = Mirror(reflecting: configuration).children.map { "\($0.label ?? ""): \($0.value)" }.joined(separator: ", ")
        for text in ["\(configuration)", String(reflecting: configuration), dumped, mirrored] {
            #expect(!text.contains(secret), "\(text)")
            #expect(text.contains("c_gateway") && text.contains("<redacted>"), "\(text)")
        }
        #expect(Mirror(reflecting: configuration).children.count == 15, "every property is in the mirror")
    }

    @Test("A valid token is forwarded with the X-Auth-* identity; the caller's own X-Auth-* headers never reach the upstream")
    func forwardsIdentity() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login(roles: ["reader", "writer"])
        try await withGateway(issuer: issuer) { client, base, _ in
            let reply = try await client.send(
                base + "/api/userOrders?limit=5&x=%2F",
                headers: [
                    ("Authorization", "Bearer \(pair.accessToken)"),
                    ("X-Auth-Subject", "admin"),
                    ("x-AUTH-roles", "admin"),
                    ("X-Auth-Anything", "forged"),
                    ("X_Auth_Subject", "admin"),
                    ("x-auth_session", "forged"),
                    ("X-Forwarded-For", "203.0.113.9"),
                    ("X-Forwarded-Host", "evil.example"),
                    ("X-Forwarded-Proto", "https"),
                    ("Forwarded", "for=203.0.113.9;host=evil.example;proto=https"),
                    ("Accept", "application/json"),
                ]
            )
            #expect(reply.status == 200)
            #expect(reply.json["target"]?.stringValue == "/api/userOrders?limit=5&x=%2F", "the target goes through as sent")
            #expect(reply.echoed("x-auth-subject") == "u-1")
            #expect(reply.echoed("x-auth-session") == pair.session.id)
            #expect(reply.echoed("x-auth-client") == "web")
            #expect(reply.echoed("x-auth-roles") == "reader,writer")
            #expect(reply.echoed("x-auth-scope") == "")
            #expect(reply.echoed("x-auth-anything") == nil)
            #expect(reply.echoed("x_auth_subject") == nil, "an underscore spelling reads as X-Auth-Subject to CGI-style servers")
            #expect(reply.echoed("x-auth_session") == nil)
            #expect(reply.echoed("forwarded") == nil, "the caller's Forwarded header is dropped")
            #expect(reply.echoed("authorization") == "Bearer \(pair.accessToken)", "Authorization is passed on")
            #expect(reply.echoed("accept") == "application/json")
            #expect(reply.echoed("x-forwarded-for") == "203.0.113.9, 127.0.0.1")
            #expect(reply.echoed("x-forwarded-proto") == "http", "set by the gateway, whatever the caller sent")
            #expect(reply.echoed("x-forwarded-host")?.hasPrefix("127.0.0.1:") == true, "set by the gateway, whatever the caller sent")
        }
    }

    @Test("A second Host header is refused with 400 and never reaches the upstream; a Host among the fields is never forwarded")
    func secondHost() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login()
        try await withGateway(issuer: issuer, configure: { $0.publicPrefixes = ["/docs"] }) { client, base, _ in
            let one = try await client.send(base + "/echo", headers: [("Authorization", "Bearer \(pair.accessToken)"), ("Host", "api.example.test")])
            #expect(one.status == 200)
            #expect(one.echoed("x-forwarded-host") == "api.example.test")

            for path in ["/echo", "/docs/page"] {
                let two = try await client.send(
                    base + path,
                    headers: [("Authorization", "Bearer \(pair.accessToken)"), ("Host", "api.example.test"), ("Host", "internal.example.test")]
                )
                #expect(two.status == 400, "\(path): \(two.body)")
                #expect(two.json["error"]?.stringValue == "invalid_request")
                #expect(two.json["method"] == nil, "\(path): the upstream answered")
            }
        }
        // Whatever reaches the header filter, a Host among the fields is not passed on.
        let fields = ProxyHeaders.upstreamRequest(
            [ProxyHeaders.host: "internal.example.test", .accept: "*/*"],
            identity: nil,
            clientAddress: "127.0.0.1",
            host: "api.example.test"
        )
        #expect(fields[ProxyHeaders.host] == nil)
        #expect(fields[.accept] == "*/*")
    }

    @Test("Hop-by-hop headers stay on their hop, both ways, including those the Connection header names")
    func hopByHop() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login()
        try await withGateway(issuer: issuer) { client, base, gate in
            let reply = try await client.send(
                base + "/echo",
                headers: [
                    ("Authorization", "Bearer \(pair.accessToken)"),
                    ("Connection", "keep-alive, X-Private"),
                    ("X-Private", "secret hop value"),
                    ("Keep-Alive", "timeout=5"),
                    ("TE", "trailers"),
                    ("Proxy-Authorization", "Basic Zm9vOmJhcg=="),
                    ("X-Public", "kept"),
                ]
            )
            #expect(reply.status == 200)
            for name in ["x-private", "keep-alive", "te", "proxy-authorization"] {
                #expect(reply.echoed(name) == nil, "\(name) was forwarded")
            }
            #expect(reply.echoed("x-public") == "kept")

            gate.open()
            let streamed = try await client.send(base + "/stream", headers: [("Authorization", "Bearer \(pair.accessToken)")])
            #expect(streamed.status == 200)
            #expect(streamed.body == "first,second")
            #expect(streamed.headers.first(name: "X-Upstream") == "yes")
            #expect(streamed.headers.first(name: "X-Hop") == nil, "a header the upstream's Connection names is not passed back")
        }
    }

    @Test("No token is a 401 challenge, a bad or revoked token a 401 invalid_token, a missing role a 403; none reaches the upstream")
    func refusals() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login(roles: ["reader"])
        let admin = try await issuer.login("u-2", roles: ["orders"])
        try await withGateway(issuer: issuer, configure: { $0.requiredRole = "orders" }) { client, base, _ in
            let none = try await client.send(base + "/api/userOrders")
            #expect(none.status == 401)
            #expect(none.headers.first(name: "WWW-Authenticate") == #"Bearer realm="jwtauth""#)
            #expect(none.json["error"]?.stringValue == "invalid_request")
            #expect(none.json["method"] == nil, "the upstream answered")

            let bad = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer not.a.token")])
            #expect(bad.status == 401)
            #expect(bad.headers.first(name: "WWW-Authenticate")?.contains(#"error="invalid_token""#) == true)

            let refresh = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(pair.refreshToken)")])
            #expect(refresh.status == 401, "a refresh token is never an access token")

            let missingRole = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(pair.accessToken)")])
            #expect(missingRole.status == 403)
            #expect(missingRole.json["error"]?.stringValue == "insufficient_scope")

            let allowed = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(admin.accessToken)")])
            #expect(allowed.status == 200)

            try await issuer.manager.revokeSession(id: admin.session.id, userID: "u-2", reason: .logout)
            let revoked = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(admin.accessToken)")])
            #expect(revoked.status == 401)
            #expect(revoked.json["error_description"]?.stringValue == "the access token has been revoked")

            let twoHeaders = try await client.send(
                base + "/api/userOrders",
                headers: [("Authorization", "Bearer \(admin.accessToken)"), ("Authorization", "Bearer \(pair.accessToken)")]
            )
            #expect(twoHeaders.status == 400)
        }
    }

    @Test(
        "A machine client's token (client credentials, no session) is refused with 403 unless the gateway allows them; then it goes on without X-Auth-Session"
    )
    func clientTokens() async throws {
        let issuer = try Issuer()
        let now = issuer.clock.now
        let clientToken = try JWTSigner(key: try #require(issuer.manager.keys.signingKey)).sign(
            JWTClaims(
                issuer: Issuer.url,
                subject: "c_reader",
                audience: [Issuer.url],
                expiresAt: now + .seconds(300),
                notBefore: now,
                issuedAt: now,
                tokenID: "j",
                clientID: "c_reader",
                scope: "revocations:read"
            ),
            type: "at+jwt"
        )
        try await withGateway(issuer: issuer) { client, base, _ in
            let refused = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(clientToken)")])
            #expect(refused.status == 403)
            #expect(refused.json["error"]?.stringValue == "insufficient_scope")
            #expect(refused.json["method"] == nil, "the upstream answered")
        }
        try await withGateway(issuer: issuer, configure: { $0.allowsClientTokens = true }) { client, base, _ in
            let allowed = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(clientToken)")])
            #expect(allowed.status == 200)
            #expect(allowed.echoed("x-auth-subject") == "c_reader" && allowed.echoed("x-auth-client") == "c_reader")
            #expect(allowed.echoed("x-auth-session") == nil && allowed.echoed("x-auth-scope") == "revocations:read")
        }
    }

    @Test("Public prefixes pass without a token (and without identity headers) on segment boundaries only; dot segments are refused")
    func publicPrefixes() async throws {
        let issuer = try Issuer()
        try await withGateway(issuer: issuer, configure: { $0.publicPrefixes = ["/docs", "/status/"] }) { client, base, _ in
            for path in ["/docs", "/docs/", "/docs/intro?x=1", "/status", "/status/ok", "/%64ocs/x"] {
                let reply = try await client.send(base + path, headers: [("X-Auth-Subject", "forged")])
                #expect(reply.status == 200, "\(path)")
                #expect(reply.echoed("x-auth-subject") == nil, "\(path)")
            }
            for path in ["/docsecret", "/doc", "/statusx", "/api/docs"] {
                let reply = try await client.send(base + path)
                #expect(reply.status == 401, "\(path) is not public")
            }
            for path in [
                "/docs/../admin", "/docs/%2e%2e/admin", "/docs/%2E%2E", "/docs/./x", "/docs/%5c..%5cadmin", "/docs/..;/admin", "/docs/%2e%2e;x=1/admin",
                "/docs/%252e%252e/admin",
            ] {
                let reply = try await client.send(base + path)
                #expect(reply.status == 400, "\(path): \(reply.body)")
            }
        }
    }

    @Test("Path checks: escapes decoded once, malformed escapes, encoded dots, backslashes and NUL refused")
    func pathChecks() throws {
        #expect(try GatewayResponder.checkedPath(of: "/a%20b/c?x=/../") == "/a b/c")
        #expect(try GatewayResponder.checkedPath(of: "/a/..b/c.") == "/a/..b/c.")
        #expect(try GatewayResponder.checkedPath(of: "/a/b;v=1/c") == "/a/b;v=1/c")
        for target in ["/docs/%zz", "/docs/%2", "/a/%2e", "/a/%2E%2e/b", "/a/%5cb", "/a/%00", "/a/%ff", "/a/..;/b", "/a/.;x", "/a/%25", "/a/%252e%252e"] {
            #expect(throws: AuthHTTPError.self, "\(target)") { try GatewayResponder.checkedPath(of: target) }
        }
    }

    @Test("Request and response bodies stream through unchanged, with a length or chunked")
    func bodies() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login()
        try await withGateway(issuer: issuer) { client, base, _ in
            let size = 3 * 1024 * 1024 + 17
            var bytes = [UInt8](repeating: 0, count: size)
            var sum: UInt64 = 0
            for index in bytes.indices {
                bytes[index] = UInt8(truncatingIfNeeded: index &* 7 &+ index >> 9)
                sum = sum &* 31 &+ UInt64(bytes[index])
            }
            let known = try await client.send(
                base + "/upload",
                method: .POST,
                headers: [("Authorization", "Bearer \(pair.accessToken)")],
                body: .bytes(ByteBuffer(bytes: bytes))
            )
            #expect(known.status == 200)
            #expect(known.json["bytes"]?.doubleValue == Double(size))
            #expect(known.json["digest"]?.stringValue == String(sum))

            let chunks = stride(from: 0, to: size, by: 100_000).map { ByteBuffer(bytes: bytes[$0..<min($0 + 100_000, size)]) }
            let chunked = try await client.send(
                base + "/upload",
                method: .PUT,
                headers: [("Authorization", "Bearer \(pair.accessToken)")],
                body: .stream(ChunkSequence(chunks: chunks), length: .unknown)
            )
            #expect(chunked.status == 200)
            #expect(chunked.json["bytes"]?.doubleValue == Double(size))
            #expect(chunked.json["digest"]?.stringValue == String(sum))

            let created = try await client.send(base + "/created", headers: [("Authorization", "Bearer \(pair.accessToken)")])
            #expect(created.status == 201)
            #expect(created.headers.first(name: "Location") == "/orders/1")
            #expect(created.headers.first(name: "Set-Cookie") == "a=b")
            #expect(created.body == "made")
        }
    }

    @Test("An unreachable upstream is a 502 at once, a slow one a 504")
    func upstreamFaults() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login()
        // A port nothing listens on: bound, then closed.
        let closedPort = try await ClosedPort.make()
        try await withGateway(issuer: issuer, upstream: "http://127.0.0.1:\(closedPort)") { client, base, _ in
            let reply = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(pair.accessToken)")])
            #expect(reply.status == 502)
            #expect(reply.json["error"]?.stringValue == "upstream_unavailable")
        }
        // With a long upstream timeout, a refused connection is still a 502 at once: the client
        // does not keep retrying the connection while the caller waits (here: a 5 s deadline
        // against the 10 s the client would otherwise retry for).
        try await withGateway(issuer: issuer, upstream: "http://127.0.0.1:\(closedPort)", configure: { $0.upstreamTimeout = .seconds(60) }) { client, base, _ in
            let reply = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(pair.accessToken)")], timeout: .seconds(5))
            #expect(reply.status == 502)
        }
        #expect(
            upstreamClientConfiguration(GatewayConfiguration(issuer: Issuer.url, upstream: "http://127.0.0.1:1")).connectionPool.retryConnectionEstablishment
                == false
        )
        try await withGateway(issuer: issuer, configure: { $0.upstreamTimeout = .milliseconds(300) }) { client, base, gate in
            let reply = try await client.send(base + "/slow", headers: [("Authorization", "Bearer \(pair.accessToken)")])
            #expect(reply.status == 504)
            #expect(reply.json["error"]?.stringValue == "upstream_timeout")
            gate.open()
        }
    }

    struct Unsure: AccessTokenVerifier {
        func verify(accessToken token: Substring) async throws(JWTAuthError) -> AccessToken {
            throw JWTAuthError(.revocationsStale, "the revocation feed has been silent for 61 s")
        }
    }

    @Test("While the verifier cannot tell (stale feed, no keys) requests get 503 with Retry-After, and /health says why")
    func unavailable() async throws {
        let issuer = try Issuer()
        let pair = try await issuer.login()
        try await withGateway(issuer: issuer, verifier: Unsure(), problems: { ["revocation feed stale"] }) { client, base, _ in
            let reply = try await client.send(base + "/api/userOrders", headers: [("Authorization", "Bearer \(pair.accessToken)")])
            #expect(reply.status == 503)
            #expect(reply.headers.first(name: "Retry-After") != nil)
            let health = try await client.send(base + "/health")
            #expect(health.status == 503)
            #expect(health.json["reasons"]?.arrayValue?.first?.stringValue == "revocation feed stale")
        }
        try await withGateway(issuer: issuer) { client, base, _ in
            let health = try await client.send(base + "/health")
            #expect(health.status == 200)
            #expect(health.json["status"]?.stringValue == "ok")
        }
    }

    @Test("Configurations that cannot work are refused before start")
    func validation() throws {
        let good = GatewayConfiguration(issuer: "https://auth", upstream: "http://127.0.0.1:9000", clientID: "c", clientSecret: "s")
        try good.validate()
        var noFeed = good
        noFeed.clientID = nil
        noFeed.clientSecret = nil
        #expect(throws: JWTAuthError.self, "no client and a stale limit") { try noFeed.validate() }
        noFeed.revocationStaleLimit = .zero
        try noFeed.validate()
        for upstream in ["ftp://x", "http://", "http://user@host", "http://h/?q", "127.0.0.1:9000"] {
            var bad = good
            bad.upstream = upstream
            #expect(throws: JWTAuthError.self, "\(upstream)") { try bad.validate() }
        }
        var prefix = good
        prefix.publicPrefixes = ["docs"]
        #expect(throws: JWTAuthError.self) { try prefix.validate() }
        var half = good
        half.clientSecret = nil
        #expect(throws: JWTAuthError.self) { try half.validate() }
    }
}

struct ChunkSequence: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: ArraySlice<ByteBuffer>
        mutating func next() async -> ByteBuffer? { self.remaining.popFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: self.chunks[...]) }
}

enum ClosedPort {
    static func make() async throws -> Int {
        let socket = try ServerSocketProbe()
        return socket.port
    }
}

/// Binds a loopback port and releases it at once, so a connection to it is refused.
struct ServerSocketProbe {
    let port: Int

    init() throws {
        #if canImport(Glibc)
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = Darwin.socket(AF_INET, SOCK_STREAM, 0)
        #endif
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        self.port = Int(UInt16(bigEndian: address.sin_port))
    }
}
