import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Logging
import NIOCore
import Testing

/// One test's server: a private data directory, a manual clock and a configuration with cheap
/// bcrypt. Apps built from it share the directory, so a test can restart the server.
struct ServerFixture: Sendable {
    static let issuer = "https://auth.example.test"
    static let start = NumericDate(1_800_000_000)

    let dataDirectory: String
    let clock: ManualClock
    var configuration: ServerConfiguration

    /// Creates a fixture on a fresh directory, runs `body`, and removes the directory.
    static func with<Value>(
        _ configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: (ServerFixture) async throws -> Value
    ) async throws -> Value {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("jwtauth-server-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ServerConfiguration(
            port: 0,
            dataDirectory: directory,
            issuer: Self.issuer,
            bcryptCost: 4,
            revocationPollInterval: .milliseconds(20)
        )
        configure(&configuration)
        return try await body(ServerFixture(dataDirectory: directory, clock: ManualClock(Self.start), configuration: configuration))
    }

    /// Builds an app on the fixture's directory and clock and drives it with `test`.
    func run<Value: Sendable>(
        _ setup: TestingSetup = .router,
        logger: Logger = .quiet,
        _ test: @Sendable (API) async throws -> Value
    ) async throws -> Value {
        let app = try await buildApplication(configuration: self.configuration, logger: logger, clock: self.clock)
        let clock = self.clock
        return try await app.test(setup) { client in
            try await test(API(client: client, clock: clock))
        }
    }

    /// Creates a user straight in the store (as `jwtauth users add` does); call before `run`.
    @discardableResult
    func addUser(_ username: String, password: String, roles: [String] = []) async throws -> UserRecord {
        try await JWTAuthServer.addUser(configuration: self.configuration, username: username, password: password, roles: roles, logger: .quiet)
    }
}

/// Convenience fixture: a fresh server with an admin account, driven in-process.
func withServer<Value: Sendable>(
    _ setup: TestingSetup = .router,
    configure: (inout ServerConfiguration) -> Void = { _ in },
    logger: Logger = .quiet,
    _ test: @Sendable (API) async throws -> Value
) async throws -> Value {
    try await ServerFixture.with(configure) { fixture in
        try await fixture.addUser(Admin.username, password: Admin.password, roles: ["admin"])
        return try await fixture.run(setup, logger: logger, test)
    }
}

/// The administrator every `withServer` fixture has.
enum Admin {
    static let username = "root-admin"
    static let password = "admin password 123"
}

extension Logger {
    /// A logger that drops everything (the server logs one line per request).
    static var quiet: Logger { Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }) }
}

/// The client side of the HTTP contract, with the manual clock the server reads.
struct API: Sendable {
    let client: any TestClientProtocol
    let clock: ManualClock

    // MARK: Raw requests

    func request(
        _ method: HTTPRequest.Method,
        _ uri: String,
        bearer: String? = nil,
        headers: HTTPFields = [:],
        body: ByteBuffer? = nil
    ) async throws -> TestResponse {
        var headers = headers
        if let bearer { headers[.authorization] = "Bearer " + bearer }
        return try await self.client.execute(uri: uri, method: method, headers: headers, body: body)
    }

    func get(_ uri: String, bearer: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await self.request(.get, uri, bearer: bearer, headers: headers)
    }

    func delete(_ uri: String, bearer: String? = nil) async throws -> TestResponse {
        try await self.request(.delete, uri, bearer: bearer)
    }

    /// POST with a JSON body given as text.
    func post(_ uri: String, json: String, bearer: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return try await self.request(.post, uri, bearer: bearer, headers: headers, body: ByteBuffer(string: json))
    }

    /// POST with a JSON object built from string members.
    func post(_ uri: String, fields: [String: String], bearer: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await self.post(uri, json: JSONValue.object(fields.mapValues(JSONValue.string)).jsonString, bearer: bearer, headers: headers)
    }

