/// An account, as a ``UserStore`` keeps it.
public struct UserRecord: Sendable, Hashable, Codable {
    /// The user id (a UUID string): the tokens' `sub`.
    public var id: String
    /// The username as registered.
    public var username: String
    /// The PHC/modular-crypt password hash (bcrypt), never the password.
    public var passwordHash: String
    /// Role names, e.g. `admin`.
    public var roles: [String]
    /// A disabled user cannot log in; disabling revokes every session.
    public var isDisabled: Bool
    /// When the account was registered.
    public var createdAt: NumericDate

    /// Creates a user record; a new user has no roles and is enabled unless told otherwise.
    public init(id: String, username: String, passwordHash: String, roles: [String] = [], isDisabled: Bool = false, createdAt: NumericDate) {
        self.id = id
        self.username = username
        self.passwordHash = passwordHash
        self.roles = roles
        self.isDisabled = isDisabled
        self.createdAt = createdAt
    }

    /// The form usernames are compared and indexed in (``UsernameProfile/key(_:)``): `Alice`,
    /// `ＡＬＩＣＥ` and `alice` are the same account, and so are the composed and decomposed
    /// spellings of `josé`.
    public static func usernameKey(_ username: String) -> String {
        UsernameProfile.key(username)
    }
}
