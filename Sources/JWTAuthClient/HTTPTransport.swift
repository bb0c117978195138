/// Sends one HTTP request and returns the response: the only thing ``JWTAuthClient`` needs from
/// a network stack.
///
/// The protocol is deliberately tiny so that any async HTTP client can back the token client:
/// ``URLSessionTransport`` for apps, AsyncHTTPClient on a server, or a test double. A
/// conforming type reports a response for *every* status code (a 401 or a 503 is an answer,
/// not an error) and throws only when no response arrived.
///
/// The transport must not follow a redirect to another origin with the `Authorization` header
/// still attached; the client cannot see redirects, so that is the transport's job.
public protocol HTTPTransport: Sendable {
    /// Sends `request` and returns the server's response, whatever its status.
    ///
    /// - Throws: Only when there is no response: the connection failed, timed out or the task
    ///   was cancelled.
    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData
}
