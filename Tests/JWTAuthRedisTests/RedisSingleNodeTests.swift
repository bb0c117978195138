import Foundation
import Testing

@testable import JWTAuthRESP

@Suite("Redis client against one server", TestRedis.needsSingle, .timeLimit(.minutes(2)))
struct RedisSingleNodeTests {
    @Test("SET and GET round-trip text and binary values; a missing key is null", arguments: [2, 3])
    func getAndSet(protocolVersion: Int) async throws {
        var configuration = try TestRedis.singleConfiguration()
        configuration.protocolVersion = protocolVersion
        try await TestRedis.withClient(configuration) { client async throws in
            let key = TestRedis.uniqueKey("get-set")
            #expect(try await client.send(["SET", key, "välue", "PX", "60000"]) == .simpleString("OK"))
            #expect(try await client.send(["GET", key]).string == "välue")
            let binary: [UInt8] = [0, 13, 10, 255, 36, 42]
            _ = try await client.send(bytes: [Array("SET".utf8), Array(key.utf8), binary])
            #expect(try await client.send(["GET", key]).bytes == binary)
            #expect(try await client.send(["GET", key + ":missing"]).isNull)
            #expect(try await client.send(["DEL", key]).int == 1)
            try await client.ping()
        }
    }

    @Test("An error reply is thrown as a server error with the server's text")
    func serverError() async throws {
        try await TestRedis.withClient(try TestRedis.singleConfiguration()) { client async throws in
            let key = TestRedis.uniqueKey("error")
            _ = try await client.send(["SET", key, "not a number", "PX", "60000"])
            let error = await #expect(throws: RedisError.self) { try await client.send(["INCR", key]) }
            #expect(error?.kind == .serverError("ERR value is not an integer or out of range"))
            #expect(error?.serverErrorCode == "ERR")
            // The connection is still in step after an error reply.
            #expect(try await client.send(["GET", key]).string == "not a number")
        }
    }

    @Test("A pipeline of 1000 commands comes back in order, with failed commands as error values")
    func pipelining() async throws {
        try await TestRedis.withClient(try TestRedis.singleConfiguration()) { client async throws in
            let key = TestRedis.uniqueKey("pipeline")
            let replies = try await client.pipeline((0..<1000).map { _ in ["INCR", key] })
            #expect(replies == (1...1000).map { RESPValue.integer(Int64($0)) })

            let mixed = try await client.pipeline([["SET", key, "x"], ["INCR", key], ["GET", key], ["DEL", key]])
            #expect(mixed[0] == .simpleString("OK"))
            #expect(mixed[1].errorMessage?.hasPrefix("ERR") == true)
            #expect(mixed[2].string == "x")
            #expect(mixed[3] == .integer(1))
            #expect(try await client.pipeline([]) == [])
        }
    }

