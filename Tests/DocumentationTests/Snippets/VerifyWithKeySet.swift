import JWTAuth

// README, "Using the library": verifying access tokens with a key set.
func verifyWithKeySet(jwksText: String, bearer: String) throws {
    let keys = try JWTKeySet(jwks: jwksText)                  // from /.well-known/jwks.json
    let verifier = JWTVerifier(keys: keys, policy: JWTValidationPolicy(
        issuer: "https://auth.example", audiences: ["https://auth.example"], types: ["at+jwt"]))
    let token = try verifier.verify(bearer)                   // throws JWTAuthError with a stable code
    print(token.claims.subject ?? "", token.claims.roles ?? [])
}
