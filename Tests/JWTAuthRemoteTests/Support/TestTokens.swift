import Foundation
import JWTAuth
import JWTAuthRemote

/// Signing keys of the fake issuer and the tokens it would issue.
struct TestKeys: Sendable {
    let keys: [JWTKey]

    /// `count` ES256 keys with the `kid`s `k1`, `k2`, ….
    init(count: Int = 2) throws {
        self.keys = try (1...count).map { try JWTKey.generate(.es256, keyID: "k\($0)") }
    }

    subscript(keyID: String) -> JWTKey {
        get throws {
            guard let key = self.keys.first(where: { $0.keyID == keyID }) else { throw JWTAuthError(.keyUnknown, keyID) }
            return key
        }
    }

    /// The JWKS publishing the public halves of the keys named.
    func jwks(_ keyIDs: String...) throws -> String {
        let chosen = try keyIDs.map { try self[$0] }
        return try JWTKeySet(chosen.compactMap(\.publicKey)).publicJWKS()
    }

    /// An access token as the token server issues it.
    func accessToken(
        key keyID: String = "k1",
        issuer: String,
        audience: String? = nil,
        subject: String = "user-1",
        session: String? = "session-1",
        issuedAt: NumericDate,
        lifetime: Duration = .seconds(300),
        type: String = "at+jwt"
    ) throws -> String {
        let signer = try JWTSigner(key: try self[keyID])
        return try signer.sign(
            JWTClaims(
                issuer: issuer,
                subject: subject,
                audience: [audience ?? issuer],
                expiresAt: issuedAt + lifetime,
                notBefore: issuedAt,
                issuedAt: issuedAt,
                tokenID: UUID().uuidString,
                sessionID: session,
                clientID: "default",
                roles: ["reader"]
            ),
            type: type
        )
    }

    /// A token signed by a key that was never published, under the `kid` given.
    static func tokenOfUnpublishedKey(_ keyID: String, issuer: String, issuedAt: NumericDate) throws -> String {
        let keys = TestKeys(keys: [try JWTKey.generate(.es256, keyID: keyID)])
        return try keys.accessToken(key: keyID, issuer: issuer, issuedAt: issuedAt)
    }

    private init(keys: [JWTKey]) {
        self.keys = keys
    }
}

/// The error code a verification throws, or nil when it succeeds.
func failure(_ verifier: RemoteAccessTokenVerifier, _ token: String) async -> String? {
    do {
        _ = try await verifier.verify(accessToken: Substring(token))
        return nil
    } catch {
        return error.code.description
    }
}
