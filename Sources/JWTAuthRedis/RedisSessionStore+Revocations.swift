public import JWTAuth
import JWTAuthRESP
import Logging

extension RedisSessionStore {
    /// Appends revocations to the log stream, which instances read to catch up after a feed
    /// outage. The revocation itself is already done (and published) when this runs, so a
    /// failure here is logged, not thrown: reporting "unavailable" for a change that happened
    /// would keep the caller from recording it (and a reuse from being reported as one).
    func appendToLog(_ events: [RevocationEvent]) async {
        guard !events.isEmpty else { return }
        do {
            try await self.appendToLogOrThrow(events)
        } catch {
            self.logger.warning(
                "could not append to the revocation log; instances that missed the live feed will not see these",
                metadata: ["count": "\(events.count)", "error": "\(error)"]
            )
        }
    }

    private func appendToLogOrThrow(_ events: [RevocationEvent]) async throws {
        // Entry ids are the server's clock; the log is trimmed by age in purgeExpired, capped
        // here so a burst can never grow it without bound, and expires as a whole one
        // retention after its last entry (nothing in it matters any longer), so it does not
        // outlive a deployment that stopped purging.
        var commands = events.map { event in
            [
                "XADD", self.logKey, "MAXLEN", "~", "1000000", "*",
                "kind", event.kind.rawValue, "subject", event.subject, "at", Self.format(event.at),
            ]
        }
        commands.append(["PEXPIRE", self.logKey, String(Int64(self.retention.seconds * 1000) + 1000)])
        let replies = try await self.client.pipeline(commands, routingKey: self.logKey)
        if let failure = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw JWTAuthError(.storeUnavailable, "Redis refused a revocation log entry: \(failure.string ?? "")")
        }
    }

    /// Up to 10,000 log entries after `cursor` (a stream entry id), oldest first.
    public func revocations(after cursor: RevocationCursor?) async throws -> RevocationBatch {
        try await self.run("read the revocation log") {
            let start = cursor.map { "(" + $0.value } ?? "-"
            let reply = try await self.client.send(["XRANGE", self.logKey, start, "+", "COUNT", "10000"], routingKey: self.logKey)
            var entries: [RevocationLogEntry] = []
            var last = cursor
            for entry in reply.array ?? [] {
                guard let parts = entry.array, parts.count == 2, let id = parts[0].string, let flat = parts[1].array else { continue }
                last = RevocationCursor(id)
                var fields: [String: String] = [:]
                var index = 0
                while index + 1 < flat.count {
                    if let name = flat[index].string, let value = flat[index + 1].string { fields[name] = value }
                    index += 2
                }
                guard let kind = fields["kind"].flatMap(RevocationEvent.Kind.init(rawValue:)), let subject = fields["subject"],
                    let at = fields["at"].flatMap(Double.init)
                else { continue }
                entries.append(
                    RevocationLogEntry(
                        cursor: RevocationCursor(id),
                        event: RevocationEvent(kind: kind, subject: subject, at: NumericDate(secondsSinceEpoch: at))
                    )
                )
            }
            return RevocationBatch(entries: entries, cursor: last)
        }
    }

    /// The pub/sub channel the scripts publish on, as a feed; `.connected` after every
    /// (re)subscription, so the consumer reads the log for what it missed.
    public func revocationFeed() -> AsyncStream<RevocationFeedMessage>? {
        let subscription = self.client.subscribe(channel: self.channel)
        let (stream, continuation) = AsyncStream<RevocationFeedMessage>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let task = Task {
            for await event in subscription {
                switch event {
                case .subscribed:
                    continuation.yield(.connected)
                case .message(let payload):
                    if let decoded = Self.decodeEvent(payload) { continuation.yield(.revoked(decoded)) }
                case .disconnected:
                    continue
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func decodeEvent(_ payload: [UInt8]) -> RevocationEvent? {
        guard let object = try? JSONValue(parsingBytes: payload).objectValue,
            let kind = object["kind"]?.stringValue.flatMap(RevocationEvent.Kind.init(rawValue:)),
            let subject = object["subject"]?.stringValue,
            let at = object["at"]?.doubleValue
        else { return nil }
        return RevocationEvent(kind: kind, subject: subject, at: NumericDate(secondsSinceEpoch: at))
    }
}
