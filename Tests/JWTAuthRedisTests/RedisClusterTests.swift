import Foundation
import Testing

@testable import JWTAuthRESP

@Suite("Redis client against a 6-node cluster", TestRedis.needsCluster, .timeLimit(.minutes(2)))
struct RedisClusterTests {
    /// A client straight to one node, for admin commands (CLUSTER SETSLOT, SCRIPT EXISTS);
    /// `tls` for a node's TLS port.
    private func withNode<Result>(
        _ endpoint: RedisEndpoint,
        tls: RedisTLSConfiguration? = nil,
        _ body: (RedisClient) async throws -> Result
    ) async throws -> Result {
        var configuration = RedisConfiguration(endpoints: [(host: endpoint.host, port: endpoint.port)], tls: tls)
        configuration.poolSize = 1
        return try await TestRedis.withClient(configuration, body)
    }

    private func masters(_ client: RedisClient) async throws -> [RedisEndpoint] {
        let reply = try await client.send(["CLUSTER", "SLOTS"])
        let seed = try TestRedis.clusterConfiguration().redisEndpoints[0]
        return try RedisClusterSlotMap(clusterSlots: reply, queried: seed).nodes
    }

    @Test("Slots agree with the server's CLUSTER KEYSLOT, hash tags included")
    func slotsAgreeWithServer() async throws {
        try await TestRedis.withClient(try TestRedis.clusterConfiguration()) { client async throws in
            var keys = ["123456789", "foo", "{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap", "", "ü"]
            keys += (0..<50).map { "jwtauth:{u\($0)}:session:\(UUID().uuidString)" }
            for key in keys {
                let server = try await client.send(["CLUSTER", "KEYSLOT", key]).int
                #expect(server == Int64(RedisKeySlot.slot(for: key)), "\(key)")
            }
        }
    }

