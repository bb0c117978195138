/// Hashes and checks passwords. The server uses bcrypt (HummingbirdBcrypt) off the event
/// loop; the core only needs this shape, so it stays free of server dependencies.
public protocol PasswordHasher: Sendable {
    /// A salted hash of `password`.
    func hash(_ password: String) async throws -> String
    /// True when `password` matches `hash`. Must take about as long whether or not it matches.
    func verify(_ password: String, against hash: String) async throws -> Bool
    /// Whether `hash` was made with other parameters than ``hash(_:)`` uses now (a changed work
    /// factor), so that it should be replaced after the next successful login.
    func needsRehash(_ hash: String) -> Bool
    /// Work to do after checking a password against `hash`, so that checking against any stored
    /// hash takes as long as checking against a fresh one. Without it, after the work factor is
    /// raised, users with older, cheaper hashes answer faster than unknown usernames (checked
    /// against a fresh decoy), and timing tells which usernames exist.
    func equalizeWork(after hash: String) async throws
}

extension PasswordHasher {
    /// Hashes never need replacing unless a hasher says so.
    public func needsRehash(_ hash: String) -> Bool { false }
    /// No extra work unless a hasher has parameters that change.
    public func equalizeWork(after hash: String) async throws {}
}
