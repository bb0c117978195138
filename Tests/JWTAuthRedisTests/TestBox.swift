import NIOConcurrencyHelpers

/// A lock around a value, shareable with closures that run on event loops. NIO's lock rather
/// than `Mutex`, which ThreadSanitizer cannot see through on Linux (see RedisClient.swift).
final class TestBox<Value: Sendable>: Sendable {
    private let box: NIOLockedValueBox<Value>

    init(_ value: Value) { box = NIOLockedValueBox(value) }

    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result {
        box.withLockedValue { body(&$0) }
    }
}