    @Test("Keys spread over every master and each is read back from its own node (in clear text, then over TLS)", arguments: TestRedis.clusterTransports)
    func keysSpread(tls: Bool) async throws {
        try await TestRedis.withClient(try TestRedis.clusterConfiguration(tls: tls)) { client async throws in
            let prefix = TestRedis.uniqueKey("spread")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<200 {
                    group.addTask {
                        let key = "\(prefix):\(index)"
                        _ = try await client.send(["SET", key, "\(index)", "PX", "60000"], routingKey: key)
                        #expect(try await client.send(["GET", key], routingKey: key).string == "\(index)")
                    }
                }
                try await group.waitForAll()
            }
            let router = try #require(client.clusterRouter)
            let masters = try await masters(client)
            #expect(masters.count == 3)
            let used = Set((0..<200).compactMap { router.owner(of: RedisKeySlot.slot(for: "\(prefix):\($0)")) })
            #expect(used == Set(masters))
            #expect(router.connectionCounts.filter { $0.value > 0 }.count >= 3)
            for index in 0..<200 {
                let key = "\(prefix):\(index)"
                _ = try await client.send(["DEL", key], routingKey: key)
            }
        }
    }

    @Test("Keys tagged with one user share a slot: multi-key commands and pipelines work on them")
    func hashTags() async throws {
        try await TestRedis.withClient(try TestRedis.clusterConfiguration()) { client async throws in
            let user = "{user-\(UUID().uuidString)}"
            let replies = try await client.pipeline(
                [
                    ["MSET", "\(user).a", "1", "\(user).b", "2"],
                    ["MGET", "\(user).a", "\(user).b"],
                    ["INCR", "\(user).a"],
                    ["DEL", "\(user).a", "\(user).b"],
                ],
                routingKey: user
            )
            #expect(replies[0] == .simpleString("OK"))
            #expect(replies[1] == .array([.bulkString(Array("1".utf8)), .bulkString(Array("2".utf8))]))
            #expect(replies[2] == .integer(2))
            #expect(replies[3] == .integer(2))
            // Keys of different slots in one command are the server's CROSSSLOT error.
            let error = await #expect(throws: RedisError.self) {
                try await client.send(["MGET", "{a}x", "{b}x"], routingKey: "{a}x")
            }
            #expect(error?.serverErrorCode == "CROSSSLOT")
        }
    }

    @Test("EVALSHA runs on the node of the script's first key, loading the script there on NOSCRIPT")
    func scriptsRoutedByKey() async throws {
        try await TestRedis.withClient(try TestRedis.clusterConfiguration()) { client async throws in
            let script = RedisScript(
                source: """
                    -- \(UUID().uuidString)
                    redis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)
                    redis.call('SET', KEYS[2], ARGV[1], 'PX', 60000)
                    return redis.call('MGET', KEYS[1], KEYS[2])
                    """
            )
            let users = (0..<30).map { "{u\($0)-\(UUID().uuidString)}" }
            for round in 0..<2 {
                for user in users {
                    let reply = try await client.evaluate(script, keys: ["\(user).session", "\(user).index"], arguments: ["r\(round)"])
                    #expect(reply == .array([.bulkString(Array("r\(round)".utf8)), .bulkString(Array("r\(round)".utf8))]))
                }
            }
            // The script was loaded on every master, since the users are spread over them.
            for master in try await masters(client) {
                try await withNode(master) { node async throws in
                    #expect(try await node.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]))
                }
            }
            for user in users {
                _ = try await client.send(["DEL", "\(user).session", "\(user).index"], routingKey: user)
            }
        }
    }

    /// Over TLS this also shows that a node first heard of in a redirect is reached with TLS,
    /// its certificate checked against the address in the redirect.
    @Test("A wrong slot map is corrected by MOVED redirects (in clear text, then over TLS)", arguments: TestRedis.clusterTransports)
    func moved(tls: Bool) async throws {
        try await TestRedis.withClient(try TestRedis.clusterConfiguration(tls: tls)) { client async throws in
            let router = try #require(client.clusterRouter)
            let masters = try await masters(client)
            let truth = try RedisClusterSlotMap(clusterSlots: try await client.send(["CLUSTER", "SLOTS"]), queried: masters[0])
            router.replaceSlotMap(RedisClusterSlotMap(allSlotsServedBy: masters[0]))

            let prefix = TestRedis.uniqueKey("moved")
            for index in 0..<30 {
                let key = "\(prefix):\(index)"
                _ = try await client.send(["SET", key, "\(index)", "PX", "60000"], routingKey: key)
                #expect(try await client.send(["GET", key], routingKey: key).string == "\(index)")
                #expect(router.owner(of: RedisKeySlot.slot(for: key)) == truth.owner(of: RedisKeySlot.slot(for: key)))
            }
            // A pipeline follows MOVED too, because none of its commands ran.
            router.replaceSlotMap(RedisClusterSlotMap(allSlotsServedBy: masters[0]))
            let key = (0..<30).map { "\(prefix):\($0)" }.first { truth.owner(of: RedisKeySlot.slot(for: $0)) != masters[0] } ?? "\(prefix):0"
            #expect(try await client.pipeline([["GET", key], ["DEL", key]], routingKey: key).count == 2)
            for index in 0..<30 {
                let key = "\(prefix):\(index)"
                _ = try await client.send(["DEL", key], routingKey: key)
            }
        }
    }

    @Test("During a slot migration ASK is followed once with ASKING; after it MOVED updates the map")
    func askAndResharding() async throws {
        try await TestRedis.withClient(try TestRedis.clusterConfiguration()) { client async throws in
            let router = try #require(client.clusterRouter)
            let masters = try await masters(client)

            // A fresh tag whose slot holds no keys yet, so moving it loses nothing.
            var tag = ""
            var slot = 0
            var source = masters[0]
            repeat {
                tag = "{migrate-\(UUID().uuidString)}"
                slot = RedisKeySlot.slot(for: tag)
                _ = try await client.send(["EXISTS", tag], routingKey: tag)
                source = try #require(router.owner(of: slot))
            } while try await withNode(source, { try await $0.send(["CLUSTER", "COUNTKEYSINSLOT", "\(slot)"]).int }) != 0
            let target = try #require(masters.first { $0 != source })
            let sourceID = try #require(try await withNode(source) { try await $0.send(["CLUSTER", "MYID"]).string })
            let targetID = try #require(try await withNode(target) { try await $0.send(["CLUSTER", "MYID"]).string })

            let sourceNode = (endpoint: source, id: sourceID)
            let targetNode = (endpoint: target, id: targetID)

            try await beginMigration(of: slot, from: sourceNode, to: targetNode)
            do {
                // The key is not on the source, which answers ASK: the client asks the target.
                let key = "\(tag).session"
                #expect(try await client.send(["SET", key, "migrating", "PX", "60000"], routingKey: key) == .simpleString("OK"))
                #expect(try await client.send(["GET", key], routingKey: key).string == "migrating")
                #expect(router.owner(of: slot) == source, "ASK must not change the map")
                let onTarget = try await withNode(target) { try await $0.pipeline([["ASKING"], ["GET", key]]) }
                #expect(onTarget.last?.string == "migrating")

                // Migration done: the slot belongs to the target, and MOVED says so.
                try await finishMigration(of: slot, to: targetNode, others: masters.filter { $0 != target })
                #expect(try await client.send(["GET", key], routingKey: key).string == "migrating")
                #expect(router.owner(of: slot) == target)
                _ = try await client.send(["DEL", key], routingKey: key)

                // Give the slot back, properly migrated, so the cluster looks as before.
                try await beginMigration(of: slot, from: targetNode, to: sourceNode)
                try await finishMigration(of: slot, to: sourceNode, others: masters.filter { $0 != source })
                #expect(try await client.send(["EXISTS", tag], routingKey: tag) == .integer(0))
                #expect(router.owner(of: slot) == source)
            } catch {
                // Leave no slot half migrated for the next test run.
                for master in masters {
                    _ = try? await withNode(master) { try await $0.send(["CLUSTER", "SETSLOT", "\(slot)", "STABLE"]) }
                }
                throw error
            }
        }
    }

    /// Marks `slot` as importing on `target` and migrating on `source`, in that order.
    private func beginMigration(
        of slot: Int,
        from source: (endpoint: RedisEndpoint, id: String),
        to target: (endpoint: RedisEndpoint, id: String)
    ) async throws {
        _ = try await withNode(target.endpoint) { try await $0.send(["CLUSTER", "SETSLOT", "\(slot)", "IMPORTING", source.id]) }
        _ = try await withNode(source.endpoint) { try await $0.send(["CLUSTER", "SETSLOT", "\(slot)", "MIGRATING", target.id]) }
    }

    /// Assigns `slot` to `owner`: the importing node first (it bumps its config epoch, so its
    /// claim wins), then every other master, as `redis-cli --cluster reshard` does; then waits
    /// until every master redirects to the new owner.
    private func finishMigration(of slot: Int, to owner: (endpoint: RedisEndpoint, id: String), others: [RedisEndpoint]) async throws {
        for master in [owner.endpoint] + others {
            _ = try await withNode(master) { try await $0.send(["CLUSTER", "SETSLOT", "\(slot)", "NODE", owner.id]) }
        }
        try await TestRedis.eventually("every master to agree that \(owner.endpoint) serves slot \(slot)") {
            for master in others {
                let map = try await withNode(master) { node in
                    try RedisClusterSlotMap(clusterSlots: try await node.send(["CLUSTER", "SLOTS"]), queried: master)
                }
                if map.owner(of: slot) != owner.endpoint { return false }
            }
            return true
        }
    }

    @Test("A subscriber on one node receives what is published on another (in clear text, then over TLS)", arguments: TestRedis.clusterTransports)
    func publishSubscribe(tls: Bool) async throws {
        let configuration = try TestRedis.clusterConfiguration(tls: tls)
        try await TestRedis.withClient(configuration) { client async throws in
            let channel = TestRedis.uniqueKey("cluster-channel")
            let recorder = SubscriptionRecorder(client.subscribe(channel: channel))
            try await recorder.waitFor("the subscription") { $0.contains(.subscribed) }
            for master in try await masters(client) {
                try await withNode(master, tls: configuration.tls) { node in _ = try await node.publish(channel: channel, message: "from \(master.port)") }
            }
            try await recorder.waitFor("three messages") { $0.count { if case .message = $0 { true } else { false } } == 3 }
            await recorder.stop()
        }
    }
}
