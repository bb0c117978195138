extension RevocationFeed {
    /// The reader of a stream, as its access token describes it: what ends the stream besides
    /// the reader going away. Make one with ``SessionManager/feedReader(_:)``.
    public struct Reader: Sendable, Hashable {
        /// `sub`: the client id of a machine client's token, else the user id.
        public var subject: String
        /// `sid`; nil for a machine client's token.
        public var sessionID: String?
        /// `iat`.
        public var issuedAt: NumericDate?
        /// The key that verified the token, while the ring holds it; nil when it held none
        /// by the time the stream began.
        public var key: KeyRing.HeldKey?
        /// When the stream ends at the latest.
        public var deadline: NumericDate

        /// Creates a reader; each parameter sets the property of the same name.
        public init(subject: String, sessionID: String?, issuedAt: NumericDate?, key: KeyRing.HeldKey?, deadline: NumericDate) {
            self.subject = subject
            self.sessionID = sessionID
            self.issuedAt = issuedAt
            self.key = key
            self.deadline = deadline
        }

        /// True when `message` revokes this reader's token: a `session-revoked` of its `sid`, a
        /// `user-revoked` of its `sub` whose `revoked_before` is after its `iat`, or a
        /// `key-revoked` of the key that signed it.
        public func isRevoked(by message: Message) -> Bool {
            guard case .revocation(let event, _) = message else { return false }
            switch event.kind {
            case .session:
                return event.subject == self.sessionID
            case .user:
                // The cut-off of `revoked_before` and of the revocation cache: tokens issued in
                // an earlier second. No iat: it cannot be shown to postdate the revocation.
                guard event.subject == self.subject else { return false }
                return self.issuedAt.map { $0 < NumericDate(event.at.wholeSeconds) } ?? true
            case .key:
                return self.key?.keyID.map { $0 == event.subject } ?? false
            }
        }
    }
}
