extension RevocationFeed.CatchUp {
    /// The catch-up as Server-Sent Events: its revocations, then `ready` with the cursor.
    public var serverSentEvents: String {
        var text = ""
        for message in self.messages { text += message.serverSentEvent }
        return text + RevocationFeed.Message.ready(self.cursor).serverSentEvent
    }
}

extension RevocationFeed.Subscription {
    /// Sends a reader its live messages as Server-Sent Events, and a heartbeat whenever
    /// `heartbeat` passed without anything sent, until the subscription ends (see
    /// ``end(_:)``), the reader's token expires, or `isReaderRevoked` says the reader's own
    /// token was revoked (after it was sent the revocation that did it). Send the catch-up
    /// (``RevocationFeed/CatchUp/serverSentEvents``) before.
    ///
    /// The loop of every HTTP layer serving the feed; the layer itself ends the subscription
    /// when the reader disconnects or the server shuts down.
    ///
    /// - Parameters:
    ///   - heartbeat: The longest silence (at least 100 ms: below that a heartbeat would be most
    ///     of the stream, and zero a busy loop).
    ///   - expiresAt: When the stream ends at the latest (``RevocationFeed/Reader/deadline``:
    ///     no later than the reader's token `exp`); nil never expires.
    ///   - isReaderRevoked: Checked after every delivery and wake-up.
    ///   - write: Writes text to the reader; an error ends the delivery with that error.
    public func deliver(
        heartbeat: Duration,
        until expiresAt: NumericDate?,
        isReaderRevoked: () -> Bool,
        write: (String) async throws -> Void
    ) async throws {
        let heartbeat = max(heartbeat, .milliseconds(100))
        let clock = self.clock
        var lastWrite = ContinuousClock.now
        while true {
            let now = clock.now
            if let expiresAt, now >= expiresAt {
                self.end(.expired)
                return
            }
            if isReaderRevoked() {
                // The revocation that did it is queued by now (revocations reach the feed
                // before the cache): the reader gets it before the stream ends.
                if case .messages(let messages) = await self.next(timeout: .zero) {
                    try await write(messages.map(\.serverSentEvent).joined())
                }
                self.end()
                return
            }
            // The clock is the feed's (a manual one in tests): expiry is checked again on
            // every wake-up, which comes at least every heartbeat.
            var wait = heartbeat - (ContinuousClock.now - lastWrite)
            if let expiresAt { wait = min(wait, expiresAt.duration(since: now)) }
            switch await self.next(timeout: max(wait, .zero)) {
            case .messages(let messages):
                try await write(messages.map(\.serverSentEvent).joined())
                lastWrite = ContinuousClock.now
            case .timeout:
                if ContinuousClock.now - lastWrite >= heartbeat {
                    try await write(RevocationFeed.Message.heartbeat(clock.now).serverSentEvent)
                    lastWrite = ContinuousClock.now
                }
            case .ended:
                return
            }
        }
    }
}
