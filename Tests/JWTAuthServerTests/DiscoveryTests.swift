import HTTPTypes
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Testing

/// The unauthenticated documents: health, JWKS and RFC 8414 metadata.
@Suite("Discovery endpoints")
struct DiscoveryTests {
    @Test("GET /health answers 200 {\"status\":\"ok\"}")
    func health() async throws {
        try await withServer { api in
            let response = try await api.get("/health")
            #expect(response.status == .ok)
            #expect(response.json == ["status": "ok"])
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test("The JWKS publishes public keys only, and a token from login verifies against it")
    func jwksVerifiesIssuedTokens() async throws {
        try await withServer { api in
            let response = try await api.get("/.well-known/jwks.json")
            #expect(response.status == .ok)
            let keys = try #require(response.object["keys"]?.arrayValue)
            #expect(keys.count == 2, "the current key and the next one")
            for key in keys {
                let members = try #require(key.objectValue)
                for secret in ["d", "p", "q", "dp", "dq", "qi", "k"] {
                    #expect(members[secret] == nil, "the JWKS leaks the private member \(secret)")
                }
                #expect(members["kty"] == "EC")
                #expect(members["kid"]?.stringValue?.isEmpty == false)
            }

            let id = try await api.register("alice")
            let tokens = try await api.login("alice")
            let verifier = JWTVerifier(
                keys: try JWTKeySet(jwks: response.text),
                policy: JWTValidationPolicy(
                    issuer: ServerFixture.issuer,
                    audiences: [ServerFixture.issuer],
                    types: [JWTValidationPolicy.accessTokenType],
                    requiredClaims: ["sub", "sid", "jti", "iat", "client_id"]
                ),
                clock: api.clock
            )
            let verified = try verifier.verify(tokens.access)
            #expect(verified.claims.subject == id)
            #expect(verified.header.keyID == keys.first?.objectValue?["kid"]?.stringValue)
        }
    }

    @Test("The authorization server metadata names the issuer, the JWKS and the endpoints (RFC 8414)")
    func metadata() async throws {
        try await withServer { api in
            let response = try await api.get("/.well-known/oauth-authorization-server")
            #expect(response.status == .ok)
            let metadata = response.object
            let issuer = ServerFixture.issuer
            #expect(metadata["issuer"]?.stringValue == issuer)
            #expect(metadata["jwks_uri"]?.stringValue == issuer + "/.well-known/jwks.json")
            #expect(metadata["token_endpoint"]?.stringValue == issuer + "/oauth/token")
            #expect(metadata["revocation_endpoint"]?.stringValue == issuer + "/oauth/revoke")
            #expect(metadata["introspection_endpoint"]?.stringValue == issuer + "/oauth/introspect")
            #expect(metadata["grant_types_supported"]?.arrayValue?.contains("refresh_token") == true)
        }
    }
}
