public import HTTPTypes

/// How the flow cases reach a token server: one request in, one complete response out.
///
/// Each framework's tests adapt their own in-process client (HummingbirdTesting, VaporTesting)
/// or a real socket to this, so the same cases check every way the routes can be mounted.
public protocol FlowTransport: Sendable {
    /// Sends one request and returns the response's status, header fields and whole body.
    ///
    /// - Parameters:
    ///   - method: The request method.
    ///   - path: The path with its query, such as `/auth/sessions` or `/oauth/revocations?after=1`.
    ///   - headers: The request's header fields.
    ///   - body: The request body; empty for none.
    func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        headers: HTTPFields,
        body: [UInt8]
    ) async throws -> (HTTPResponse.Status, HTTPFields, [UInt8])
}
