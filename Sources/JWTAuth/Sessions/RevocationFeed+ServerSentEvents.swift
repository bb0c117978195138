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
    /// `heartbeat` passed without anything sent, until the subscription ends (see ``end(_:)``)
    /// or the reader's token would no longer verify: past the reader's
    /// ``RevocationFeed/Reader/deadline``, revoked by a message this sends it (the stream ends
    /// right after sending it, whether or not the caller's revocation cache has it yet), or
    /// revoked as `isReaderRevoked` says. Send the catch-up
    /// (``RevocationFeed/CatchUp/serverSentEvents``) before.
    ///
    /// The loop of every HTTP layer serving the feed; the layer itself ends the subscription
    /// when the reader disconnects or the server shuts down.
    ///
    /// - Parameters:
    ///   - reader: Whose token the stream lives by (``SessionManager/feedReader(_:)``).
    ///   - heartbeat: The longest silence (at least 100 ms: below that a heartbeat would be most
    ///     of the stream, and zero a busy loop).
    ///   - isReaderRevoked: Checked on every wake-up, which comes at least every heartbeat
    ///     (``SessionManager/isRevoked(_:)``: the revocation cache, and the key ring).
    ///   - write: Writes text to the reader; an error ends the delivery with that error.
    public func deliver(
        to reader: RevocationFeed.Reader,
        heartbeat: Duration,
        isReaderRevoked: () -> Bool,
        write: (String) async throws -> Void
    ) async throws {
        let heartbeat = max(heartbeat, .milliseconds(100))
        let clock = self.clock
        var lastWrite = ContinuousClock.now
        while true {
            let now = clock.now
            if now >= reader.deadline {
                self.end(.expired)
                return
            }
            if isReaderRevoked() {
                // The revocation that did it may be queued: the reader gets it before the
                // stream ends.
                if case .messages(let messages) = await self.next(timeout: .zero) {
                    try await write(messages.map(\.serverSentEvent).joined())
                }
                self.end()
                return
            }
            // The clock is the feed's (a manual one in tests): the deadline is checked again on
            // every wake-up, which comes at least every heartbeat.
            let wait = min(heartbeat - (ContinuousClock.now - lastWrite), reader.deadline.duration(since: now))
            switch await self.next(timeout: max(wait, .zero)) {
            case .messages(let messages):
                try await write(messages.map(\.serverSentEvent).joined())
                lastWrite = ContinuousClock.now
                // Its own revocation reaches the feed before the revocation cache: waiting for
                // the cache could keep the stream open until the next heartbeat.
                if messages.contains(where: reader.isRevoked(by:)) {
                    self.end()
                    return
                }
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
