import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// The administration behind `jwtauth users …`, `jwtauth sessions …` and `jwtauth audit`, run
/// against the database of a server running in this process: each change reaches the running
/// server at once, through the store's revocation log it follows.
@Suite("Administration commands against a running server")
struct AdministrationCommandTests {
    @Test("Disabling a user refuses its access tokens on the running server at once and blocks login; enabling lets it in again")
    func disableAndEnable() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.run { api in
                let (id, tokens) = try await api.signUp("alice")
                #expect(try await api.me(tokens.access).status == .ok)
                let disabled = try await setUserDisabled("alice", true, configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                #expect(disabled.id == id && disabled.isDisabled)
                try await eventually("the disabled user's access token is refused") { try await api.me(tokens.access).status == .unauthorized }
                expectInvalidToken(try await api.me(tokens.access))
                expectInvalidGrant(try await api.refresh(tokens.refresh))
                expectError(try await api.loginResponse("alice", "correct horse battery"), .unauthorized, "invalid_credentials")

                let enabled = try await setUserDisabled(id, false, configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                #expect(!enabled.isDisabled)
                let fresh = try await api.login("alice")
                #expect(try await api.me(fresh.access).status == .ok)
                #expect(try await listUsers(configuration: fixture.configuration, logger: .quiet).map(\.username) == ["alice"])
            }
        }
    }

    @Test("Revoking one session or all of a user's ends exactly those on the running server")
    func revokeSessions() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.run { api in
                let (id, first) = try await api.signUp("alice")
                let second = try await api.login("alice", userAgent: "Second/2.0")
                let bob = try await api.signUp("bob").tokens
                let sessions = try await listSessions(user: "alice", configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                #expect(Set(sessions.map(\.id)) == Set([first.sessionID, second.sessionID].compactMap { $0 }))
                #expect(sessions.allSatisfy { $0.userID == id })
                #expect(try await listSessions(user: nil, configuration: fixture.configuration, logger: .quiet, clock: fixture.clock).count == 3)

                let sessionID = try #require(first.sessionID)
                let revoked = try await revokeSession(sessionID, configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                #expect(revoked.id == sessionID && revoked.userID == id)
                try await eventually("the revoked session's access token is refused") { try await api.me(first.access).status == .unauthorized }
                #expect(try await api.me(second.access).status == .ok)

                let gone = await #expect(throws: JWTAuthError.self) {
                    try await revokeSession(sessionID, user: "alice", configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                }
                #expect(gone?.code == .notFound)

                _ = try await revokeUserSessions("alice", configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                try await eventually("every session of the user is refused") { try await api.me(second.access).status == .unauthorized }
                expectInvalidGrant(try await api.refresh(second.refresh))
                #expect(try await api.me(bob.access).status == .ok, "another user is untouched")
            }
        }
    }

    @Test("Setting a password ends the user's sessions; the old password fails and the new one works; registration's rules apply")
    func setPassword() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.run { api in
                let (_, tokens) = try await api.signUp("alice")
                let short = await #expect(throws: JWTAuthError.self) {
                    try await setUserPassword("alice", password: "short", configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                }
                #expect(short?.code == .invalidInput)
                #expect(try await api.me(tokens.access).status == .ok, "a refused change changes nothing")

                _ = try await setUserPassword(
                    "alice",
                    password: "a new password 123",
                    configuration: fixture.configuration,
                    logger: .quiet,
                    clock: fixture.clock
                )
                try await eventually("the old session is refused") { try await api.me(tokens.access).status == .unauthorized }
                expectError(try await api.loginResponse("alice", "correct horse battery"), .unauthorized, "invalid_credentials")
                _ = try await api.login("alice", "a new password 123")
            }
        }
    }

    @Test("Removing a user ends its tokens and frees the name; unknown users are not_found")
    func removeAndUnknown() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.run { api in
                let (id, tokens) = try await api.signUp("alice")
                let removed = try await removeUser("alice", configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                #expect(removed.id == id)
                try await eventually("the removed user's token is refused") { try await api.me(tokens.access).status == .unauthorized }
                expectError(try await api.loginResponse("alice", "correct horse battery"), .unauthorized, "invalid_credentials")
                #expect(try await api.register("alice") != id)

                for action in ["remove", "disable", "set-password", "revoke-user", "sessions"] {
                    let error = await #expect(throws: JWTAuthError.self, "\(action)") {
                        let configuration = fixture.configuration
                        switch action {
                        case "remove": _ = try await removeUser(id, configuration: configuration, logger: .quiet)
                        case "disable": _ = try await setUserDisabled("nobody", true, configuration: configuration, logger: .quiet)
                        case "set-password": _ = try await setUserPassword("nobody", password: "long enough 123", configuration: configuration, logger: .quiet)
                        case "revoke-user": _ = try await revokeUserSessions("nobody", configuration: configuration, logger: .quiet)
                        default: _ = try await listSessions(user: "nobody", configuration: configuration, logger: .quiet)
                        }
                    }
                    #expect(error?.code == .notFound, "\(action)")
                }
            }
        }
    }

    @Test("The audit log read from the database shows the commands' events, filtered by user name and event")
    func auditFromCommands() async throws {
        try await ServerFixture.with { fixture in
            try await fixture.run { api in
                let (id, _) = try await api.signUp("alice")
                // The server writes its events in the background: wait for them, so that the
                // commands' events follow them in the log.
                try await eventually("the server's own events are written") {
                    var found = false
                    try await readAuditLog(
                        user: "alice",
                        kind: .loginSucceeded,
                        since: nil,
                        follow: false,
                        configuration: fixture.configuration,
                        logger: .quiet
                    ) { entries in
                        found = found || !entries.isEmpty
                    }
                    return found
                }
                _ = try await setUserDisabled("alice", true, configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                _ = try await setUserDisabled("alice", false, configuration: fixture.configuration, logger: .quiet, clock: fixture.clock)
                var events: [AuditEvent] = []
                try await readAuditLog(user: "alice", kind: nil, since: nil, follow: false, configuration: fixture.configuration, logger: .quiet) { entries in
                    events += entries.map(\.event)
                }
                #expect(events.allSatisfy { $0.userID == id })
                #expect(events.map(\.kind) == [.userRegistered, .loginSucceeded, .userDisabled, .userEnabled])
                let disabled = try #require(events.first { $0.kind == .userDisabled })
                #expect(disabled.userAgent == "jwtauth (command line)" && disabled.clientAddress == nil && disabled.outcome == "success")
                var onlyEnabled: [AuditEvent] = []
                try await readAuditLog(user: id, kind: .userEnabled, since: nil, follow: false, configuration: fixture.configuration, logger: .quiet) {
                    entries in
                    onlyEnabled += entries.map(\.event)
                }
                #expect(onlyEnabled.map(\.kind) == [.userEnabled])
            }
        }
    }
}
