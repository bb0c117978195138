/// One login: what a store keeps about a session. It never holds a token string — only the
/// `jti` of the current refresh token and of the one before it.
public struct SessionRecord: Sendable, Hashable, Codable {
    /// The session id: the tokens' `sid`.
    public var id: String
    /// The user id: the tokens' `sub`.
    public var userID: String
    /// The client the session was created for: the tokens' `client_id`.
    public var clientID: String
    /// The `User-Agent` of the login, for the sessions list.
    public var userAgent: String?
    /// When the session was created (login).
    public var createdAt: NumericDate
    /// When the session was last refreshed (or created).
    public var lastUsedAt: NumericDate
    /// The absolute end of the session; rotation never extends it.
    public var expiresAt: NumericDate
    /// The `exp` of the current refresh token: the idle deadline, never past ``expiresAt``.
    public var refreshExpiresAt: NumericDate
    /// When the current refresh token was issued (its `iat`).
    public var rotatedAt: NumericDate
    /// The `jti` of the current refresh token.
    public var currentTokenID: String
    /// The `jti` of the refresh token the current one replaced.
    public var previousTokenID: String?
    /// When the session was revoked, if it was.
    public var revokedAt: NumericDate?
    /// Why it was revoked.
    public var revocationReason: RevocationReason?

    /// Creates a session record; the defaults describe a session not yet rotated or revoked.
    public init(
        id: String,
        userID: String,
        clientID: String,
        userAgent: String?,
        createdAt: NumericDate,
        lastUsedAt: NumericDate,
        expiresAt: NumericDate,
        refreshExpiresAt: NumericDate,
        rotatedAt: NumericDate,
        currentTokenID: String,
        previousTokenID: String? = nil,
        revokedAt: NumericDate? = nil,
        revocationReason: RevocationReason? = nil
    ) {
        self.id = id
        self.userID = userID
        self.clientID = clientID
        self.userAgent = userAgent
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.expiresAt = expiresAt
        self.refreshExpiresAt = refreshExpiresAt
        self.rotatedAt = rotatedAt
        self.currentTokenID = currentTokenID
        self.previousTokenID = previousTokenID
        self.revokedAt = revokedAt
        self.revocationReason = revocationReason
    }

    /// True when the session can still be refreshed at `now`.
    public func isActive(at now: NumericDate) -> Bool {
        self.revokedAt == nil && now < self.expiresAt && now < self.refreshExpiresAt
    }
}

/// Why a session was revoked.
public struct RevocationReason: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The reason as stored and logged, e.g. `logout`.
    public var rawValue: String
    /// Creates a reason from any string, including ones not named below.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The raw value.
    public var description: String { self.rawValue }

    /// The user logged out of this session.
    public static let logout = RevocationReason(rawValue: "logout")
    /// The user logged out everywhere.
    public static let logoutAll = RevocationReason(rawValue: "logout_all")
    /// The user ended this session from the sessions list.
    public static let userRevoked = RevocationReason(rawValue: "user_revoked")
    /// An administrator revoked the user.
    public static let adminRevoked = RevocationReason(rawValue: "admin_revoked")
    /// The user was disabled.
    public static let disabled = RevocationReason(rawValue: "disabled")
    /// The password changed.
    public static let passwordChanged = RevocationReason(rawValue: "password_changed")
    /// A rotated refresh token was presented again.
    public static let reuseDetected = RevocationReason(rawValue: "reuse_detected")
    /// The user had too many sessions; this was the oldest.
    public static let evicted = RevocationReason(rawValue: "evicted")
    /// Revoked through RFC 7009 token revocation.
    public static let tokenRevoked = RevocationReason(rawValue: "token_revoked")
    /// The client the tokens were issued to was removed.
    public static let clientRemoved = RevocationReason(rawValue: "client_removed")
    /// The user was removed.
    public static let userRemoved = RevocationReason(rawValue: "user_removed")
}

extension NumericDate: Codable {
    /// Decodes a date from a number of seconds since the epoch.
    public init(from decoder: any Decoder) throws {
        self.init(secondsSinceEpoch: try decoder.singleValueContainer().decode(Double.self))
    }

    /// Encodes the date as a number of seconds since the epoch.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.secondsSinceEpoch)
    }
}
