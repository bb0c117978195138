import Logging
import NIOCore
import Synchronization

extension RedisClient {
    /// Subscribes to `channel` on a connection of its own and keeps the subscription up:
    /// after a lost connection it yields `.disconnected`, reconnects with backoff for as long
    /// as it takes, and yields `.subscribed` again. Ends when the consumer stops iterating (or
    /// its task is cancelled) or the client is closed.
    ///
    /// Messages are buffered without limit, as dropping one would silently skip a revocation.
    package func subscribe(channel: String) -> AsyncStream<RedisSubscriptionEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: RedisSubscriptionEvent.self)
        let task = register { id in
            Task {
                await self.keepSubscribed(to: channel, continuation: continuation)
                continuation.finish()
                self.unregister(id)
            }
        }
        guard let task else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func keepSubscribed(to channel: String, continuation: AsyncStream<RedisSubscriptionEvent>.Continuation) async {
        let command: [[UInt8]] = [Array("SUBSCRIBE".utf8), Array(channel.utf8)]
        var attempt = 0
        var failures = 0
        var announcedDown = false
        while !Task.isCancelled {
            let endpoint = subscriptionEndpoint(attempt: attempt)
            attempt += 1
            let progress = SubscriptionProgress()
            do {
                let connection = try await RedisConnection.connect(
                    to: endpoint,
                    configuration: configuration,
                    tlsContext: tlsContext,
                    eventLoopGroup: eventLoopGroup,
                    logger: logger,
                    onPush: { value in progress.received(value, continuation: continuation) }
                ).get()
                await withTaskCancellationHandler {
                    connection.subscribe(command)
                    try? await connection.closeFuture.get()
                } onCancel: {
                    connection.close()
                }
            } catch {
                logger.debug(
                    "Redis subscription could not connect",
                    metadata: ["redis.endpoint": "\(endpoint)", "redis.error": "\((error as? RedisError)?.message ?? "\(error)")"]
                )
            }
            if Task.isCancelled { break }
            if progress.wasConfirmed {
                failures = 1
                announcedDown = false
                logger.warning("Redis subscription lost; resubscribing", metadata: ["redis.endpoint": "\(endpoint)"])
            } else {
                failures += 1
            }
            if !announcedDown {
                if !progress.wasConfirmed {
                    logger.warning("Redis subscription is down; retrying with backoff", metadata: ["redis.endpoint": "\(endpoint)"])
                }
                continuation.yield(.disconnected)
                announcedDown = true
            }
            do {
                try await Task.sleep(for: configuration.reconnectDelay(afterFailures: failures))
            } catch {
                break
            }
        }
    }
}

/// What one subscription connection has seen; written on the event loop, read by the loop in
/// `keepSubscribed` after the connection closed.
private final class SubscriptionProgress: Sendable {
    private let confirmed = Atomic<Bool>(false)

    var wasConfirmed: Bool { confirmed.load(ordering: .acquiring) }

    /// RESP2 sends `["subscribe", channel, count]` and `["message", channel, payload]` as
    /// arrays, RESP3 as pushes; `array` reads both.
    func received(_ value: RESPValue, continuation: AsyncStream<RedisSubscriptionEvent>.Continuation) {
        guard let items = value.array, items.count >= 3, let kind = items[0].string else { return }
        switch kind.lowercased() {
        case "subscribe":
            confirmed.store(true, ordering: .releasing)
            continuation.yield(.subscribed)
        case "message":
            if let payload = items[2].bytes { continuation.yield(.message(payload)) }
        default:
            break
        }
    }
}
