package import Logging
import NIOConcurrencyHelpers
package import NIOCore
package import NIOSSL

/// Sends commands to the master that serves their slot in a Redis Cluster, with a connection
/// pool per node, and follows `MOVED` and `ASK` when the slot map is out of date. Every node,
/// including one first heard of in a redirect, is reached with the same TLS settings.
package final class RedisClusterRouter: Sendable {
    private let configuration: RedisConfiguration
    private let tlsContext: NIOSSLContext?
    private let seeds: [RedisEndpoint]
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let state = NIOLockedValueBox(State())

    private struct State {
        var slots: RedisClusterSlotMap?
        /// Set by a redirect or a failed node: the next routed command reloads the map first.
        var stale = false
        var pools: [RedisEndpoint: RedisConnectionPool] = [:]
        /// The one `CLUSTER SLOTS` load under way; concurrent callers share it.
        var refresh: Task<RedisClusterSlotMap, any Error>?
        var closed = false
        var roundRobin = 0
    }

    package init(configuration: RedisConfiguration, tlsContext: NIOSSLContext?, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.seeds = configuration.redisEndpoints
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Sends `commands` to the node serving `slot` (any node for `nil`) on one connection.
    /// A redirect is followed only when every reply is one, that is when no command ran, so a
    /// pipeline is never half repeated; after `maximumRedirects` the redirect itself is returned.
    package func send(_ commands: [[[UInt8]]], slot: Int?) async throws -> [RESPValue] {
        var target = try await endpoint(for: slot)
        var asking = false
        var replies: [RESPValue] = []
        for _ in 0...configuration.maximumRedirects {
            do {
                replies = try await pool(for: target).send(asking ? [Self.asking] + commands : commands)
            } catch let error as RedisError where error.kind == .connectionFailed {
                // The node may have failed over: look the slot up afresh next time.
                state.withLockedValue { $0.stale = true }
                throw error
            }
            if asking { replies.removeFirst() }
            asking = false
            guard let redirect = Self.redirect(in: replies, from: target) else { return replies }
            switch redirect.kind {
            case .moved:
                state.withLockedValue { state in
                    if state.slots == nil { state.slots = RedisClusterSlotMap() }
                    state.slots?.setOwner(redirect.endpoint, of: redirect.slot)
                    state.stale = true
                }
            case .ask:
                asking = true
            }
            logger.trace("Redis Cluster redirect", metadata: ["redis.slot": "\(redirect.slot)", "redis.endpoint": "\(redirect.endpoint)"])
            target = redirect.endpoint
        }
        return replies
    }

    /// Where to send a subscription now: the known masters, then the seeds, in turn.
    package func subscriptionEndpoint(attempt: Int) -> RedisEndpoint {
        let known = state.withLockedValue { $0.slots?.nodes ?? [] }
        let candidates = Self.unique(known + seeds)
        return candidates[attempt % candidates.count]
    }

    package func pool(for endpoint: RedisEndpoint) throws(RedisError) -> RedisConnectionPool {
        let pool = state.withLockedValue { state -> RedisConnectionPool? in
            if state.closed { return nil }
            if let pool = state.pools[endpoint] { return pool }
            let pool = RedisConnectionPool(
                endpoint: endpoint,
                configuration: configuration,
                tlsContext: tlsContext,
                eventLoopGroup: eventLoopGroup,
                logger: logger
            )
            state.pools[endpoint] = pool
            return pool
        }
        guard let pool else { throw .closed() }
        return pool
    }

    package func close() async {
        let (pools, refresh) = state.withLockedValue { state in
            state.closed = true
            return (Array(state.pools.values), state.refresh)
        }
        refresh?.cancel()
        for pool in pools {
            await pool.close()
        }
    }

    /// Test hook: replaces the slot map, e.g. with a wrong one to provoke `MOVED`.
    package func replaceSlotMap(_ map: RedisClusterSlotMap) {
        state.withLockedValue { state in
            state.slots = map
            state.stale = false
        }
    }

    /// Test hook: the node the current map names for `slot`.
    package func owner(of slot: Int) -> RedisEndpoint? {
        state.withLockedValue { $0.slots?.owner(of: slot) }
    }

    /// Test hook: open connections per node.
    package var connectionCounts: [RedisEndpoint: Int] {
        state.withLockedValue { $0.pools.mapValues(\.connectionCount) }
    }

    private static let asking: [[UInt8]] = [Array("ASKING".utf8)]

    private func endpoint(for slot: Int?) async throws -> RedisEndpoint {
        let (map, stale, turn) = state.withLockedValue { state in
            state.roundRobin &+= 1
            return (state.slots, state.stale, state.roundRobin)
        }
        guard let slot else {
            // Keyless commands (PING, PUBLISH, SCRIPT …) go to any master, in turn.
            let nodes = map?.nodes ?? seeds
            return nodes.isEmpty ? seeds[0] : nodes[turn % nodes.count]
        }
        if let map, !stale, let owner = map.owner(of: slot) { return owner }
        do {
            let fresh = try await refreshedSlotMap()
            // An unserved slot goes anywhere: that node answers CLUSTERDOWN or MOVED.
            return fresh.owner(of: slot) ?? fresh.nodes.first ?? seeds[0]
        } catch {
            // A map that may be stale still beats none; a wrong guess costs a redirect.
            if let owner = map?.owner(of: slot) { return owner }
            throw error
        }
    }

    private func refreshedSlotMap() async throws -> RedisClusterSlotMap {
        let task = try state.withLockedValue { state -> Task<RedisClusterSlotMap, any Error> in
            if state.closed { throw RedisError.closed() }
            if let refresh = state.refresh { return refresh }
            let candidates = Self.unique((state.slots?.nodes ?? []) + seeds)
            let refresh = Task { try await self.loadSlotMap(from: candidates) }
            state.refresh = refresh
            return refresh
        }
        defer {
            state.withLockedValue { state in
                if state.refresh == task { state.refresh = nil }
            }
        }
        return try await task.value
    }

    private func loadSlotMap(from candidates: [RedisEndpoint]) async throws -> RedisClusterSlotMap {
        var lastError: any Error = RedisError.connectionFailed("no Redis Cluster node to ask for the slot map")
        for endpoint in candidates {
            do {
                let reply = try await pool(for: endpoint).send([[Array("CLUSTER".utf8), Array("SLOTS".utf8)]])[0]
                if let message = reply.errorMessage { throw RedisError.server(message) }
                let map = try RedisClusterSlotMap(clusterSlots: reply, queried: endpoint)
                guard map.coveredSlots > 0 else { throw RedisError.server("CLUSTERDOWN \(endpoint) knows no slot owners") }
                state.withLockedValue { state in
                    state.slots = map
                    state.stale = false
                }
                logger.debug(
                    "Loaded the Redis Cluster slot map",
                    metadata: ["redis.endpoint": "\(endpoint)", "redis.masters": "\(map.nodes.count)", "redis.slots": "\(map.coveredSlots)"]
                )
                return map
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private static func redirect(in replies: [RESPValue], from node: RedisEndpoint) -> RedisRedirect? {
        var first: RedisRedirect?
        for reply in replies {
            guard let message = reply.errorMessage, let redirect = RedisRedirect(errorMessage: message, from: node) else { return nil }
            if first == nil { first = redirect }
        }
        return first
    }

    private static func unique(_ endpoints: [RedisEndpoint]) -> [RedisEndpoint] {
        var seen = Set<RedisEndpoint>()
        return endpoints.filter { seen.insert($0).inserted }
    }
}
