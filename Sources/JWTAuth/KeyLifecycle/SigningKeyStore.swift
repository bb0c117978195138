/// Where signing keys live when several instances share them: SQLite or PostgreSQL (Redis never
/// holds keys), or memory for tests.
///
/// Keys are few (a current, a next, a handful of retired or revoked ones), so the protocol is
/// two calls: read them all, and change them all in one locked transaction.
public protocol SigningKeyStore: Sendable {
    /// Every stored key, in no particular order. Cheap enough to call about once a second.
    ///
    /// - Throws: `store_unavailable` when the store cannot be reached.
    func signingKeys() async throws -> [SigningKeyRecord]

    /// Reads every key under the store's key lock, lets `change` decide what the keys become
    /// (keys it leaves out are deleted), writes that in the same transaction and returns
    /// `change`'s result. Instances that change keys at the same moment take turns: each sees
    /// what the one before it wrote, so a due rotation happens exactly once.
    ///
    /// - Throws: what `change` throws (nothing is written then), or `store_unavailable`.
    func updateSigningKeys<Result: Sendable>(
        _ change: @escaping @Sendable ([SigningKeyRecord]) throws -> (keys: [SigningKeyRecord], result: Result)
    ) async throws -> Result
}
