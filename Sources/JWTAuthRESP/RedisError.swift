/// Why a Redis operation failed.
///
/// Messages name hosts, ports and server error text, never a password or command arguments
/// (which may carry tokens): they go to logs and, wrapped, to operators.
package struct RedisError: Error, Sendable, Hashable, CustomStringConvertible {
    package enum Kind: Sendable, Hashable {
        /// No connection could be had: refused, reset, connect timeout, failed handshake
        /// (including a rejected AUTH), or waiting out the reconnect backoff.
        case connectionFailed
        /// A command got no reply within the command timeout; its connection was closed so a late
        /// reply cannot be taken for another command's.
        case timeout
        /// The server answered with an error reply; the associated value is the whole line,
        /// e.g. `NOSCRIPT No matching script. Please use EVAL.`
        case serverError(String)
        /// The server sent bytes that are not RESP, or more than the decoder's limits allow.
        case protocolError
        /// The client was closed.
        case closed
        /// A configuration (URL) was rejected.
        case invalidConfiguration
    }

    package var kind: Kind
    package var message: String

    package init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The leading word of a server error (`NOSCRIPT`, `MOVED`, `WRONGPASS`), or `nil`.
    package var serverErrorCode: String? {
        guard case .serverError(let line) = kind else { return nil }
        return line.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    package var description: String {
        let name =
            switch kind {
            case .connectionFailed: "connection failed"
            case .timeout: "timeout"
            case .serverError: "server error"
            case .protocolError: "protocol error"
            case .closed: "closed"
            case .invalidConfiguration: "invalid configuration"
            }
        return "Redis \(name): \(message)"
    }

    package static func connectionFailed(_ message: String) -> RedisError { RedisError(.connectionFailed, message) }
    package static func timeout(_ message: String) -> RedisError { RedisError(.timeout, message) }
    package static func server(_ line: String) -> RedisError { RedisError(.serverError(line), line) }
    package static func protocolError(_ message: String) -> RedisError { RedisError(.protocolError, message) }
    package static func closed(_ message: String = "the Redis client was closed") -> RedisError { RedisError(.closed, message) }
    package static func invalidConfiguration(_ message: String) -> RedisError { RedisError(.invalidConfiguration, message) }
}
