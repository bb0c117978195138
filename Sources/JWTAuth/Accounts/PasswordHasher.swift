/// Hashes and checks passwords. The server uses bcrypt (HummingbirdBcrypt) off the event
/// loop; the core only needs this shape, so it stays free of server dependencies.
public protocol PasswordHasher: Sendable {
    /// A salted hash of `password`.
    func hash(_ password: String) async throws -> String
    /// True when `password` matches `hash`. Must take about as long whether or not it matches.
    func verify(_ password: String, against hash: String) async throws -> Bool
}
