import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTAuth
import Logging
import NIOCore
import Synchronization
import Testing

/// A token server's outside, as a remote verifier sees it — metadata, JWKS, token endpoint and
/// revocation feed — served by a real HTTP server on 127.0.0.1, with answers the test sets and
/// requests it counts.
final class FakeIssuer: Sendable {
    /// The JWKS answer.
    struct JWKSAnswer: Sendable {
        var status = 200
        var body = ""
        var headers: [(String, String)] = []
        /// Answer 304 to `If-None-Match` with this tag, and send it as `ETag`.
        var entityTag: String? = nil
        /// Held until the gate opens.
        var gate: Gate? = nil
    }

    /// What one feed request sent, and the stream it is answered with.
    final class FeedConnection: Sendable {
        let authorization: String?
        let lastEventID: String?
        private let continuation: AsyncStream<ByteBuffer>.Continuation
        let stream: AsyncStream<ByteBuffer>

        init(authorization: String?, lastEventID: String?) {
            self.authorization = authorization
            self.lastEventID = lastEventID
            (self.stream, self.continuation) = AsyncStream.makeStream(of: ByteBuffer.self)
        }

        /// Sends raw event-stream text.
        func send(_ text: String) {
            self.continuation.yield(ByteBuffer(string: text))
        }

        /// Ends the stream (the server closes the connection).
        func close() {
            self.continuation.finish()
        }
    }

    private struct State {
        var baseURL = ""
        var metadataIssuer: String? = nil
        var metadataJWKSURI: String? = nil
        var metadataRequests = 0
        var jwks = JWKSAnswer()
        var jwksRequests = 0
        var ifNoneMatch: [String?] = []
        var clientID = "orders-api"
        var clientSecret = "s3cret: with spaces & symbols"
        var tokenLifetime = 300
        var tokensIssued = 0
        var validTokens: Set<String> = []
        var tokenRequests: [[String: String]] = []
        var feedStatus: Int? = nil
        var feedChallenge = "Bearer"
        var connections: [FeedConnection] = []
    }

    private let state = Mutex(State())

    /// `http://127.0.0.1:PORT`, the issuer.
    var issuer: String { self.state.withLock { $0.baseURL } }

    func update(_ change: (inout JWKSAnswer) -> Void) {
        self.state.withLock { change(&$0.jwks) }
    }

    /// Sets what the metadata says its issuer and its `jwks_uri` are (nil: the real ones).
    func setMetadata(issuer: String?, jwksURI: String?) {
        self.state.withLock {
            $0.metadataIssuer = issuer
            $0.metadataJWKSURI = jwksURI
        }
    }

    var metadataRequests: Int { self.state.withLock { $0.metadataRequests } }
    var jwksRequests: Int { self.state.withLock { $0.jwksRequests } }
    var ifNoneMatchSeen: [String?] { self.state.withLock { $0.ifNoneMatch } }
    var tokensIssued: Int { self.state.withLock { $0.tokensIssued } }
    var tokenRequests: [[String: String]] { self.state.withLock { $0.tokenRequests } }
    var connections: [FeedConnection] { self.state.withLock { $0.connections } }

    /// The client credentials the token endpoint accepts.
    var credentials: (id: String, secret: String) { self.state.withLock { ($0.clientID, $0.clientSecret) } }

    func setTokenLifetime(_ seconds: Int) { self.state.withLock { $0.tokenLifetime = seconds } }

    /// Makes the feed answer `status` (401, 403, …) instead of streaming; nil streams again.
    func setFeedStatus(_ status: Int?, challenge: String = "Bearer") {
        self.state.withLock {
            $0.feedStatus = status
            $0.feedChallenge = challenge
        }
    }

    /// Forgets every token issued: the feed refuses them from now on.
    func invalidateTokens() { self.state.withLock { $0.validTokens = [] } }

    /// The `number`th feed connection (1-based), once it has been opened.
    func connection(_ number: Int) async throws -> FeedConnection {
        try await eventually("feed connection \(number)") { self.connections.count >= number }
        return self.connections[number - 1]
    }

    /// Ends every open stream and opens every gate, so the server can stop.
    func finish() {
        let (connections, gate) = self.state.withLock { ($0.connections, $0.jwks.gate) }
        for connection in connections { connection.close() }
        gate?.open()
    }

