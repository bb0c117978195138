/// What an ``AuditEvent`` records, by its stable snake_case name (the `event` filter of
/// `GET /admin/audit` and `jwtauth audit`).
public struct AuditEventKind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The stored name, e.g. `login_failed`.
    public var rawValue: String
    /// Creates a kind from its stored name; use ``init(named:)`` for input.
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The stored name.
    public var description: String { self.rawValue }

    /// The kind with this name, or nil when no such event exists (filters refuse it).
    public init?(named name: String) {
        guard let kind = Self.all.first(where: { $0.rawValue == name }) else { return nil }
        self = kind
    }

    /// A password was checked and a session started.
    public static let loginSucceeded = Self(rawValue: "login_succeeded")
    /// A login was refused (wrong password, unknown or disabled user, rate limited).
    public static let loginFailed = Self(rawValue: "login_failed")
    /// A rotated refresh token was presented again; its session was revoked.
    public static let refreshReuseDetected = Self(rawValue: "refresh_reuse_detected")
    /// A session ended by logout.
    public static let logout = Self(rawValue: "logout")
    /// Every session of a user ended by the user's logout-all.
    public static let logoutAll = Self(rawValue: "logout_all")
    /// A session (or all of a user's, when there is no session id) revoked by the user from
    /// the sessions list, by token revocation (RFC 7009) or by an administrator.
    public static let sessionRevoked = Self(rawValue: "session_revoked")
    /// An account was created.
    public static let userRegistered = Self(rawValue: "user_registered")
    /// An account was disabled (its sessions ended).
    public static let userDisabled = Self(rawValue: "user_disabled")
    /// An account was enabled again.
    public static let userEnabled = Self(rawValue: "user_enabled")
    /// An account was removed (its sessions ended).
    public static let userRemoved = Self(rawValue: "user_removed")
    /// A password was changed by its user or set by an administrator.
    public static let passwordChanged = Self(rawValue: "password_changed")
    /// A machine client was registered.
    public static let clientCreated = Self(rawValue: "client_created")
    /// A machine client was removed (its tokens revoked).
    public static let clientRemoved = Self(rawValue: "client_removed")
    /// A new signing key started signing.
    public static let keyRotated = Self(rawValue: "key_rotated")
    /// A signing key was revoked as compromised.
    public static let keyRevoked = Self(rawValue: "key_revoked")

    /// Every kind, in the order the README lists them.
    public static let all: [AuditEventKind] = [
        .loginSucceeded, .loginFailed, .refreshReuseDetected, .logout, .logoutAll, .sessionRevoked,
        .userRegistered, .userDisabled, .userEnabled, .userRemoved, .passwordChanged,
        .clientCreated, .clientRemoved, .keyRotated, .keyRevoked,
    ]
}
