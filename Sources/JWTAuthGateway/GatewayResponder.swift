public import AsyncHTTPClient
public import CoreMetrics
import HTTPTypes
public import Hummingbird
import HummingbirdJWTAuth
public import JWTAuth
import JWTAuthRemote
public import Logging
import NIOCore
import NIOHTTP1

/// The gateway's whole request handling: its own `/health`, then for every other request
/// header hygiene, authentication (unless the path is public), the role check, and the
/// forwarding with bodies streamed both ways.
public struct GatewayResponder: HTTPResponder {
    /// The gateway's request context.
    public typealias Context = GatewayContext

    let authenticator: BearerAuthenticator<GatewayContext>
    let upstream: UpstreamURL
    let client: HTTPClient
    let upstreamTimeout: Duration
    let requiredRole: String?
    let publicPrefixes: [String]
    let problems: @Sendable () -> [String]
    let requests: RequestMetrics
    let logger: Logger

    /// Creates the responder.
    ///
    /// - Parameters:
    ///   - configuration: The upstream, its timeout, the role and the public prefixes.
    ///   - verifier: Verifies access tokens (a remote verifier in `jwtauth gateway`).
    ///   - client: The HTTP client requests are forwarded with; it must not follow redirects or
    ///     decompress (the caller gets the upstream's answer as it is).
    ///   - problems: Why the gateway cannot verify right now (no keys, a stale feed), for
    ///     `/health`; empty when it can.
    ///   - logger: Where upstream failures are logged.
    public init(
        configuration: GatewayConfiguration,
        verifier: any AccessTokenVerifier,
        client: HTTPClient,
        problems: @escaping @Sendable () -> [String],
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger
    ) throws(JWTAuthError) {
        // A machine client's token names no user; the feed reader's own credentials must not
        // open the upstream unless the operator says machine callers are expected.
        self.authenticator = BearerAuthenticator(
            verifier: verifier,
            acceptsClientTokens: configuration.allowsClientTokens,
            verifications: OutcomeCounter(name: "jwtauth_token_verifications_total", factory: metricsFactory)
        )
        self.requests = RequestMetrics(factory: metricsFactory)
        self.upstream = try UpstreamURL(configuration.upstream)
        self.client = client
        self.upstreamTimeout = configuration.upstreamTimeout
        self.requiredRole = configuration.requiredRole
        self.publicPrefixes = configuration.publicPrefixes.map { $0.count > 1 && $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.problems = problems
        self.logger = logger
    }

    /// Answers one request; every failure becomes a JSON error in the token server's shape.
    public func respond(to request: Request, context: Context) async throws -> Response {
        // Two routes: the gateway's own health check, and everything it forwards (or refuses).
        let route = request.uri.path == "/health" ? "/health" : "proxy"
        return try await self.requests.measure(request, route: { route }) {
            do {
                return try await self.handle(request, context: context)
            } catch let error as AuthHTTPError {
                return try error.response(from: request, context: context)
            }
        }
    }

    private func handle(_ request: Request, context: Context) async throws -> Response {
        guard let target = request.head.path, target.hasPrefix("/") else {
            throw AuthHTTPError.invalidRequest("the request target must be a path")
        }
        // HTTP/1 hands over the first Host as the authority and leaves any other among the
        // fields. More than one Host is a 400 (RFC 9112 §3.2): which one would the upstream see?
        guard !request.headers.contains(ProxyHeaders.host) else {
            throw AuthHTTPError.invalidRequest("send exactly one Host header")
        }
        let path = try Self.checkedPath(of: target)
        if path == "/health" && (request.method == .get || request.method == .head) {
            return self.health()
        }
        var identity: AccessToken? = nil
        if !self.isPublic(path) {
            guard let verified = try await self.authenticator.authenticate(request: request, context: context) else {
                throw AuthHTTPError.authenticationRequired()
            }
            if let role = self.requiredRole, !verified.hasRole(role) {
                throw AuthHTTPError.insufficientRole(role)
            }
            identity = verified
        }
        return try await self.forward(request, target: target[...], identity: identity, context: context)
    }

    /// `GET /health`: 200 when tokens can be verified, else 503 with the reasons.
    func health() -> Response {
        let problems = self.problems()
        guard problems.isEmpty else {
            return JSONResponse.make(
                .serviceUnavailable,
                ["status": "unavailable", "reasons": .array(problems.map(JSONValue.string))],
                headers: [.cacheControl: "no-store", .retryAfter: "5"]
            )
        }
        return JSONResponse.make(.ok, ["status": "ok"], headers: [.cacheControl: "no-store"])
    }

    /// True when `path` (decoded) is under one of the public prefixes, on a segment boundary.
    func isPublic(_ path: String) -> Bool {
        self.publicPrefixes.contains { prefix in
            prefix == "/" || path == prefix || path.hasPrefix(prefix + "/")
        }
    }

    /// The decoded path of a request target, for matching. Targets whose meaning an upstream
    /// could read differently from the gateway — dot segments (also encoded), backslashes, NUL,
    /// bad escapes — are refused, so a public prefix cannot be used to reach another path.
    static func checkedPath(of target: String) throws(AuthHTTPError) -> String {
        let rawPath = target.utf8.prefix(while: { $0 != UInt8(ascii: "?") && $0 != UInt8(ascii: "#") })
        guard let decoded = PercentDecoding.decode(rawPath) else {
            throw AuthHTTPError.invalidRequest("the request path has a malformed escape")
        }
        // Servlet containers drop `;parameters` from a segment before resolving dots.
        let dotSegment = decoded.split(separator: "/", omittingEmptySubsequences: false).contains { segment in
            let name = segment.prefix(while: { $0 != ";" })
            return name == "." || name == ".."
        }
        if dotSegment {
            throw AuthHTTPError.invalidRequest("the request path may not contain . or .. segments")
        }
        // A `%` left after decoding was encoded twice: an upstream that decodes again would
        // see another path than the one checked here.
        guard !decoded.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 0 || $0 == UInt8(ascii: "%") }) else {
            throw AuthHTTPError.invalidRequest("the request path may not contain a backslash, NUL or an encoded %")
        }
        return decoded
    }

    // MARK: - Forwarding

    private func forward(_ request: Request, target: Substring, identity: AccessToken?, context: Context) async throws -> Response {
        let clientAddress = context.clientAddress
        var outgoing = HTTPClientRequest(url: self.upstream.url(for: target))
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        var fields = ProxyHeaders.upstreamRequest(
            request.headers,
            identity: identity,
            clientAddress: clientAddress,
            host: request.head.authority
        )
        // The client states the length of what it sends itself.
        let length = request.headers[.contentLength].flatMap { Int64($0) }
        fields[.contentLength] = nil
        outgoing.headers = HTTPHeaders(fields.map { ($0.name.rawName, $0.value) })
        if let length {
            if length > 0 { outgoing.body = .stream(SingleUseBody(request.body), length: .known(length)) }
        } else if request.headers[.transferEncoding] != nil {
            outgoing.body = .stream(SingleUseBody(request.body), length: .unknown)
        }
        if outgoing.body != nil {
            // The request goes on: a client that expects `100 Continue` may send its body now.
            context.channel.triggerUserOutboundEvent(ExpectContinueHandler.ContinueEvent(), promise: nil)
        }

        let response: HTTPClientResponse
        do {
            // No overall deadline: an upload may take as long as the caller sends. The client's
            // read timeout (the upstream timeout) starts once the request is sent, which is
            // when a slow upstream shows.
            response = try await self.client.execute(outgoing, deadline: .distantFuture, logger: self.logger)
        } catch {
            throw self.upstreamFailure(error)
        }
        var headers = HTTPFields()
        for header in response.headers {
            guard let name = HTTPField.Name(header.name) else { continue }
            headers.append(HTTPField(name: name, value: header.value))
        }
        headers = ProxyHeaders.downstreamResponse(headers)
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        let declaredLength = headers[.contentLength].flatMap { Int($0) }
        if let declaredLength, declaredLength <= Self.bufferedResponseBytes {
            // A small answer of known length is read whole and written with its head in one
            // go: one write to the caller instead of two, which is most of a small request's
            // cost on a proxy.
            let bytes: ByteBuffer
            do {
                bytes = try await response.body.collect(upTo: declaredLength)
            } catch {
                throw self.upstreamFailure(error)
            }
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: bytes))
        }
        let body = response.body
        return Response(
            status: status,
            headers: headers,
            body: ResponseBody(contentLength: declaredLength) { writer in
                for try await chunk in body {
                    try await writer.write(chunk)
                }
                try await writer.finish(nil)
            }
        )
    }

    /// Answers up to this size with a `Content-Length` are passed on whole rather than streamed.
    static let bufferedResponseBytes = 64 * 1024

    /// 504 when the upstream was too slow, 502 when it could not be reached or broke off.
    private func upstreamFailure(_ error: any Error) -> AuthHTTPError {
        if let clientError = error as? HTTPClientError,
            [.deadlineExceeded, .readTimeout, .connectTimeout].contains(clientError)
        {
            self.logger.warning("upstream timed out", metadata: ["upstream": "\(self.upstream.origin)"])
            return AuthHTTPError(.gatewayTimeout, error: "upstream_timeout", description: "the upstream service did not answer in time")
        }
        self.logger.warning("upstream unreachable", metadata: ["upstream": "\(self.upstream.origin)", "error": "\(String(reflecting: error))"])
        return AuthHTTPError(.badGateway, error: "upstream_unavailable", description: "the upstream service could not be reached")
    }

}
