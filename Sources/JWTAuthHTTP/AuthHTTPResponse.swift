public import HTTPTypes

/// A response of ``AuthEndpoints``, for an adapter to write in its framework's terms.
public struct AuthHTTPResponse: Sendable {
    /// What the body is.
    public enum Body: Sendable {
        /// A complete body (possibly empty).
        case bytes([UInt8])
        /// A `text/event-stream` body written as events happen, until the stream ends.
        case events(AuthEventStream)
    }

    /// The status.
    public var status: HTTPResponse.Status
    /// The header fields.
    public var headers: HTTPFields
    /// The body.
    public var body: Body

    /// Creates a response.
    public init(status: HTTPResponse.Status, headers: HTTPFields = [:], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