    // MARK: - Routes

    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get(".well-known/oauth-authorization-server") { _, _ -> Response in
            let (base, issuer, jwksURI) = self.state.withLock { state in
                state.metadataRequests += 1
                return (state.baseURL, state.metadataIssuer ?? state.baseURL, state.metadataJWKSURI ?? state.baseURL + "/.well-known/jwks.json")
            }
            let body: JSONValue = [
                "issuer": .string(issuer),
                "jwks_uri": .string(jwksURI),
                "token_endpoint": .string(base + "/oauth/token"),
                "revocation_feed_endpoint": .string(base + "/oauth/revocations"),
            ]
            return Self.json(.ok, body.jsonString)
        }
        router.get(".well-known/jwks.json") { request, _ -> Response in
            let ifNoneMatch = request.headers[HTTPField.Name("If-None-Match")!]
            let answer = self.state.withLock { state in
                state.jwksRequests += 1
                state.ifNoneMatch.append(ifNoneMatch)
                return state.jwks
            }
            await answer.gate?.wait()
            var headers = HTTPFields()
            for (name, value) in answer.headers { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
            if let tag = answer.entityTag {
                headers[HTTPField.Name("ETag")!] = tag
                if ifNoneMatch == tag { return Response(status: .notModified, headers: headers) }
            }
            headers[.contentType] = "application/json"
            return Response(status: .init(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
        }
        router.post("oauth/token") { request, _ -> Response in
            let body = String(buffer: try await request.body.collect(upTo: 4096))
            let form = Self.decodeForm(body)
            let basic = Self.decodeBasic(request.headers[.authorization])
            let answer: (HTTPResponse.Status, String) = self.state.withLock { state in
                var recorded = form
                recorded["basic_id"] = basic?.id
                state.tokenRequests.append(recorded)
                guard let basic, basic.id == state.clientID, basic.secret == state.clientSecret else {
                    return (.unauthorized, #"{"error":"invalid_client","error_description":"unknown client or wrong secret"}"#)
                }
                guard form["grant_type"] == "client_credentials" else {
                    return (.badRequest, #"{"error":"unsupported_grant_type"}"#)
                }
                state.tokensIssued += 1
                let token = "feed-token-\(state.tokensIssued)"
                state.validTokens.insert(token)
                let body: JSONValue = [
                    "access_token": .string(token), "token_type": "Bearer",
                    "expires_in": .integer(Int64(state.tokenLifetime)), "scope": .string(form["scope"] ?? ""),
                ]
                return (.ok, body.jsonString)
            }
            return Self.json(answer.0, answer.1)
        }
        router.get("oauth/revocations") { request, _ -> Response in
            let authorization = request.headers[.authorization]
            let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!]
            let outcome: Result<FeedConnection, HTTPError> = self.state.withLock { state in
                if let status = state.feedStatus {
                    return .failure(HTTPError(.init(code: status), headers: [.wwwAuthenticate: state.feedChallenge]))
                }
                guard let authorization, authorization.hasPrefix("Bearer "),
                    state.validTokens.contains(String(authorization.dropFirst(7)))
                else {
                    return .failure(HTTPError(.unauthorized, headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#]))
                }
                let connection = FeedConnection(authorization: authorization, lastEventID: lastEventID)
                state.connections.append(connection)
                return .success(connection)
            }
            let connection = try outcome.get()
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: ResponseBody(asyncSequence: connection.stream)
            )
        }
    }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    static func decodeForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (part: Substring) in
                part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    static func decodeBasic(_ header: String?) -> (id: String, secret: String)? {
        guard let header, header.hasPrefix("Basic "),
            let data = Data(base64Encoded: String(header.dropFirst(6))),
            let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":")
        else { return nil }
        let form = { (part: Substring) in part.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
        return (form(text[..<colon]), form(text[text.index(after: colon)...]))
    }
}

/// Starts a fake issuer on 127.0.0.1 (a free port), runs `body` against it, and stops it.
func withFakeIssuer(_ body: @Sendable (FakeIssuer) async throws -> Void) async throws {
    let issuer = FakeIssuer()
    let router = Router()
    issuer.addRoutes(to: router)
    let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: .quiet)
    try await app.test(.live) { client in
        let port = try #require(client.port)
        issuer.setBase("http://127.0.0.1:\(port)")
        do {
            try await body(issuer)
        } catch {
            issuer.finish()
            throw error
        }
        issuer.finish()
    }
}

extension FakeIssuer {
    fileprivate func setBase(_ base: String) {
        self.state.withLock { $0.baseURL = base }
    }
}
