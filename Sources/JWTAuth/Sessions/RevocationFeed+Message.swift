extension RevocationFeed {
    /// One thing a reader is sent, as docs/REVOCATION-FEED.md describes it.
    public enum Message: Sendable, Hashable {
        /// A revocation: `session-revoked`, `user-revoked` or `key-revoked`; with its cursor
        /// when it comes from the store's log.
        case revocation(RevocationEvent, cursor: RevocationCursor?)
        /// A revocation the reader already has in full is now in the log at this cursor: only
        /// the cursor moves on.
        case cursor(RevocationCursor)
        /// The catch-up is complete; live messages follow.
        case ready(RevocationCursor)
        /// Nothing happened for a while; the feed is alive.
        case heartbeat(NumericDate)
    }
}

extension RevocationFeed.Message {
    /// The SSE `event:` name of a revocation (`session-revoked`, `user-revoked`,
    /// `key-revoked`), `ready` or `heartbeat`; nil for a cursor-only message.
    public var eventName: String? {
        switch self {
        case .revocation(let event, _): Self.eventName(of: event.kind)
        case .cursor: nil
        case .ready: "ready"
        case .heartbeat: "heartbeat"
        }
    }

    static func eventName(of kind: RevocationEvent.Kind) -> String {
        switch kind {
        case .session: "session-revoked"
        case .user: "user-revoked"
        case .key: "key-revoked"
        }
    }

    /// The members of the event's `data` (and of its JSON form, besides `type` and `id`).
    var dataMembers: [String: JSONValue] {
        switch self {
        case .revocation(let event, _):
            var members: [String: JSONValue] = ["event_timestamp": .double(event.at.secondsSinceEpoch)]
            switch event.kind {
            case .session:
                members["sid"] = .string(event.subject)
            case .user:
                members["sub"] = .string(event.subject)
                // Verifiers cut off tokens issued in an earlier second (RevocationCache): a token
                // is revoked when its iat is before this.
                members["revoked_before"] = .integer(event.at.wholeSeconds)
            case .key:
                members["kid"] = .string(event.subject)
            }
            return members
        case .cursor:
            return [:]
        case .ready(let cursor):
            return ["cursor": .string(cursor.value)]
        case .heartbeat(let time):
            return ["time": .integer(time.wholeSeconds)]
        }
    }

    /// The message as a Server-Sent Event: `id:` (for log entries), `event:`, `data:` (one
    /// line of JSON), and the blank line that ends it. A cursor-only message is an `id:` line
    /// alone, which moves an EventSource's last event id without dispatching an event.
    public var serverSentEvent: String {
        var text = ""
        switch self {
        case .revocation(_, let cursor?), .cursor(let cursor):
            text += "id: " + Self.singleLine(cursor.value) + "\n"
        default:
            break
        }
        if let name = self.eventName {
            text += "event: " + name + "\ndata: " + JSONValue.object(self.dataMembers).jsonString + "\n"
        }
        return text + "\n"
    }

    /// The message as one element of a JSON page's `events`: `type`, `id` when it has a
    /// cursor, and the data members. Nil for messages that only streams carry.
    public var jsonValue: JSONValue? {
        guard case .revocation(let event, let cursor) = self else { return nil }
        var members = self.dataMembers
        members["type"] = .string(Self.eventName(of: event.kind))
        if let cursor { members["id"] = .string(cursor.value) }
        return .object(members)
    }

    /// A cursor never holds a line break (stores make them from digits and dashes); if one
    /// did, it must not end the field early.
    private static func singleLine(_ value: String) -> String {
        guard value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) else { return value }
        return String(String.UnicodeScalarView(value.unicodeScalars.filter { $0 != "\n" && $0 != "\r" }))
    }
}

extension RevocationFeed {
    /// The JSON answer to a poller: `{"events": […], "cursor": "…"}`.
    public static func jsonPage(_ catchUp: CatchUp) -> String {
        JSONValue.object([
            "events": .array(catchUp.messages.compactMap(\.jsonValue)),
            "cursor": .string(catchUp.cursor.value),
        ]).jsonString
    }
}
