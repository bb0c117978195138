public import JWTAuth
import SQLKit

extension SQLStore: SigningKeyStore {
    static let signingKeyColumns = "kid, alg, state, sealed_key, created_at, activated_at, retired_at, revoked_at"

    static func decodeSigningKey(_ row: any SQLRow) throws -> SigningKeyRecord {
        let keyID = try row.decode(column: "kid", as: String.self)
        guard let algorithm = JWSAlgorithm(name: try row.decode(column: "alg", as: String.self)),
            let state = SigningKeyRecord.State(rawValue: try row.decode(column: "state", as: String.self))
        else {
            throw JWTAuthError(.keyInvalid, "the stored signing key \(keyID) has an unknown algorithm or state")
        }
        func date(_ column: String) throws -> NumericDate? {
            try row.decode(column: column, as: Double?.self).map(NumericDate.init(secondsSinceEpoch:))
        }
        return SigningKeyRecord(
            keyID: keyID,
            algorithm: algorithm,
            state: state,
            sealedKey: try row.decode(column: "sealed_key", as: String.self),
            createdAt: NumericDate(secondsSinceEpoch: try row.decode(column: "created_at", as: Double.self)),
            activatedAt: try date("activated_at"),
            retiredAt: try date("retired_at"),
            revokedAt: try date("revoked_at")
        )
    }

    /// Every stored key: one small table read, cheap enough for every instance's poll.
    public func signingKeys() async throws -> [SigningKeyRecord] {
        try await self.run("read the signing keys") { db in
            try await db.raw("SELECT \(unsafeRaw: Self.signingKeyColumns) FROM jwtauth_signing_keys").all().map(Self.decodeSigningKey)
        }
    }

    /// Runs `change` in a transaction that holds the key lock (SQLite: `BEGIN IMMEDIATE`, the
    /// database's write lock; PostgreSQL: an advisory transaction lock), then writes the
    /// difference: deletions, updates (keys leaving `current` or `next` first, so the
    /// one-per-state index holds after every statement), insertions.
    public func updateSigningKeys<Result: Sendable>(
        _ change: @escaping @Sendable ([SigningKeyRecord]) throws -> (keys: [SigningKeyRecord], result: Result)
    ) async throws -> Result {
        let lock = self.backend.dialect.signingKeyLock
        return try await self.run("change the signing keys", transaction: true) { db in
            if let lock {
                try await db.raw("\(unsafeRaw: lock)").run()
            }
            let before = try await db.raw("SELECT \(unsafeRaw: Self.signingKeyColumns) FROM jwtauth_signing_keys").all().map(Self.decodeSigningKey)
            let (after, result) = try change(before)
            let old = Dictionary(before.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
            let new = Dictionary(after.map { ($0.keyID, $0) }, uniquingKeysWith: { first, _ in first })
            for keyID in old.keys where new[keyID] == nil {
                try await db.raw("DELETE FROM jwtauth_signing_keys WHERE kid = \(bind: keyID)").run()
            }
            let rank: [SigningKeyRecord.State: Int] = [.retired: 0, .revoked: 0, .current: 1, .next: 2]
            let updates = after.filter { old[$0.keyID] != nil && old[$0.keyID] != $0 }.sorted { (rank[$0.state] ?? 0) < (rank[$1.state] ?? 0) }
            for key in updates {
                try await db.raw(
                    """
                    UPDATE jwtauth_signing_keys SET alg = \(bind: key.algorithm.name), state = \(bind: key.state.rawValue),
                        sealed_key = \(bind: key.sealedKey), created_at = \(bind: key.createdAt.secondsSinceEpoch),
                        activated_at = \(bind: key.activatedAt?.secondsSinceEpoch), retired_at = \(bind: key.retiredAt?.secondsSinceEpoch),
                        revoked_at = \(bind: key.revokedAt?.secondsSinceEpoch)
                    WHERE kid = \(bind: key.keyID)
                    """
                ).run()
            }
            for key in after where old[key.keyID] == nil {
                try await db.raw(
                    """
                    INSERT INTO jwtauth_signing_keys (\(unsafeRaw: Self.signingKeyColumns)) VALUES (
                    \(bind: key.keyID), \(bind: key.algorithm.name), \(bind: key.state.rawValue), \(bind: key.sealedKey),
                    \(bind: key.createdAt.secondsSinceEpoch), \(bind: key.activatedAt?.secondsSinceEpoch),
                    \(bind: key.retiredAt?.secondsSinceEpoch), \(bind: key.revokedAt?.secondsSinceEpoch))
                    """
                ).run()
            }
            return result
        }
    }
}
