public import JWTAuth
public import ServiceLifecycle

/// Hands a ``SigningKeyService``'s revoked keys to a consumer (a revocation feed) now and on
/// every change, until graceful shutdown. Made by
/// ``SigningKeyService/revokedKeysForwarder(_:)``; run it as one of the server's services.
public struct RevokedKeysForwarder: Service {
    let updates: @Sendable () -> AsyncStream<[String: NumericDate]>
    let deliver: @Sendable ([String: NumericDate]) async -> Void

    /// Delivers the revoked keys until graceful shutdown or cancellation.
    public func run() async throws {
        for await revoked in self.updates().cancelOnGracefulShutdown() {
            await self.deliver(revoked)
        }
    }
}
