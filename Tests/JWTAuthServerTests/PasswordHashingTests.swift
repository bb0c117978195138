import Foundation
import HTTPTypes
import JWTAuth
import JWTAuthSQL
import JWTAuthServer
import Testing

@testable import HummingbirdJWTAuth

/// bcrypt work-factor changes: stored hashes follow on the next login, and until then a check
/// against an older hash costs what a check against the decoy does.
@Suite("Password hashing")
struct PasswordHashingTests {
    @Test("After --bcrypt-cost is raised, a successful login rehashes the password at the new cost; a failed one does not")
    func rehashOnLogin() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.addUser("alice", password: "correct horse battery")
            try await fixture.addUser("bob", password: "correct horse battery")
            #expect(try await Self.storedCosts(fixture) == ["alice": 4, "bob": 4])
            var raised = fixture
            raised.configuration.bcryptCost = 5
            try await raised.run { api in
                _ = try await api.login("alice")
                expectError(try await api.loginResponse("bob", "not the password"), .unauthorized, "invalid_credentials")
                // The new hash still takes the same password.
                _ = try await api.login("alice")
            }
            #expect(try await Self.storedCosts(fixture) == ["alice": 5, "bob": 4])
        }
    }

    @Test("The extra work after a check against a cheaper hash adds up to one check at the current cost")
    func equalizingCosts() {
        // 2^11 - 2^9 = 2^9 + 2^10
        #expect(BcryptPasswordHasher.equalizingCosts(from: 9, to: 11) == [9, 10])
        #expect(BcryptPasswordHasher.equalizingCosts(from: 10, to: 11) == [10])
        #expect(BcryptPasswordHasher.equalizingCosts(from: 11, to: 11) == [])
        #expect(BcryptPasswordHasher.equalizingCosts(from: 12, to: 11) == [], "a dearer hash needs no extra work")
        #expect(BcryptPasswordHasher.equalizingCosts(from: nil, to: 11) == [])
        let total = BcryptPasswordHasher.equalizingCosts(from: 6, to: 12).reduce(1 << 6) { $0 + (1 << Int($1)) }
        #expect(total == 1 << 12)
    }

    @Test(
        "The work factor is read from modular-crypt hashes only",
        arguments: [
            ("$2b$11$abcdefghijklmnopqrstuu", UInt8(11)), ("$2a$04$x", 4), ("$2y$31$", 31), ("2b$11$x", nil), ("$2b$1x$", nil), ("", nil), ("$1$11$x", nil),
        ] as [(String, UInt8?)]
    )
    func costOfHash(_ hash: String, _ cost: UInt8?) {
        #expect(BcryptPasswordHasher.cost(of: hash) == cost)
    }

    /// Each user's bcrypt cost as stored in the fixture's SQLite file.
    static func storedCosts(_ fixture: ServerFixture) async throws -> [String: UInt8] {
        let store = try await SQLStore.sqlite(path: fixture.dataDirectory + "/jwtauth.sqlite")
        var costs: [String: UInt8] = [:]
        for name in ["alice", "bob"] {
            let user = try #require(try await store.user(username: name))
            costs[name] = BcryptPasswordHasher.cost(of: user.passwordHash)
        }
        try await store.close()
        return costs
    }
}
