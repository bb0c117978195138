import HTTPTypes
import JWTAuth

extension JWTAuthFlowSuite {
    static let discoveryCases: [FlowCase] = [
        FlowCase("The JWKS publishes public keys only, and the metadata points at it and the endpoints") { client in
            let jwks = try await client.send(.get, "/.well-known/jwks.json")
            try expect(jwks, .ok, "GET the JWKS")
            guard let keys = try jwks.object()["keys"]?.arrayValue?.compactMap(\.objectValue), !keys.isEmpty else {
                throw FlowFailure("the JWKS has no keys: \(jwks.text.prefix(300))")
            }
            for key in keys {
                try check(key["kid"]?.stringValue != nil && key["kty"]?.stringValue != nil, "every key has kid and kty")
                for secret in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                    try check(key[secret] == nil, "the JWKS leaks the private member \(secret)")
                }
            }
            try check(jwks.headers[.cacheControl]?.contains("max-age") == true, "the JWKS is cacheable")

            let metadata = try await client.send(.get, "/.well-known/oauth-authorization-server")
            try expect(metadata, .ok, "GET the metadata")
            let issuer = try metadata.string("issuer")
            try check(try metadata.string("jwks_uri").hasSuffix("/.well-known/jwks.json"), "jwks_uri names the JWKS")
            try check(try metadata.string("token_endpoint").hasSuffix("/oauth/token"), "token_endpoint")
            try check(try metadata.string("revocation_endpoint").hasSuffix("/oauth/revoke"), "revocation_endpoint")
            try check(try metadata.string("introspection_endpoint").hasSuffix("/oauth/introspect"), "introspection_endpoint")
            try check(try metadata.string("jwks_uri").hasPrefix(issuer.hasSuffix("/") ? String(issuer.dropLast()) : issuer), "jwks_uri is under the issuer")

            let health = try await client.send(.get, "/health")
            try expect(health, .ok, "GET /health")
            try check(try health.string("status") == "ok", "health says ok")
        }
    ]
}
