import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// With SQLite under the data directory, sessions, revocations, users and
/// the signing keys survive a restart.
@Suite("Restart persistence")
struct PersistenceTests {
    struct Snapshot: Sendable {
        var kid: String?
        var jwks: String
        var revoked: Tokens
        var kept: Tokens
        var userID: String
    }

    @Test("After a restart on the same data directory revocations hold, other sessions work and the key is unchanged")
    func restart() async throws {
        try await ServerFixture.with { fixture in
            let before = try await fixture.run { api in
                let jwks = try await api.get("/.well-known/jwks.json")
                let (id, revoked) = try await api.signUp("alice")
                let kept = try await api.login("alice")
                #expect(try await api.post("/auth/logout", fields: ["refresh_token": revoked.refresh]).status == .noContent)
                expectInvalidToken(try await api.me(revoked.access))
                return Snapshot(
                    kid: jwks.object["keys"]?.arrayValue?.first?.objectValue?["kid"]?.stringValue,
                    jwks: jwks.text,
                    revoked: revoked,
                    kept: kept,
                    userID: id
                )
            }

            fixture.clock.advance(by: .seconds(5))
            try await fixture.run { api in
                let jwks = try await api.get("/.well-known/jwks.json")
                #expect(jwks.object["keys"]?.arrayValue?.first?.objectValue?["kid"]?.stringValue == before.kid)
                #expect(before.kid != nil)
                #expect(jwks.text == before.jwks)

                // The revoked session stays revoked, for its access and its refresh token.
                expectInvalidToken(try await api.me(before.revoked.access), "the logged-out session's access token")
                expectInvalidGrant(try await api.refresh(before.revoked.refresh), "the logged-out session's refresh token")

                // The other session: its access token still verifies, its refresh token rotates.
                let me = try await api.me(before.kept.access)
                #expect(me.status == .ok)
                #expect(me.object["sub"]?.stringValue == before.userID)
                let rotated = try await api.refresh(before.kept.refresh)
                #expect(rotated.status == .ok, "\(rotated.text)")
                if rotated.status == .ok {
                    #expect(try await api.me(try Tokens(rotated).access).status == .ok)
                }
                // The account survived too; a second registration of the name is refused.
                _ = try await api.login("alice")
                expectError(
                    try await api.post("/auth/register", fields: ["username": "ALICE", "password": "correct horse battery"]),
                    .conflict,
                    "username_taken"
                )
            }
        }
    }

    @Test("Reuse detection, logout-all and an admin revoke made before a restart still hold after it")
    func revocationsSurviveRestart() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.addUser(Admin.username, password: Admin.password, roles: ["admin"])
            struct Before: Sendable {
                var reused: Tokens
                var allOut: [Tokens]
                var adminRevoked: Tokens
            }
            let before = try await fixture.run { api in
                let (_, reusedFirst) = try await api.signUp("reuser")
                let reused = try Tokens(try await api.refresh(reusedFirst.refresh))
                expectInvalidGrant(try await api.refresh(reusedFirst.refresh))

                let (_, a) = try await api.signUp("everywhere")
                let b = try await api.login("everywhere")
                #expect(try await api.post("/auth/logout-all", bearer: a.access).status == .noContent)

                let (id, target) = try await api.signUp("target")
                #expect(try await api.post("/admin/users/\(id)/revoke", bearer: try await api.loginAdmin().access).status == .noContent)
                return Before(reused: reused, allOut: [a, b], adminRevoked: target)
            }
            fixture.clock.advance(by: .seconds(1))
            try await fixture.run { api in
                for (name, tokens) in [
                    ("reused", before.reused), ("logout-all 1", before.allOut[0]), ("logout-all 2", before.allOut[1]), ("admin revoked", before.adminRevoked),
                ] {
                    expectInvalidToken(try await api.me(tokens.access), "\(name)")
                    expectInvalidGrant(try await api.refresh(tokens.refresh), "\(name)")
                }
            }
        }
    }

    @Test(
        "Key files (--keys-dir): the signing key is private on disk; moved aside, it stays published and its tokens keep working while new ones use a new key"
    )
    func keyRotation() async throws {
        try await ServerFixture.with({ $0.keysDirectory = $0.dataDirectory + "/keys" }) { fixture in
            let keysDirectory = fixture.configuration.effectiveKeysDirectory
            let signingPath = keysDirectory + "/signing.jwk"
            let (oldKID, old) = try await fixture.run { api in
                let kid = try await api.get("/.well-known/jwks.json").object["keys"]?.arrayValue?.first?.objectValue?["kid"]?.stringValue
                return (try #require(kid), try await api.signUp("alice").tokens)
            }
            let attributes = try FileManager.default.attributesOfItem(atPath: signingPath)
            #expect((attributes[.posixPermissions] as? Int).map { $0 & 0o777 } == 0o600, "signing.jwk must be readable by its owner only")
            let directoryAttributes = try FileManager.default.attributesOfItem(atPath: keysDirectory)
            #expect((directoryAttributes[.posixPermissions] as? Int).map { $0 & 0o077 } == 0, "the keys directory must be private")

            // Rotate as the README says: move the key aside and restart.
            try FileManager.default.moveItem(atPath: signingPath, toPath: keysDirectory + "/retired-1.jwk")
            try await fixture.run { api in
                let kids = try await api.get("/.well-known/jwks.json").object["keys"]?.arrayValue?.compactMap { $0.objectValue?["kid"]?.stringValue } ?? []
                #expect(kids.count == 2 && kids.contains(oldKID), "\(kids)")

                // The old key's tokens still work: the access token verifies, the refresh token rotates.
                #expect(try await api.me(old.access).status == .ok)
                let rotated = try await api.refresh(old.refresh)
                #expect(rotated.status == .ok, "\(rotated.text)")
                let newKID = try #require(JWTParts(try Tokens(rotated).access)?.header["kid"]?.stringValue)
                #expect(newKID != oldKID && kids.contains(newKID))
                #expect(JWTParts(try await api.login("alice").access)?.header["kid"]?.stringValue == newKID)
            }
            #expect(FileManager.default.fileExists(atPath: signingPath), "a new signing key was created")
        }
    }
}
