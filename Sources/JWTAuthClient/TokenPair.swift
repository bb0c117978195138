public import Foundation

/// An access token and the refresh token that renews it, with when each expires by this
/// device's clock.
///
/// `Codable` so an app can keep it in the Keychain between launches (see
/// ``JWTAuthClient/init(baseURL:transport:tokens:refreshMargin:clientID:now:onTokensChanged:)``).
/// Its descriptions and mirror redact both tokens, so printing or `dump`ing one never leaks a
/// credential into a log.
public struct TokenPair: Sendable, Codable, Hashable {
    /// The access token, sent as `Authorization: Bearer`.
    public var accessToken: String
    /// The refresh token. It rotates: each refresh returns a new one and the old one is spent.
    public var refreshToken: String
    /// When the access token expires, by this device's clock.
    public var accessTokenExpiresAt: Date
    /// When the refresh token expires if unused, by this device's clock, when the server said.
    public var refreshTokenExpiresAt: Date?

    /// Creates a pair.
    ///
    /// - Parameters:
    ///   - accessToken: The access token.
    ///   - refreshToken: The refresh token.
    ///   - accessTokenExpiresAt: When the access token expires, by this device's clock.
    ///   - refreshTokenExpiresAt: When the refresh token expires if unused, if known.
    public init(accessToken: String, refreshToken: String, accessTokenExpiresAt: Date, refreshTokenExpiresAt: Date? = nil) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.accessTokenExpiresAt = accessTokenExpiresAt
        self.refreshTokenExpiresAt = refreshTokenExpiresAt
    }
}

extension TokenPair: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var text = "TokenPair(accessToken: <redacted>, refreshToken: <redacted>, accessTokenExpiresAt: \(self.accessTokenExpiresAt)"
        if let refreshTokenExpiresAt { text += ", refreshTokenExpiresAt: \(refreshTokenExpiresAt)" }
        return text + ")"
    }

    public var debugDescription: String { self.description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessToken": "<redacted>",
                "refreshToken": "<redacted>",
                "accessTokenExpiresAt": self.accessTokenExpiresAt,
                "refreshTokenExpiresAt": self.refreshTokenExpiresAt as Any,
            ],
            displayStyle: .struct
        )
    }
}
