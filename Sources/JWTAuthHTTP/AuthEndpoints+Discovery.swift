import HTTPTypes
import JWTAuth

extension AuthEndpoints {
    /// `GET /health`: 200 when the session and user stores answer, else 503 naming which not.
    func health() async -> AuthHTTPResponse {
        var down: [JSONValue] = []
        do { try await self.sessions.sessions.checkHealth() } catch { down.append("sessions") }
        do { try await self.sessions.users.checkHealth() } catch { down.append("users") }
        guard down.isEmpty else {
            return .json(.serviceUnavailable, ["status": "unavailable", "down": .array(down)], headers: [.cacheControl: "no-store"])
        }
        return .json(.ok, ["status": "ok"], headers: [.cacheControl: "no-store"])
    }

    /// `GET /.well-known/jwks.json`. Fixed keys are encoded once; a ring's document follows its
    /// keys and is encoded again only when they change.
    func jwksRoute() -> @Sendable () -> AuthHTTPResponse {
        let fixed = self.publicKeys.map { Array($0.publicJWKS().utf8) }
        let published = PublishedKeySet(ring: self.sessions.keys)
        let headers: HTTPFields = [
            .contentType: "application/json; charset=utf-8",
            .cacheControl: "public, max-age=\(max(0, Int(self.jwksMaxAge.components.seconds)))",
        ]
        return { AuthHTTPResponse(status: .ok, headers: headers, body: .bytes(fixed ?? published.document())) }
    }

    /// `GET /.well-known/oauth-authorization-server` (RFC 8414).
    func metadata() -> AuthHTTPResponse {
        let issuer = self.sessions.configuration.issuer
        let base = issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer
        return .json(
            .ok,
            [
                "issuer": .string(issuer),
                "jwks_uri": .string(base + "/.well-known/jwks.json"),
                "token_endpoint": .string(self.sessions.configuration.tokenEndpoint),
                "revocation_endpoint": .string(base + "/oauth/revoke"),
                "introspection_endpoint": .string(base + "/oauth/introspect"),
                "grant_types_supported": self.clients == nil ? ["refresh_token"] : ["refresh_token", "client_credentials"],
                "token_endpoint_auth_methods_supported": self.clients == nil ? ["none"] : ["none", "client_secret_basic", "client_secret_post"],
                "revocation_endpoint_auth_methods_supported": ["none"],
                "introspection_endpoint_auth_methods_supported": ["bearer"],
                "scopes_supported": [.string(OAuthScope.revocationsRead)],
                "revocation_feed_endpoint": .string(base + "/oauth/revocations"),
            ],
            headers: [.cacheControl: "public, max-age=300"]
        )
    }
}
