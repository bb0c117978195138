import AsyncHTTPClient
import JWTAuth
import NIOCore
import NIOHTTP1

/// The few HTTP exchanges of this module, with the same rules for all: no redirects, a time
/// limit on the whole exchange (head and body) and a cap on the body.
enum RemoteHTTP {
    /// One complete answer.
    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    /// The configuration of the clients this module creates: redirects are never followed (a
    /// redirect could lead to a host the URL rules would refuse), answers are taken as sent.
    static func clientConfiguration(connectTimeout: Duration) -> HTTPClient.Configuration {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: HTTPClient.Configuration.Timeout(connect: connectTimeout.timeAmount)
        )
        configuration.decompression = .disabled
        return configuration
    }

    /// Sends `request` and reads the whole answer, within `timeout` and `maximumBytes`.
    ///
    /// - Parameter failure: The code of the errors thrown.
    /// - Throws: ``JWTAuthError`` with code `failure`, naming `what` and the reason.
    static func fetch(
        _ request: HTTPClientRequest,
        client: HTTPClient,
        timeout: Duration,
        maximumBytes: Int,
        what: String,
        failure: JWTAuthError.Code
    ) async throws(JWTAuthError) -> Answer {
        do {
            return try await Self.withTimeout(timeout) {
                let response = try await client.execute(request, timeout: timeout.timeAmount)
                let body = try await response.body.collect(upTo: maximumBytes)
                return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
            }
        } catch is TimedOut {
            throw JWTAuthError(failure, "\(what) did not answer within \(Self.describe(timeout))")
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            // The client's own deadline, set to the same time, may fire first.
            throw JWTAuthError(failure, "\(what) did not answer within \(Self.describe(timeout))")
        } catch is NIOTooManyBytesError {
            throw JWTAuthError(failure, "\(what) sent more than \(maximumBytes) bytes")
        } catch {
            throw JWTAuthError(failure, "\(what) could not be fetched: \(Self.describe(error))")
        }
    }

    /// Runs `operation`, cancelling it after `timeout`.
    static func withTimeout<Value: Sendable>(
        _ timeout: Duration,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut() }
            return value
        }
    }

    /// Thrown by ``withTimeout(_:_:)``.
    struct TimedOut: Error {}

    /// A short reason for a transport error (no request data is in it: AsyncHTTPClient's errors
    /// name a condition, not headers).
    static func describe(_ error: any Error) -> String {
        if let client = error as? HTTPClientError { return "\(client)" }
        return String(describing: error)
    }

    /// `2.5 s`, `30 s`, `250 ms`.
    static func describe(_ duration: Duration) -> String {
        let seconds = duration.seconds
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }
}
