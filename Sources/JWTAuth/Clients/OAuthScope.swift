/// The `scope` syntax of RFC 6749 §3.3: scope tokens separated by single spaces, each one or
/// more printable ASCII characters other than space, `"` and `\`. Tokens are case-sensitive.
public enum OAuthScope {
    /// The scope that lets a client read the revocation feed (`GET /oauth/revocations`).
    public static let revocationsRead = "revocations:read"

    /// True when `token` is one scope token.
    public static func isValidToken(_ token: some StringProtocol) -> Bool {
        !token.isEmpty && token.utf8.allSatisfy { $0 == 0x21 || (0x23...0x5B).contains($0) || (0x5D...0x7E).contains($0) }
    }

    /// The tokens of a `scope` value, duplicates removed, in their first order.
    ///
    /// - Throws: `invalid_scope` unless `value` is scope tokens separated by single spaces.
    public static func parse(_ value: String) throws(JWTAuthError) -> [String] {
        var tokens: [String] = []
        for token in value.split(separator: " ", omittingEmptySubsequences: false) {
            guard Self.isValidToken(token) else {
                throw JWTAuthError(.invalidScope, "scope is scope tokens separated by single spaces (RFC 6749 §3.3)")
            }
            let token = String(token)
            if !tokens.contains(token) { tokens.append(token) }
        }
        return tokens
    }
}
