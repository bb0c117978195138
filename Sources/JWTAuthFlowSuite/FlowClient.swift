public import HTTPTypes
import JWTAuth

/// The client side of the HTTP contract over a ``FlowTransport``, with the helpers the cases
/// share.
public struct FlowClient: Sendable {
    /// Where requests go.
    public let transport: any FlowTransport
    /// An account with the admin role that the server under test was given before the case
    /// runs (registration never grants roles).
    public let admin: Credentials

    /// A username and password.
    public struct Credentials: Sendable {
        /// The username.
        public var username: String
        /// The password.
        public var password: String

        /// Creates credentials.
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }
    }

    /// A login's tokens.
    public struct Tokens: Sendable {
        /// The access token.
        public var access: String
        /// The refresh token.
        public var refresh: String
    }

    /// Creates a client.
    ///
    /// - Parameters:
    ///   - transport: Where requests go.
    ///   - admin: An account holding the `admin` role on the server under test.
    public init(transport: any FlowTransport, admin: Credentials) {
        self.transport = transport
        self.admin = admin
    }

    // MARK: Requests

    /// Sends a request, with `Authorization: Bearer` when `bearer` is given.
    public func send(
        _ method: HTTPRequest.Method,
        _ path: String,
        bearer: String? = nil,
        headers: HTTPFields = [:],
        body: [UInt8] = []
    ) async throws -> FlowResponse {
        var headers = headers
        if let bearer { headers[.authorization] = "Bearer " + bearer }
        let (status, responseHeaders, responseBody) = try await self.transport.send(method, path, headers: headers, body: body)
        return FlowResponse(status: status, headers: responseHeaders, body: responseBody)
    }

    /// POST with a JSON object of string members.
    public func post(_ path: String, json members: [String: String], bearer: String? = nil) async throws -> FlowResponse {
        let body = JSONValue.object(members.mapValues(JSONValue.string)).jsonString
        return try await self.send(.post, path, bearer: bearer, headers: [.contentType: "application/json"], body: Array(body.utf8))
    }

    /// POST `application/x-www-form-urlencoded`.
    public func post(_ path: String, form: [(String, String)], bearer: String? = nil) async throws -> FlowResponse {
        let body = form.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
        return try await self.send(.post, path, bearer: bearer, headers: [.contentType: "application/x-www-form-urlencoded"], body: Array(body.utf8))
    }

    // MARK: Flows the cases share

    /// A username no other case uses, so cases may share one server.
    public static func uniqueUsername(_ prefix: String) -> String {
        prefix + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    /// Registers an account and returns its id.
    @discardableResult
    public func register(_ username: String, password: String) async throws -> String {
        let response = try await self.post("/auth/register", json: ["username": username, "password": password])
        try expect(response, .created, "registering \(username)")
        return try response.string("id")
    }

    /// Logs in and returns the token pair.
    public func login(_ username: String, password: String) async throws -> Tokens {
        let response = try await self.post("/auth/login", json: ["username": username, "password": password])
        try expect(response, .ok, "logging in")
        return Tokens(access: try response.string("access_token"), refresh: try response.string("refresh_token"))
    }

    /// Registers a fresh account, logs in and returns its id, password and tokens.
    public func newUser(_ prefix: String = "user") async throws -> (id: String, username: String, password: String, tokens: Tokens) {
        let username = Self.uniqueUsername(prefix)
        let password = "correct horse battery"
        let id = try await self.register(username, password: password)
        return (id, username, password, try await self.login(username, password: password))
    }

    /// The admin's tokens.
    public func loginAdmin() async throws -> Tokens {
        try await self.login(self.admin.username, password: self.admin.password)
    }

    /// Trades a refresh token at `POST /auth/refresh`.
    public func refresh(_ refreshToken: String) async throws -> FlowResponse {
        try await self.post("/auth/refresh", json: ["refresh_token": refreshToken])
    }

    /// `GET /api/me` with an access token.
    public func me(_ accessToken: String) async throws -> FlowResponse {
        try await self.send(.get, "/api/me", bearer: accessToken)
    }

    static func formEncode(_ value: String) -> String {
        var encoded = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                encoded.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return encoded
    }
}
