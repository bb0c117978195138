import HTTPTypes
public import Hummingbird

/// CORS for the pages of a few named origins — and for no one else.
///
/// A page on another origin of the same site (`https://app.example.com` calling
/// `https://auth.example.com`) needs CORS twice: to send `X-JWTAuth-CSRF` and `Authorization`
/// (which takes a preflight) and to read the answer with credentials (the refresh cookie). This
/// middleware grants both only to ``allowedOrigins``, echoing the one origin that asked, never
/// `*` (which browsers refuse with credentials anyway). Requests from any other origin pass
/// through unchanged, so the browser withholds the answer and refuses to send the preflighted
/// request at all.
///
/// Add it before ``ErrorMiddleware`` so error answers carry the headers too, and the browser
/// can show the page why a request failed.
public struct CrossOriginMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The origins granted CORS, normalized as by ``RefreshCookie/origin(of:)``.
    public let allowedOrigins: Set<String>
    /// How long a browser may cache a preflight answer.
    public var maxAge: Duration

    /// Creates the middleware.
    ///
    /// - Parameters:
    ///   - allowedOrigins: Origins (or URLs) whose pages may call these routes with credentials;
    ///     unparseable entries are dropped.
    ///   - maxAge: How long a browser may cache a preflight answer.
    ///   - context: The request context type, to help type inference.
    public init(allowedOrigins: some Sequence<String>, maxAge: Duration = .seconds(600), context: Context.Type = Context.self) {
        self.allowedOrigins = Set(allowedOrigins.compactMap(RefreshCookie.origin(of:)))
        self.maxAge = maxAge
    }

    /// Answers an allowed origin's preflight itself and adds the CORS headers to its other
    /// responses, errors included; other requests pass through with `Vary: Origin`.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], let normalized = RefreshCookie.origin(of: origin),
            self.allowedOrigins.contains(normalized)
        else {
            // The answer depends on Origin either way: a shared cache (the JWKS is public,
            // cacheable) must not serve this copy, without CORS headers, to an allowed page.
            var response = try await next(request, context)
            if !response.headers[values: .vary].contains(where: { $0.lowercased().contains("origin") }) {
                response.headers.append(HTTPField(name: .vary, value: "Origin"))
            }
            return response
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var headers = self.headers(for: origin)
            headers[.accessControlAllowMethods] = "GET, POST, DELETE"
            headers[.accessControlAllowHeaders] = "Authorization, Content-Type, \(RefreshCookie.csrfHeader)"
            headers[.accessControlMaxAge] = String(self.maxAge.components.seconds)
            return Response(status: .noContent, headers: headers)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        response.headers.append(contentsOf: self.headers(for: origin))
        return response
    }

    private func headers(for origin: String) -> HTTPFields {
        [
            .accessControlAllowOrigin: origin,
            .accessControlAllowCredentials: "true",
            // What a page may read besides the simple headers: why a 401 or a 429 happened.
            .accessControlExposeHeaders: "WWW-Authenticate, Retry-After",
            .vary: "Origin",
        ]
    }
}
