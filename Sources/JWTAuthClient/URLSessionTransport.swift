// URLSession lives in FoundationNetworking on Linux and in Foundation on Apple platforms.
#if canImport(FoundationNetworking)
import Foundation
public import FoundationNetworking
#else
public import Foundation
#endif

/// An ``HTTPTransport`` on `URLSession`, for apps (and for Linux through FoundationNetworking).
///
/// Responses are never taken from a cache: token responses are `no-store` anyway, and a cached
/// answer to an authorized request could belong to a session that has since ended.
///
/// A redirect to another origin is not followed when the request carries an `Authorization`
/// header or a body (a password, a refresh token) or is not a `GET`/`HEAD`, so a misbehaving
/// server or proxy cannot forward credentials elsewhere; the 3xx response is returned instead. The transport's own session (``init(configuration:)``) enforces this
/// everywhere. With a session of yours (``init(session:)``) it holds on Apple platforms, which
/// ask a per-request delegate; FoundationNetworking on Linux asks only the session's delegate,
/// so there the redirect policy is that delegate's job.
public struct URLSessionTransport: HTTPTransport {
    private let owner: SessionOwner

    /// The session requests go through.
    public var session: URLSession { self.owner.session }

    /// Creates a transport with a session of its own, invalidated when the transport goes away.
    ///
    /// - Parameter configuration: The session's configuration; ephemeral by default, so no
    ///   token response or cookie is written to disk.
    public init(configuration: URLSessionConfiguration = .ephemeral) {
        let session = URLSession(configuration: configuration, delegate: RedirectGuard(), delegateQueue: nil)
        self.owner = SessionOwner(session: session, invalidatesOnDeinit: true)
    }

    /// Creates a transport on `session`, for your own delegate (certificate pinning, say).
    ///
    /// - Parameter session: The session to use. It is not invalidated by the transport.
    public init(session: URLSession) {
        self.owner = SessionOwner(session: session, invalidatesOnDeinit: false)
    }

    public func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        var urlRequest = URLRequest(url: request.url, cachePolicy: .reloadIgnoringLocalCacheData)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers {
            urlRequest.setValue(value, forHTTPHeaderField: name)
        }
        urlRequest.httpBody = request.body
        let (data, response) = try await self.session.data(for: urlRequest, delegate: RedirectGuard())
        guard let http = response as? HTTPURLResponse else {
            throw URLError(.badServerResponse)
        }
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            guard let name = name as? String else { continue }
            headers[name] = value as? String ?? String(describing: value)
        }
        return HTTPResponseData(status: http.statusCode, headers: headers, body: data)
    }
}
