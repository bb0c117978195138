import Synchronization

/// Signing keys in process memory: for tests and for single-process services that accept new
/// keys on every start. Changes run under one lock, so they are trivially atomic.
public final class MemorySigningKeyStore: SigningKeyStore {
    private let keys = Mutex<[SigningKeyRecord]>([])

    /// Creates an empty store.
    public init() {}

    /// Every stored key.
    public func signingKeys() async throws -> [SigningKeyRecord] {
        self.keys.withLock { $0 }
    }

    /// Runs `change` under the store's lock and keeps what it returns.
    ///
    /// - Throws: what `change` throws, or `invalid_input` when the keys it returns would hold
    ///   two keys with one `kid`, or more than one current or next key (which SQL stores
    ///   refuse by a unique index).
    public func updateSigningKeys<Result: Sendable>(
        _ change: @escaping @Sendable ([SigningKeyRecord]) throws -> (keys: [SigningKeyRecord], result: Result)
    ) async throws -> Result {
        try self.keys.withLock { keys in
            let (updated, result) = try change(keys)
            guard Set(updated.map(\.keyID)).count == updated.count,
                updated.filter({ $0.state == .current }).count <= 1,
                updated.filter({ $0.state == .next }).count <= 1
            else {
                throw JWTAuthError(.invalidInput, "the signing keys would break the store's constraints")
            }
            keys = updated
            return result
        }
    }
}
