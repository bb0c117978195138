import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Logging
import Synchronization
import Testing

/// Every line the server logs, message and metadata flattened to text.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    func append(_ line: String) {
        self.lines.withLock { $0.append(line) }
    }

    var all: [String] { self.lines.withLock { $0 } }

    var logger: Logger {
        Logger(label: "jwtauth.test") { label in CapturingLogHandler(label: label, capture: self) }
    }
}

/// A swift-log handler that records everything, at every level, into a ``LogCapture``.
struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { self.metadata[key] }
        set { self.metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = self.metadata
        if let provided = self.metadataProvider?.get() { all.merge(provided) { $1 } }
        if let metadata = event.metadata { all.merge(metadata) { $1 } }
        let fields = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\(String(reflecting: $0))" } ?? ""
        self.capture.append("\(event.level) \(self.label) \(event.source) \(event.message) \(fields)\(error)")
    }
}

@Suite("Logging")
struct LoggingTests {
    @Test("No log line contains a token or a password, whatever the request")
    func noSecretsInLogs() async throws {
        let capture = LogCapture()
        let password = "Sup3r-Secret-Passw0rd"
        let wrongPassword = "Wr0ng-Secret-Guess"
        let secrets = try await ServerFixture.with { fixture in
            try await fixture.addUser(Admin.username, password: Admin.password, roles: ["admin"])
            return try await fixture.run(logger: capture.logger) { api -> [String] in
                try await api.register("alice", password)
                var secrets = [password, wrongPassword, Admin.password]
                let first = try await api.login("alice", password)
                let admin = try await api.loginAdmin()
                secrets += [first.access, first.refresh, admin.access, admin.refresh]

                _ = try await api.loginResponse("alice", wrongPassword)
                _ = try await api.loginResponse("nobody-here", wrongPassword)
                _ = try await api.post("/auth/register", fields: ["username": "alice", "password": password])
                _ = try await api.post("/auth/register", fields: ["username": "x", "password": wrongPassword])
                _ = try await api.me(first.access)
                let second = try Tokens(try await api.refresh(first.refresh))
                secrets += [second.access, second.refresh]
                _ = try await api.post("/oauth/introspect", form: [("token", second.access)], bearer: admin.access)
                _ = try await api.post("/oauth/introspect", form: [("token", second.refresh)], bearer: admin.access)
                // Reuse detection logs a warning: it must name the session, not the token.
                _ = try await api.refresh(first.refresh)
                _ = try await api.me(second.access)
                _ = try await api.me(first.refresh)
                _ = try await api.get("/api/me", headers: [.authorization: "Bearer " + second.refresh + "x"])
                _ = try await api.post("/oauth/token", form: [("grant_type", "password"), ("refresh_token", second.refresh)])
                _ = try await api.post(
                    "/auth/password",
                    fields: ["current_password": wrongPassword, "new_password": wrongPassword + "!"],
                    bearer: admin.access
                )

                let third = try await api.login("alice", password)
                secrets += [third.access, third.refresh]
                _ = try await api.post("/oauth/revoke", form: [("token", third.refresh)])
                _ = try await api.post("/auth/logout", fields: ["refresh_token": third.refresh])
                _ = try await api.get("/auth/sessions", bearer: admin.access)
                _ = try await api.post("/auth/logout-all", bearer: admin.access)
                return secrets
            }
        }
        let lines = capture.all
        #expect(lines.contains { $0.contains("request") }, "the capture saw the request log: \(lines.count) lines")
        for line in lines {
            for secret in secrets {
                // Also the signature alone: a token cut at a dot is still a leak of its proof.
                let fragments = [secret] + (secret.contains(".") ? [String(secret.split(separator: ".").last ?? "")] : [])
                for fragment in fragments where fragment.count >= 8 {
                    #expect(!line.contains(fragment), "a log line holds a secret: \(line.prefix(300))")
                }
            }
        }
    }

    @Test("Behind a trusted proxy the request log names the forwarded client (live socket)", arguments: [true, false])
    func forwardedClientInLog(trusted: Bool) async throws {
        let capture = LogCapture()
        try await ServerFixture.with({ $0.trustedProxies = trusted ? ["127.0.0.1", "::1"] : [] }) { fixture in
            try await fixture.run(.live, logger: capture.logger) { api in
                _ = try await api.get("/health", headers: [HTTPField.Name("X-Forwarded-For")!: "192.0.2.1, 203.0.113.9"])
            }
        }
        let line = try #require(capture.all.first { $0.contains("request") && $0.contains("path=/health") })
        #expect(line.contains("client=203.0.113.9") == trusted, "\(line)")
        #expect(!line.contains("192.0.2.1"), "\(line)")
    }
}
