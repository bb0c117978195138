package import Logging
import NIOConcurrencyHelpers
package import NIOCore
import NIOPosix
import NIOSSL

/// A small Redis client: only what a session store needs. One server or a Cluster, a pool of
/// pipelining connections per server, RESP2 or RESP3, AUTH and SELECT from the configuration,
/// timeouts, reconnects with backoff, `MOVED`/`ASK`, Lua scripts and one-channel pub/sub.
///
/// Connects lazily. While a server is unreachable, commands fail fast with `.connectionFailed`
/// rather than queueing; the client recovers by itself when the server is back. Call `close()`
/// when done.
///
/// Shared state here and in the pools and router sits in `NIOLockedValueBox` rather than
/// `Synchronization.Mutex`: on Linux, Mutex is built on raw futexes that ThreadSanitizer does
/// not understand, so every TSan run reported false races; NIO's lock is a pthread mutex.
package final class RedisClient: Sendable {
    package let configuration: RedisConfiguration
    package let eventLoopGroup: any EventLoopGroup
    package let logger: Logger
    /// Built once from `configuration.tls`: the files are read here, not on every connect.
    let tlsContext: NIOSSLContext?
    private let topology: Topology
    private let state = NIOLockedValueBox(State())

    private enum Topology: Sendable {
        case single(RedisConnectionPool)
        case cluster(RedisClusterRouter)
    }

    private struct State {
        var closed = false
        var nextSubscription = 0
        /// Subscription loops, cancelled and awaited by `close()`.
        var subscriptions: [Int: Task<Void, Never>] = [:]
    }

    /// Makes a client; nothing connects yet.
    ///
    /// - Throws: `.invalidConfiguration` when `configuration.tls` names a file that cannot be
    ///   read or holds no usable certificate or key, so a deployment fails at startup rather
    ///   than on its first request.
    package init(
        configuration: RedisConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) throws(RedisError) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        let tlsContext = try configuration.tls?.makeContext()
        self.tlsContext = tlsContext
        if configuration.isCluster {
            topology = .cluster(
                RedisClusterRouter(configuration: configuration, tlsContext: tlsContext, eventLoopGroup: eventLoopGroup, logger: logger)
            )
        } else {
            topology = .single(
                RedisConnectionPool(
                    endpoint: configuration.redisEndpoints[0],
                    configuration: configuration,
                    tlsContext: tlsContext,
                    eventLoopGroup: eventLoopGroup,
                    logger: logger
                )
            )
        }
    }

    /// Sends one command; an error reply is thrown as `.serverError`.
    /// `routingKey` picks the Cluster node (any key of the command; ignored on one server).
    package func send(_ arguments: [String], routingKey: String? = nil) async throws -> RESPValue {
        try await send(bytes: arguments.map { Array($0.utf8) }, routingKey: routingKey)
    }

    /// `send(_:routingKey:)` for binary arguments.
    package func send(bytes arguments: [[UInt8]], routingKey: String? = nil) async throws -> RESPValue {
        let reply = try await execute([arguments], routingKey: routingKey)[0]
        if let message = reply.errorMessage { throw RedisError.server(message) }
        return reply
    }

    /// Sends `commands` in one round trip on one connection (so, in a Cluster, to one node:
    /// give keys of one slot and that slot's `routingKey`). Replies come in order; a failed
    /// command is an `.error` value in its place, not a thrown error.
    package func pipeline(_ commands: [[String]], routingKey: String? = nil) async throws -> [RESPValue] {
        try await pipeline(bytes: commands.map { $0.map { Array($0.utf8) } }, routingKey: routingKey)
    }

    /// `pipeline(_:routingKey:)` for binary arguments.
    package func pipeline(bytes commands: [[[UInt8]]], routingKey: String? = nil) async throws -> [RESPValue] {
        guard !commands.isEmpty else { return [] }
        return try await execute(commands, routingKey: routingKey)
    }

    /// Closes every connection and ends every subscription stream. Commands still waiting fail
    /// with `.connectionFailed`; later ones with `.closed`.
    package func close() async {
        let subscriptions = state.withLockedValue { state in
            state.closed = true
            defer { state.subscriptions = [:] }
            return Array(state.subscriptions.values)
        }
        for subscription in subscriptions { subscription.cancel() }
        for subscription in subscriptions { await subscription.value }
        switch topology {
        case .single(let pool): await pool.close()
        case .cluster(let router): await router.close()
        }
    }

    private func execute(_ commands: [[[UInt8]]], routingKey: String?) async throws -> [RESPValue] {
        if state.withLockedValue({ $0.closed }) { throw RedisError.closed() }
        switch topology {
        case .single(let pool):
            return try await pool.send(commands)
        case .cluster(let router):
            return try await router.send(commands, slot: routingKey.map { RedisKeySlot.slot(for: $0) })
        }
    }

    // MARK: Subscriptions (see RedisClient+Subscribe.swift)

    /// Registers a subscription loop so `close()` can end it; `nil` once closed. The task is
    /// made under the lock so it cannot unregister before it is registered.
    package func register(_ makeTask: (Int) -> Task<Void, Never>) -> Task<Void, Never>? {
        state.withLockedValue { state in
            guard !state.closed else { return nil }
            let id = state.nextSubscription
            state.nextSubscription += 1
            let task = makeTask(id)
            state.subscriptions[id] = task
            return task
        }
    }

    package func unregister(_ id: Int) {
        _ = state.withLockedValue { $0.subscriptions.removeValue(forKey: id) }
    }

    /// The server for a subscription's `attempt`-th connect; rotates through Cluster nodes.
    package func subscriptionEndpoint(attempt: Int) -> RedisEndpoint {
        switch topology {
        case .single(let pool): pool.endpoint
        case .cluster(let router): router.subscriptionEndpoint(attempt: attempt)
        }
    }

    // MARK: Test hooks

    /// Test hook: the Cluster router, to inspect or corrupt the slot map.
    package var clusterRouter: RedisClusterRouter? {
        if case .cluster(let router) = topology { router } else { nil }
    }

    /// Test hook: open pooled connections (on one server).
    package var connectionCount: Int {
        switch topology {
        case .single(let pool): pool.connectionCount
        case .cluster(let router): router.connectionCounts.values.reduce(0, +)
        }
    }
}
