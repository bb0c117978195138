package import Logging
import NIOConcurrencyHelpers
package import NIOCore
package import NIOSSL

/// Up to `poolSize` connections to one server, opened on demand and shared by least-busy
/// choice; each carries many pipelined commands.
///
/// Nothing waits for a server that is down. After a failed connect the pool refuses at once
/// (`.connectionFailed`) until the backoff delay has passed, then lets the next caller try
/// again; the delay doubles with every failure (50 ms to 2 s by default) and resets on
/// success. So a process recovers by itself once Redis is back, within one backoff delay.
package final class RedisConnectionPool: Sendable {
    package let endpoint: RedisEndpoint
    private let configuration: RedisConfiguration
    /// Shared by every connection of the client; `nil` for plain TCP.
    private let tlsContext: NIOSSLContext?
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var connections: [RedisConnection] = []
        /// Connects under way, by ticket, so waiters can share them.
        var connecting: [Int: EventLoopFuture<RedisConnection>] = [:]
        var nextTicket = 0
        var consecutiveFailures = 0
        var retryAt: NIODeadline?
        var lastError: RedisError?
        var closed = false
        var roundRobin = 0
    }

    private enum Decision {
        case use(RedisConnection)
        case wait(EventLoopFuture<RedisConnection>)
        case fail(RedisError)
    }

    package init(
        endpoint: RedisEndpoint,
        configuration: RedisConfiguration,
        tlsContext: NIOSSLContext?,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger
    ) {
        self.endpoint = endpoint
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    package func send(_ commands: [[[UInt8]]]) async throws -> [RESPValue] {
        try await connection().send(commands)
    }

    /// A live connection: an idle or least-busy open one, else the one being opened.
    package func connection() async throws -> RedisConnection {
        var started: (ticket: Int, promise: EventLoopPromise<RedisConnection>)?
        let decision = state.withLockedValue { state -> Decision in
            if state.closed { return .fail(.closed()) }
            state.connections.removeAll { !$0.isActive }
            let mayConnect = state.retryAt.map { NIODeadline.now() >= $0 } ?? true

            if let best = leastBusy(&state) {
                // Grow only while every connection is busy, one connect at a time.
                if best.inFlight > 0, mayConnect, state.connecting.isEmpty,
                    state.connections.count < configuration.poolSize
                {
                    started = startConnect(&state)
                }
                return .use(best)
            }
            if let underway = state.connecting.values.first { return .wait(underway) }
            guard mayConnect else {
                let wait = state.retryAt.map { max(0, ($0 - .now()).nanoseconds / 1_000_000) } ?? 0
                let reason = state.lastError.map { ": \($0.message)" } ?? ""
                return .fail(.connectionFailed("not connected to \(endpoint), next attempt in \(wait) ms\(reason)"))
            }
            let connect = startConnect(&state)
            started = connect
            return .wait(connect.promise.futureResult)
        }
        if let started { open(started.ticket, started.promise) }
        switch decision {
        case .use(let connection): return connection
        case .wait(let future): return try await future.get()
        case .fail(let error): throw error
        }
    }

    /// Closes every connection; commands still waiting fail with `.connectionFailed`, later
    /// ones with `.closed`.
    package func close() async {
        let (connections, connecting) = state.withLockedValue { state in
            state.closed = true
            defer {
                state.connections = []
                state.connecting = [:]
            }
            return (state.connections, Array(state.connecting.values))
        }
        for connection in connections {
            connection.close()
        }
        for future in connecting {
            // A connect that completes now closes itself (see `open`); wait so nothing outlives us.
            if let connection = try? await future.get() { connection.close() }
        }
        for connection in connections {
            try? await connection.closeFuture.get()
        }
    }

    /// Test hook: open connections right now.
    package var connectionCount: Int {
        state.withLockedValue { state in state.connections.filter(\.isActive).count }
    }

    private func leastBusy(_ state: inout State) -> RedisConnection? {
        guard !state.connections.isEmpty else { return nil }
        state.roundRobin &+= 1
        let count = state.connections.count
        var best = state.connections[state.roundRobin % count]
        var bestLoad = best.inFlight
        for offset in 1..<count where bestLoad > 0 {
            let candidate = state.connections[(state.roundRobin + offset) % count]
            let load = candidate.inFlight
            if load < bestLoad {
                best = candidate
                bestLoad = load
            }
        }
        return best
    }

    /// Registers a connect under the lock; `open` starts it once the lock is released.
    private func startConnect(_ state: inout State) -> (ticket: Int, promise: EventLoopPromise<RedisConnection>) {
        let ticket = state.nextTicket
        state.nextTicket += 1
        let promise = eventLoopGroup.any().makePromise(of: RedisConnection.self)
        state.connecting[ticket] = promise.futureResult
        return (ticket, promise)
    }

    private func open(_ ticket: Int, _ promise: EventLoopPromise<RedisConnection>) {
        RedisConnection.connect(to: endpoint, configuration: configuration, tlsContext: tlsContext, eventLoopGroup: eventLoopGroup, logger: logger)
            .whenComplete { result in
                switch result {
                case .success(let connection):
                    let outcome = self.state.withLockedValue { state -> (accepted: Bool, recovered: Bool) in
                        state.connecting[ticket] = nil
                        guard !state.closed else { return (false, false) }
                        let recovered = state.consecutiveFailures > 0
                        state.connections.append(connection)
                        state.consecutiveFailures = 0
                        state.retryAt = nil
                        state.lastError = nil
                        return (true, recovered)
                    }
                    guard outcome.accepted else {
                        connection.close()
                        promise.fail(RedisError.closed())
                        return
                    }
                    if outcome.recovered {
                        self.logger.info("Reconnected to Redis", metadata: ["redis.endpoint": "\(self.endpoint)"])
                    }
                    connection.closeFuture.whenComplete { [weak self] _ in self?.lost(connection) }
                    promise.succeed(connection)
                case .failure(let error):
                    let redisError = (error as? RedisError) ?? .connectionFailed("\(error)")
                    let firstFailure = self.state.withLockedValue { state -> Bool in
                        state.connecting[ticket] = nil
                        state.consecutiveFailures += 1
                        let delay = self.configuration.reconnectDelay(afterFailures: state.consecutiveFailures)
                        state.retryAt = .now() + TimeAmount(delay)
                        state.lastError = redisError
                        return state.consecutiveFailures == 1
                    }
                    // Once per outage, not once per attempt: a long outage must not flood the log.
                    if firstFailure {
                        self.logger.warning(
                            "Redis is unreachable; retrying with backoff",
                            metadata: ["redis.endpoint": "\(self.endpoint)", "redis.error": "\(redisError.message)"]
                        )
                    }
                    promise.fail(redisError)
                }
            }
    }

    private func lost(_ connection: RedisConnection) {
        let wasOpen = state.withLockedValue { state -> Bool in
            let before = state.connections.count
            state.connections.removeAll { $0 === connection }
            return !state.closed && state.connections.count < before
        }
        if wasOpen {
            logger.debug("Redis connection closed", metadata: ["redis.endpoint": "\(endpoint)"])
        }
    }
}
