import Foundation
import JWTAuthClient
import Synchronization

/// A transport without a server: `POST /auth/refresh` waits until the test opens the gate and
/// then answers with a fresh pair; everything else answers 200. Lets a test hold a refresh in
/// flight while it cancels or piles up callers.
final class GatedTransport: HTTPTransport {
    private let refreshStarted: AsyncStream<Void>.Continuation
    private let gate: AsyncStream<Void>
    private let gateOpener: AsyncStream<Void>.Continuation
    private let refreshes = Mutex(0)
    /// Yields once each time a refresh reaches the transport.
    let refreshesStarted: AsyncStream<Void>

    init() {
        (self.refreshesStarted, self.refreshStarted) = AsyncStream.makeStream(of: Void.self)
        (self.gate, self.gateOpener) = AsyncStream.makeStream(of: Void.self)
    }

    var refreshCount: Int { self.refreshes.withLock { $0 } }

    /// Lets the refreshes through, now and later.
    func open() {
        self.gateOpener.finish()
    }

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        guard request.url.path.hasSuffix("/auth/refresh") else { return HTTPResponseData(status: 200) }
        let number = self.refreshes.withLock { count in
            count += 1
            return count
        }
        self.refreshStarted.yield()
        for await _ in self.gate {}
        // Like a real transport: a cancelled task gets no answer. If the client ran the refresh
        // in the cancelled caller's task, the answer would be lost here and the test would fail.
        try Task.checkCancellation()
        let body = """
            {"access_token":"access-\(number)","token_type":"Bearer","expires_in":300,\
            "refresh_token":"refresh-\(number)","refresh_expires_in":21600}
            """
        return HTTPResponseData(status: 200, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
    }
}
