import JWTAuthClient
import Synchronization

/// Stands in for the app's Keychain: records every pair (or `nil`) the client hands over.
final class TokenStorage: Sendable {
    private let deliveries = Mutex<[TokenPair?]>([])

    /// Everything the callback received, in order.
    var history: [TokenPair?] { self.deliveries.withLock { $0 } }

    /// What an app would have stored last.
    var stored: TokenPair? { self.history.last ?? nil }

    /// The callback to give the client.
    var callback: @Sendable (TokenPair?) async -> Void {
        { pair in self.deliveries.withLock { $0.append(pair) } }
    }
}
