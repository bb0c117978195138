/// A machine client of the client-credentials grant (RFC 6749 §4.4), as a ``ClientStore``
/// keeps it. The store never holds the secret, only its SHA-256 hash.
public struct ClientRecord: Sendable, Hashable {
    /// The client id (`c_` and 22 random characters): the `sub` and `client_id` of its tokens.
    public var id: String
    /// A name for people, e.g. the service the client stands for.
    public var name: String
    /// The SHA-256 hash of the secret, base64url without padding.
    ///
    /// Secrets are 32 random bytes, so a fast hash is enough: nobody can guess one from its
    /// hash, which is what bcrypt's cost protects low-entropy passwords against.
    public var secretHash: String
    /// The scopes the client may ask for; a token request without `scope` gets all of them.
    public var scopes: [String]
    /// When the client was registered.
    public var createdAt: NumericDate

    /// Creates a client record.
    public init(id: String, name: String, secretHash: String, scopes: [String], createdAt: NumericDate) {
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.scopes = scopes
        self.createdAt = createdAt
    }
}
