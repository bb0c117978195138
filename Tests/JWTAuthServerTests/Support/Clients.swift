import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import NIOCore
import Testing

/// A machine client's id and secret, as `jwtauth clients add` prints them.
struct MachineClient: Sendable {
    let id: String
    let secret: String

    /// `Authorization: Basic …` with the id and secret form-encoded first (RFC 6749 §2.3.1).
    var basicAuthorization: String {
        "Basic " + Data((API.formEncode(self.id) + ":" + API.formEncode(self.secret)).utf8).base64EncodedString()
    }
}

extension ServerFixture {
    /// Registers a machine client straight in the store (as `jwtauth clients add` does).
    func addClient(_ name: String = "orders-api", scopes: [String] = [OAuthScope.revocationsRead]) async throws -> MachineClient {
        let (client, secret) = try await JWTAuthServer.addClient(
            configuration: self.configuration,
            name: name,
            scopes: scopes,
            logger: .quiet,
            clock: self.clock
        )
        return MachineClient(id: client.id, secret: secret)
    }

    /// Removes a client from the store and revokes its tokens (as `jwtauth clients remove` does).
    func removeClient(_ client: MachineClient) async throws {
        try await JWTAuthServer.removeClient(configuration: self.configuration, id: client.id, logger: .quiet, clock: self.clock)
    }
}

extension API {
    /// `POST /oauth/token` with `grant_type=client_credentials` and the client's Basic credentials.
    func clientCredentials(
        _ client: MachineClient,
        scope: String? = nil,
        form extra: [(String, String)] = [],
        headers extraHeaders: HTTPFields = [:]
    ) async throws -> TestResponse {
        var form = [("grant_type", "client_credentials")]
        if let scope { form.append(("scope", scope)) }
        form += extra
        let body = form.map { Self.formEncode($0.0) + "=" + Self.formEncode($0.1) }.joined(separator: "&")
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .authorization: client.basicAuthorization]
        headers.append(contentsOf: extraHeaders)
        return try await self.request(.post, "/oauth/token", headers: headers, body: ByteBuffer(string: body))
    }

    /// A client's access token (expects 200).
    func clientToken(_ client: MachineClient, scope: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let response = try await self.clientCredentials(client, scope: scope)
        try #require(response.status == .ok, "client credentials: \(response.text)", sourceLocation: sourceLocation)
        return try #require(response.object["access_token"]?.stringValue, sourceLocation: sourceLocation)
    }

    /// `GET /oauth/revocations` as JSON, after `cursor` when given.
    func revocationsPage(_ token: String?, after cursor: String? = nil) async throws -> TestResponse {
        let query = cursor.map { "?after=" + Self.formEncode($0) } ?? ""
        return try await self.get("/oauth/revocations" + query, bearer: token, headers: [.accept: "application/json"])
    }
}

/// Waits, boundedly, for `condition` to hold: for effects that cross a store (another
/// instance's poll of the revocation log), which land within milliseconds.
func eventually(
    _ description: String,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("timed out waiting for \(description)", sourceLocation: sourceLocation)
}