    @Test("Many concurrent senders share the pool and each gets its own replies")
    func concurrentSenders() async throws {
        var configuration = try TestRedis.singleConfiguration()
        configuration.poolSize = 3
        try await TestRedis.withClient(configuration) { client async throws in
            let prefix = TestRedis.uniqueKey("concurrent")
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<64 {
                    group.addTask {
                        for step in 0..<25 {
                            let key = "\(prefix):\(worker)"
                            _ = try await client.send(["SET", key, "\(worker)-\(step)", "PX", "60000"])
                            let value = try await client.send(["GET", key]).string
                            #expect(value == "\(worker)-\(step)")
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect((1...3).contains(client.connectionCount))
            _ = try await client.pipeline((0..<64).map { ["DEL", "\(prefix):\($0)"] })
        }
    }

    @Test("SELECT from the URL's path puts keys in that database")
    func selectDatabase() async throws {
        var five = try TestRedis.singleConfiguration()
        five.database = 5
        let key = TestRedis.uniqueKey("select")
        try await TestRedis.withClient(five) { client async throws in
            _ = try await client.send(["SET", key, "in five", "PX", "60000"])
            #expect(try await client.send(["GET", key]).string == "in five")
        }
        try await TestRedis.withClient(try TestRedis.singleConfiguration()) { client async throws in
            #expect(try await client.send(["GET", key]).isNull)
        }
        try await TestRedis.withClient(five) { client async throws in
            #expect(try await client.send(["DEL", key]).int == 1)
        }
    }

    @Test("HELLO 3 switches the connection to RESP3: hashes come back as maps, which fieldMap reads like RESP2 arrays")
    func resp3() async throws {
        let key = TestRedis.uniqueKey("resp3")
        var three = try TestRedis.singleConfiguration()
        three.protocolVersion = 3
        try await TestRedis.withClient(three) { client async throws in
            _ = try await client.send(["HSET", key, "a", "1"])
            #expect(try await client.send(["HGETALL", key]) == .map([.bulkString(Array("a".utf8)): .bulkString(Array("1".utf8))]))
            #expect(try await client.send(["HGETALL", key]).fieldMap == ["a": .bulkString(Array("1".utf8))])
            #expect(try await client.send(["GET", key + ":missing"]) == .null)
            #expect(try await client.send(["CLIENT", "INFO"]).string?.contains("resp=3") == true)
        }
        try await TestRedis.withClient(try TestRedis.singleConfiguration()) { client async throws in
            #expect(try await client.send(["HGETALL", key]) == .array([.bulkString(Array("a".utf8)), .bulkString(Array("1".utf8))]))
            #expect(try await client.send(["HGETALL", key]).fieldMap == ["a": .bulkString(Array("1".utf8))])
            _ = try await client.send(["DEL", key])
        }
    }

    @Test("A script the server has not cached is sent with EVAL after NOSCRIPT, then runs by SHA")
    func scripts() async throws {
        try await TestRedis.withClient(try TestRedis.singleConfiguration()) { client async throws in
            // A fresh comment makes a script no server has seen.
            let script = RedisScript(source: "-- \(UUID().uuidString)\nredis.call('SET', KEYS[1], ARGV[1], 'PX', 60000)\nreturn redis.call('GET', KEYS[1])")
            let key = TestRedis.uniqueKey("script")
            #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(0)]))
            #expect(try await client.evaluate(script, keys: [key], arguments: ["one"]).string == "one")
            #expect(try await client.send(["SCRIPT", "EXISTS", script.sha1]) == .array([.integer(1)]))
            #expect(try await client.evaluate(script, keys: [key], arguments: ["two"]).string == "two")
            let failing = RedisScript(source: "-- \(UUID().uuidString)\nreturn redis.error_reply('DENIED nope')")
            let error = await #expect(throws: RedisError.self) { try await client.evaluate(failing, keys: [], arguments: []) }
            #expect(error?.serverErrorCode == "DENIED")
            _ = try await client.send(["DEL", key])
        }
    }

    @Test("A subscriber receives what a publisher publishes", arguments: [2, 3])
    func publishSubscribe(protocolVersion: Int) async throws {
        var configuration = try TestRedis.singleConfiguration()
        configuration.protocolVersion = protocolVersion
        try await TestRedis.withClient(configuration) { client async throws in
            let channel = TestRedis.uniqueKey("channel")
            let recorder = SubscriptionRecorder(client.subscribe(channel: channel))
            try await recorder.waitFor("the subscription") { $0.contains(.subscribed) }
            #expect(try await client.publish(channel: channel, message: "revoked:s-1") == 1)
            try await client.publish(channel: channel, message: "revoked:s-2")
            try await recorder.waitFor("two messages") { $0.count { if case .message = $0 { true } else { false } } == 2 }
            #expect(recorder.snapshot == [.subscribed, .message(Array("revoked:s-1".utf8)), .message(Array("revoked:s-2".utf8))])
            // Stopping the consumer ends the subscription on the server.
            await recorder.stop()
            try await TestRedis.eventually("the server to drop the subscriber") {
                try await client.send(["PUBSUB", "NUMSUB", channel]).array?.last == .integer(0)
            }
        }
    }

    @Test("A command without a reply in time fails with timeout, and the next command gets its own reply")
    func commandTimeout() async throws {
        var configuration = try TestRedis.singleConfiguration()
        configuration.commandTimeout = .milliseconds(300)
        configuration.poolSize = 1
        try await TestRedis.withClient(configuration) { client async throws in
            // What matters is which reply comes back, not how fast: on a loaded machine a
            // connect or a reply alone can exceed the 300 ms, so such a timeout is tried again.
            func afterTimeout<R>(_ body: () async throws -> R) async throws -> R {
                for _ in 1..<20 {
                    do { return try await body() } catch let error as RedisError where error.kind == .timeout { continue }
                }
                return try await body()
            }
            let list = TestRedis.uniqueKey("blocked")
            let key = TestRedis.uniqueKey("after-timeout")
            _ = try await afterTimeout { try await client.send(["SET", key, "mine", "PX", "60000"]) }
            // BLPOP blocks this one connection server-side (unlike DEBUG SLEEP or CLIENT PAUSE,
            // which would stall every other test on the shared server); the GET queued behind
            // it on the same connection must not receive BLPOP's late reply.
            let error = await #expect(throws: RedisError.self) {
                try await client.pipeline([["BLPOP", list, "5"], ["GET", key]])
            }
            #expect(error?.kind == .timeout)
            #expect(try await afterTimeout { try await client.send(["GET", key]) }.string == "mine")
            #expect(
                try await afterTimeout { try await client.pipeline([["GET", key], ["PING"]]) } == [.bulkString(Array("mine".utf8)), .simpleString("PONG")]
            )
        }
    }

    @Test("After close, commands fail with closed and subscription streams end")
    func close() async throws {
        let client = try RedisClient(configuration: try TestRedis.singleConfiguration(), logger: TestRedis.logger)
        try await client.ping()
        let recorder = SubscriptionRecorder(client.subscribe(channel: TestRedis.uniqueKey("closing")))
        try await recorder.waitFor("the subscription") { $0.contains(.subscribed) }
        await client.close()
        await recorder.finished()
        let error = await #expect(throws: RedisError.self) { try await client.ping() }
        #expect(error?.kind == .closed)
        let after = SubscriptionRecorder(client.subscribe(channel: "x"))
        await after.finished()
        #expect(after.snapshot.isEmpty)
    }
}
