public import Foundation

/// The one error type of ``JWTAuthClient``.
///
/// Switch on ``code``; for ``Code/server`` the server's own `error` member (such as
/// `invalid_credentials`, `username_taken` or `rate_limited`) is in ``serverError``. Messages
/// never contain tokens, so an error can be logged as it is.
///
/// `Code` is a struct over a private enum rather than a public enum, so new codes can be added
/// without breaking anyone's exhaustive `switch` (as `JWTAuthError` does on the server side).
public struct JWTAuthClientError: Error, CustomStringConvertible, LocalizedError {
    /// The stable, machine-readable class of the failure.
    public var code: Code
    /// What went wrong, for people: the server's `error_description` when it gave one.
    public var message: String
    /// The HTTP status of the server's answer, when there was one.
    public var status: Int?
    /// The `error` member of the server's answer, such as `invalid_credentials`.
    public var serverError: String?
    /// How long to wait before trying again, from a `Retry-After` header (429, 503).
    public var retryAfter: Duration?
    /// The transport's error, for ``Code/transport``.
    public var underlyingError: (any Error)?

    /// Creates an error.
    public init(
        _ code: Code,
        _ message: String,
        status: Int? = nil,
        serverError: String? = nil,
        retryAfter: Duration? = nil,
        underlyingError: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.status = status
        self.serverError = serverError
        self.retryAfter = retryAfter
        self.underlyingError = underlyingError
    }

    public var description: String {
        var text = "\(self.code): \(self.message)"
        if let status { text += " (HTTP \(status)\(self.serverError.map { ", \($0)" } ?? ""))" }
        return text
    }

    public var errorDescription: String? { self.description }
}

extension JWTAuthClientError {
    /// A stable error code. Its ``description`` is a snake_case string.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case notSignedIn = "not_signed_in"
            case sessionEnded = "session_ended"
            case server
            case transport
            case invalidResponse = "invalid_response"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        public var description: String { self.base.rawValue }

        /// There are no tokens: log in first (or the session ended earlier).
        public static let notSignedIn = Code(.notSignedIn)
        /// The server refused the refresh token (`invalid_grant`): the session was logged out,
        /// revoked, expired or its refresh token was replayed. The tokens have been cleared and
        /// the storage callback told; the user has to log in again.
        public static let sessionEnded = Code(.sessionEnded)
        /// The token server answered with an error; see ``JWTAuthClientError/status`` and
        /// ``JWTAuthClientError/serverError``. Tokens are unchanged.
        public static let server = Code(.server)
        /// No answer arrived (connection failed, timed out). Tokens are unchanged.
        public static let transport = Code(.transport)
        /// The server answered with success, but not in the shape of a token response.
        public static let invalidResponse = Code(.invalidResponse)
    }
}

extension JWTAuthClientError {
    /// The error a non-2xx answer of the token server stands for.
    init(response: HTTPResponseData) {
        let body = ServerErrorBody(response)
        let retryAfter = response.value(forHTTPHeaderField: "Retry-After")
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            .map { Duration.seconds($0) }
        self.init(
            body.error == "invalid_grant" ? .sessionEnded : .server,
            body.errorDescription ?? body.error ?? "the server answered HTTP \(response.status)",
            status: response.status,
            serverError: body.error,
            retryAfter: retryAfter
        )
    }

    /// Wraps a transport failure; cancellation passes through as it is.
    static func transport(_ error: any Error, doing operation: String) -> any Error {
        if error is CancellationError || error is JWTAuthClientError { return error }
        return JWTAuthClientError(.transport, "\(operation): no response (\(error.localizedDescription))", underlyingError: error)
    }
}
