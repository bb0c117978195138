import Foundation
import JWTAuthClient
import Synchronization

/// Wraps a transport and records every request that went through it, so tests can count
/// refreshes and see the headers the client sent. Can also make refreshes fail, as an outage
/// of the token server would.
final class RecordingTransport: HTTPTransport {
    struct Entry: Sendable {
        var method: String
        var path: String
        var authorization: String?
        var status: Int?
    }

    private let base: any HTTPTransport
    private let state = Mutex<(entries: [Entry], failRefreshes: Bool)>(([], false))

    init(_ base: any HTTPTransport) {
        self.base = base
    }

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        let path = request.url.path
        let entry = Entry(method: request.method, path: path, authorization: request.value(forHTTPHeaderField: "authorization"))
        let fail = self.state.withLock { state in
            state.entries.append(entry)
            return state.failRefreshes && path.hasSuffix("/auth/refresh")
        }
        if fail { throw URLError(.networkConnectionLost) }
        let response = try await self.base.send(request)
        return response
    }

    /// Every request so far, in the order they were sent.
    var entries: [Entry] { self.state.withLock { $0.entries } }

    /// How many requests went to `path`.
    func count(_ path: String) -> Int { self.entries.filter { $0.path == path }.count }

    /// Whether refreshes fail without reaching the server.
    var failRefreshes: Bool {
        get { self.state.withLock { $0.failRefreshes } }
        set { self.state.withLock { $0.failRefreshes = newValue } }
    }
}
