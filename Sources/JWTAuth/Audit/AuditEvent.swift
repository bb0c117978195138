/// One security event in the audit log: who did what, from where, and how it ended.
///
/// An event never holds a token, a password, a client secret or a key: only identifiers
/// (user id, session id, client id, key id) and the request's address and `User-Agent`. The
/// username typed into a failed login is not kept either — people type their password into
/// the username field often enough that the field must be treated as a secret (a failure for
/// a known account carries its user id instead).
public struct AuditEvent: Sendable, Hashable {
    /// When it happened.
    public var time: NumericDate
    /// What happened.
    public var kind: AuditEventKind
    /// The account concerned (the tokens' `sub`), if any.
    public var userID: String?
    /// The session concerned (the tokens' `sid`), if any.
    public var sessionID: String?
    /// The `client_id` of the session, or the machine client concerned.
    public var clientID: String?
    /// The signing key concerned (`kid`), for key events.
    public var keyID: String?
    /// The client's address (after trusted proxies), for events caused by a request.
    public var clientAddress: String?
    /// The request's `User-Agent`, cut to the same length as a session's.
    public var userAgent: String?
    /// `success`, or why it failed as an error code (`invalid_credentials`, `user_disabled`,
    /// `rate_limited`, …).
    public var outcome: String

    /// The outcome of an event that did what it was asked.
    public static let success = "success"

    /// Creates an event; each parameter sets the property of the same name.
    public init(
        time: NumericDate,
        kind: AuditEventKind,
        userID: String? = nil,
        sessionID: String? = nil,
        clientID: String? = nil,
        keyID: String? = nil,
        clientAddress: String? = nil,
        userAgent: String? = nil,
        outcome: String = AuditEvent.success
    ) {
        self.time = time
        self.kind = kind
        self.userID = userID
        self.sessionID = sessionID
        self.clientID = clientID
        self.keyID = keyID
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.outcome = outcome
    }

    /// The event as a JSON object, the form of `GET /admin/audit`, `jwtauth audit --json` and
    /// `--audit-log stdout`: absent fields are `null`, the time is whole seconds since 1970.
    public func jsonValue(cursor: AuditCursor? = nil) -> JSONValue {
        func text(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
        var members: [String: JSONValue] = [
            "time": .integer(self.time.wholeSeconds),
            "event": .string(self.kind.rawValue),
            "user_id": text(self.userID),
            "session_id": text(self.sessionID),
            "client_id": text(self.clientID),
            "key_id": text(self.keyID),
            "client_address": text(self.clientAddress),
            "user_agent": text(self.userAgent),
            "outcome": .string(self.outcome),
        ]
        if let cursor { members["id"] = .string(cursor.value) }
        return .object(members)
    }
}
