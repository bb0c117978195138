public import HTTPTypes

/// One route of ``AuthEndpoints``: what an adapter mounts, who may call it, and the handler.
public struct AuthRoute: Sendable {
    /// Who may call a route.
    public enum Access: Sendable, Hashable {
        /// Anyone; the route does not look at `Authorization`.
        case anyone
        /// A signed-in user: a user's verified access token (a machine client's is refused).
        case user
        /// A user whose access token carries this role.
        case role(String)
        /// An access token with this scope, a machine client's (client credentials) included.
        case scope(String)

        /// Whether machine clients' own tokens may pass.
        public var admitsClientTokens: Bool {
            if case .scope = self { return true }
            return false
        }
    }

    /// The method.
    public let method: HTTPRequest.Method
    /// The path pattern, e.g. `/auth/sessions/:id` (a `:name` component is a parameter).
    public let path: String
    /// Who may call it.
    public let access: Access
    /// Answers a request whose identity the adapter has set by ``access``. Failures are thrown
    /// (``AuthHTTPError`` for every expected one); ``AuthEndpoints/errorResponse(for:)`` turns
    /// any of them into a response.
    public let handler: @Sendable (AuthHTTPRequest) async throws -> AuthHTTPResponse

    /// Creates a route.
    public init(
        _ method: HTTPRequest.Method,
        _ path: String,
        access: Access = .anyone,
        handler: @escaping @Sendable (AuthHTTPRequest) async throws -> AuthHTTPResponse
    ) {
        self.method = method
        self.path = path
        self.access = access
        self.handler = handler
    }

    /// The path's components, e.g. `["auth", "sessions", ":id"]`.
    public var pathComponents: [String] {
        self.path.split(separator: "/").map(String.init)
    }
}