    /// POST `application/x-www-form-urlencoded`, values percent-encoded.
    func post(_ uri: String, form: [(String, String)], bearer: String? = nil) async throws -> TestResponse {
        let body = form.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
        return try await self.request(
            .post,
            uri,
            bearer: bearer,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body)
        )
    }

    /// POST with no body at all.
    func post(_ uri: String, bearer: String? = nil) async throws -> TestResponse {
        try await self.request(.post, uri, bearer: bearer)
    }

    static func formEncode(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    // MARK: The contract's operations

    /// Registers a user and returns its id; expects 201.
    @discardableResult
    func register(_ username: String, _ password: String = "correct horse battery", sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let response = try await self.post("/auth/register", fields: ["username": username, "password": password])
        try #require(response.status == .created, "register \(username): \(response.text)", sourceLocation: sourceLocation)
        return try #require(response.object["id"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// Logs in and returns the token pair; expects 200.
    func login(
        _ username: String,
        _ password: String = "correct horse battery",
        clientID: String? = nil,
        userAgent: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> Tokens {
        let response = try await self.loginResponse(username, password, clientID: clientID, userAgent: userAgent)
        try #require(response.status == .ok, "login \(username): \(response.text)", sourceLocation: sourceLocation)
        return try Tokens(response, sourceLocation: sourceLocation)
    }

    func loginResponse(_ username: String, _ password: String, clientID: String? = nil, userAgent: String? = nil) async throws -> TestResponse {
        var fields = ["username": username, "password": password]
        fields["client_id"] = clientID
        var headers: HTTPFields = [:]
        if let userAgent { headers[.userAgent] = userAgent }
        return try await self.post("/auth/login", fields: fields, headers: headers)
    }

    /// Registers `username` and logs in.
    func signUp(_ username: String, clientID: String? = nil, userAgent: String? = nil) async throws -> (id: String, tokens: Tokens) {
        let id = try await self.register(username)
        return (id, try await self.login(username, clientID: clientID, userAgent: userAgent))
    }

    func loginAdmin() async throws -> Tokens {
        try await self.login(Admin.username, Admin.password)
    }

    /// `POST /auth/refresh` with `{"refresh_token": …}`.
    func refresh(_ refreshToken: String) async throws -> TestResponse {
        try await self.post("/auth/refresh", fields: ["refresh_token": refreshToken])
    }

    /// `GET /api/me` with the token as Bearer.
    func me(_ accessToken: String) async throws -> TestResponse {
        try await self.get("/api/me", bearer: accessToken)
    }
}

/// A token response.
struct Tokens: Sendable {
    let access: String
    let refresh: String
    let members: [String: JSONValue]

    init(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.members = response.object
        self.access = try #require(self.members["access_token"]?.stringValue, sourceLocation: sourceLocation)
        self.refresh = try #require(self.members["refresh_token"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// The session id (`sid`) the tokens carry.
    var sessionID: String? { JWTParts(self.access)?.payload["sid"]?.stringValue }
}

extension TestResponse {
    var text: String { String(buffer: self.body) }

    /// The body as JSON, or nil when it is not.
    var json: JSONValue? { try? JSONValue(parsingBytes: Array(buffer: self.body)) }

    /// The body's members, empty when it is not a JSON object.
    var object: [String: JSONValue] { self.json?.objectValue ?? [:] }

    /// The `error` member of an error body.
    var errorCode: String? { self.object["error"]?.stringValue }

    var challenge: String? { self.headers[.wwwAuthenticate] }
}

/// The header and payload of a compact JWT, decoded without verification.
struct JWTParts {
    let header: [String: JSONValue]
    let payload: [String: JSONValue]

    init?(_ token: String) {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        guard segments.count == 3,
            let header = Self.decode(segments[0]), let payload = Self.decode(segments[1])
        else { return nil }
        self.header = header
        self.payload = payload
    }

    private static func decode(_ segment: Substring) -> [String: JSONValue]? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        return (try? JSONValue(parsingBytes: Array(data)))?.objectValue
    }
}

extension JSONValue {
    var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}

/// Checks the RFC 6750 shape of a refused access token: 401, `invalid_token` in the body and
/// in the `WWW-Authenticate: Bearer` challenge.
func expectInvalidToken(_ response: TestResponse, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == .unauthorized, "\(comment.map { "\($0): " } ?? "")\(response.status) \(response.text)", sourceLocation: sourceLocation)
    #expect(response.errorCode == "invalid_token", comment, sourceLocation: sourceLocation)
    let challenge = response.challenge ?? ""
    #expect(challenge.lowercased().hasPrefix("bearer"), "challenge: \(challenge)", sourceLocation: sourceLocation)
    #expect(challenge.contains(#"error="invalid_token""#), "challenge: \(challenge)", sourceLocation: sourceLocation)
}

/// Checks a refused refresh token: 400 `invalid_grant`.
func expectInvalidGrant(_ response: TestResponse, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == .badRequest, "\(comment.map { "\($0): " } ?? "")\(response.status) \(response.text)", sourceLocation: sourceLocation)
    #expect(response.errorCode == "invalid_grant", comment, sourceLocation: sourceLocation)
}

/// Checks an error response: the status, and `{"error": code, "error_description": …}`.
func expectError(
    _ response: TestResponse,
    _ status: HTTPResponse.Status,
    _ code: String? = nil,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "\(comment.map { "\($0): " } ?? "")\(response.status) \(response.text)", sourceLocation: sourceLocation)
    if let code {
        #expect(response.errorCode == code, "\(comment.map { "\($0): " } ?? "")\(response.text)", sourceLocation: sourceLocation)
    }
    #expect(
        response.object["error_description"]?.stringValue != nil,
        "\(comment.map { "\($0): " } ?? "")no error_description: \(response.text)",
        sourceLocation: sourceLocation
    )
}
