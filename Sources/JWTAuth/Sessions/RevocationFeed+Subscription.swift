import Synchronization

extension RevocationFeed {
    /// One reader of the feed: the messages sent after its catch-up.
    ///
    /// Ends when ``end(_:)`` is called (the reader disconnected, its token expired, the server
    /// shuts down) or when it falls too far behind; it leaves the feed when it ends or is
    /// released.
    public final class Subscription: Sendable {
        /// Why a subscription ended.
        public enum Ending: Sendable, Hashable {
            /// ``end(_:)`` was called, or the subscription left the feed.
            case cancelled
            /// The reader had more than ``RevocationFeed/maximumBacklog`` messages waiting; it
            /// should reconnect with its last cursor.
            case fellBehind
            /// The server is shutting down.
            case shutdown
            /// The reader's access token expired.
            case expired
        }

        /// What ``next(timeout:)`` found.
        public enum Delivery: Sendable, Hashable {
            /// Messages sent since the last call, oldest first.
            case messages([Message])
            /// Nothing within the timeout.
            case timeout
            /// The subscription has ended.
            case ended(Ending)
        }

        private let feed: RevocationFeed
        private let id: UInt64

        /// The feed's clock, which revocation times and token expiry are compared with.
        var clock: any UnixClock { self.feed.clock }

        init(feed: RevocationFeed, id: UInt64) {
            self.feed = feed
            self.id = id
        }

        deinit {
            self.leave()
        }

        /// The messages sent since the last call; waits up to `timeout` for one.
        public func next(timeout: Duration) async -> Delivery {
            if let delivery = self.take() { return delivery }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.waitForMessages() }
                group.addTask { try? await Task.sleep(for: timeout) }
                await group.next()
                group.cancelAll()
            }
            return self.take() ?? .timeout
        }

        /// Ends the subscription; a waiting ``next(timeout:)`` returns at once.
        public func end(_ ending: Ending = .cancelled) {
            let waiter = self.feed.state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard var subscriber = state.subscribers[self.id] else { return nil }
                if subscriber.ending == nil { subscriber.ending = ending }
                let waiter = subscriber.waiter
                subscriber.waiter = nil
                state.subscribers[self.id] = subscriber
                return waiter
            }
            waiter?.resume()
        }

        /// Messages or the ending, or nil when there is nothing yet. An ended subscription
        /// leaves the feed.
        private func take() -> Delivery? {
            switch self.feed.state.withLock({ $0.take(self.id) }) {
            case .timeout:
                return nil
            case .ended(let ending):
                self.leave()
                return .ended(ending)
            case let delivery:
                return delivery
            }
        }

        private func waitForMessages() async {
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let waitsHere = self.feed.state.withLock { state -> Bool in
                        // Checked under the lock: a cancellation that came before could not find
                        // this waiter to resume it.
                        guard !Task.isCancelled, var subscriber = state.subscribers[self.id], subscriber.ending == nil,
                            subscriber.next == state.outboxEnd
                        else { return false }
                        subscriber.waiter = continuation
                        state.subscribers[self.id] = subscriber
                        return true
                    }
                    if !waitsHere { continuation.resume() }
                }
            } onCancel: {
                let waiter = self.feed.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    let waiter = state.subscribers[self.id]?.waiter
                    state.subscribers[self.id]?.waiter = nil
                    return waiter
                }
                waiter?.resume()
            }
        }

        private func leave() {
            let waiter = self.feed.state.withLock { state in state.subscribers.removeValue(forKey: self.id)?.waiter }
            waiter?.resume()
        }
    }
}
