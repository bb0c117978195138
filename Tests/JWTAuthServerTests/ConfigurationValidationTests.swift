import Foundation
import JWTAuth
import JWTAuthServer
import Testing

/// A library caller's mistake in ``ServerConfiguration`` is an `invalid_input` error before
/// anything is opened, never a crash.
@Suite("Configuration validation")
struct ConfigurationValidationTests {
    @Test("The defaults are valid")
    func defaultsAreValid() throws {
        try ServerConfiguration().validate()
    }

    /// One out-of-range value per setting, applied to a default configuration.
    static func breaking(_ setting: String, _ configuration: inout ServerConfiguration) {
        switch setting {
        case "bcryptCost": configuration.bcryptCost = 3
        case "port": configuration.port = 70000
        case "accessTokenLifetime": configuration.session.accessTokenLifetime = .zero
        case "refreshTokenLifetime": configuration.session.refreshTokenLifetime = .milliseconds(10)
        case "sessionLifetime": configuration.session.sessionLifetime = .seconds(-1)
        case "leeway": configuration.session.leeway = .seconds(301)
        case "maximumSessionsPerUser": configuration.session.maximumSessionsPerUser = 0
        case "keyPollInterval": configuration.keyPollInterval = .zero
        case "revocationHeartbeat": configuration.revocationHeartbeat = .milliseconds(10)
        case "loginLimitPerUsername": configuration.loginLimitPerUsername.attempts = 0
        case "allowedOrigins": configuration.allowedOrigins = ["https://app.example.com/path"]
        default: Issue.record("no breaking value for \(setting)")
        }
    }

    @Test(
        "Each setting out of range is refused, naming the setting",
        arguments: [
            "bcryptCost", "port", "accessTokenLifetime", "refreshTokenLifetime", "sessionLifetime", "leeway",
            "maximumSessionsPerUser", "keyPollInterval", "revocationHeartbeat", "loginLimitPerUsername", "allowedOrigins",
        ]
    )
    func outOfRange(_ setting: String) {
        var configuration = ServerConfiguration()
        Self.breaking(setting, &configuration)
        let error = #expect(throws: JWTAuthError.self) { try configuration.validate() }
        #expect(error?.code == .invalidInput)
        #expect(error?.message.contains(setting) == true, "\(error?.message ?? "")")
    }

    @Test("The issuer follows the address until one is set; the audience follows the issuer until one is set")
    func issuerFollowsAddress() {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 8080)
        #expect(configuration.issuer == nil && configuration.audience == nil)
        #expect(configuration.session.issuer == "http://127.0.0.1:8080" && configuration.session.audience == "http://127.0.0.1:8080")
        configuration.port = 9000
        configuration.host = "::1"
        #expect(configuration.session.issuer == "http://[::1]:9000" && configuration.session.audience == "http://[::1]:9000")
        configuration.audience = "orders-api"
        configuration.issuer = "https://auth.example.com"
        configuration.port = 1
        #expect(configuration.issuer == "https://auth.example.com" && configuration.session.issuer == "https://auth.example.com")
        #expect(configuration.audience == "orders-api" && configuration.session.audience == "orders-api")
        configuration.audience = nil
        #expect(configuration.audience == nil && configuration.session.audience == "https://auth.example.com")
        configuration.issuer = nil
        #expect(configuration.session.issuer == "http://[::1]:1" && configuration.session.audience == "http://[::1]:1")
        #expect(ServerConfiguration(issuer: "https://a.test", audience: "api").session.audience == "api")
    }

    @Test("buildApplication refuses a bcrypt cost of 3 with an error and creates nothing")
    func buildApplicationValidates() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("jwtauth-validation-\(UUID().uuidString)").path
        let configuration = ServerConfiguration(port: 0, dataDirectory: directory, bcryptCost: 3)
        let error = await #expect(throws: JWTAuthError.self) { _ = try await buildApplication(configuration: configuration) }
        #expect(error?.code == .invalidInput)
        #expect(!FileManager.default.fileExists(atPath: directory), "nothing is created for a refused configuration")
    }
}
