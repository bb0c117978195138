import Foundation

/// The token server's answer to a login or a refresh (RFC 6749 §5.1):
/// `{"access_token","token_type":"Bearer","expires_in","refresh_token","refresh_expires_in"}`.
struct TokenResponse: Sendable, Decodable {
    var accessToken: String
    var tokenType: String
    var expiresIn: TimeInterval?
    var refreshToken: String
    var refreshExpiresIn: TimeInterval?

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case tokenType = "token_type"
        case expiresIn = "expires_in"
        case refreshToken = "refresh_token"
        case refreshExpiresIn = "refresh_expires_in"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.accessToken = try container.decode(String.self, forKey: .accessToken)
        self.tokenType = try container.decode(String.self, forKey: .tokenType)
        self.expiresIn = FlexibleNumber.decode(container, .expiresIn).flatMap { $0 >= 0 ? $0 : nil }
        self.refreshToken = try container.decode(String.self, forKey: .refreshToken)
        self.refreshExpiresIn = FlexibleNumber.decode(container, .refreshExpiresIn).flatMap { $0 >= 0 ? $0 : nil }
    }

    /// Parses a 2xx reply; anything unusable is ``JWTAuthClientError/Code/invalidResponse``.
    init(_ response: HTTPResponseData) throws(JWTAuthClientError) {
        do {
            self = try JSONDecoder().decode(TokenResponse.self, from: response.body)
        } catch {
            // The decoder's message could quote the body, which holds tokens: keep it out.
            throw JWTAuthClientError(.invalidResponse, "the token response is not the expected JSON object", status: response.status)
        }
        guard self.tokenType.caseInsensitiveCompare("Bearer") == .orderedSame else {
            throw JWTAuthClientError(.invalidResponse, "the token type is \(self.tokenType.prefix(32)), not Bearer", status: response.status)
        }
        guard !self.accessToken.isEmpty, !self.refreshToken.isEmpty else {
            throw JWTAuthClientError(.invalidResponse, "the token response has an empty token", status: response.status)
        }
    }

    /// The pair, with expiry times on this device's clock.
    ///
    /// `expires_in` counts from when the server issued the tokens, which was after `requestedAt`
    /// (when the request went out), so counting from `requestedAt` errs on the early side by
    /// the round trip, and needs no agreement between this device's clock and the server's.
    /// Only when the server leaves it out does the token's own `exp` stand in; with neither,
    /// the client waits for the server's 401 to renew.
    func tokenPair(requestedAt: Date) -> TokenPair {
        let accessExpiry: Date =
            if let expiresIn { requestedAt.addingTimeInterval(expiresIn) } else if let exp = UnverifiedTokenTimes(token: self.accessToken)?.expiresAt {
                exp
            } else { .distantFuture }
        return TokenPair(
            accessToken: self.accessToken,
            refreshToken: self.refreshToken,
            accessTokenExpiresAt: accessExpiry,
            refreshTokenExpiresAt: self.refreshExpiresIn.map { requestedAt.addingTimeInterval($0) }
        )
    }

    /// How long the access token was issued for.
    var accessTokenLifetime: TimeInterval? {
        self.expiresIn ?? UnverifiedTokenTimes(token: self.accessToken)?.lifetime
    }
}
