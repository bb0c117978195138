import Foundation
import Testing

@testable import JWTAuthRESP

/// Tests that configure, kill and restart a redis-server of their own.
@Suite("Redis client against a server it can restart", TestRedis.needsServerBinary, .timeLimit(.minutes(2)))
struct RedisOwnServerTests {
    static let password = "s3cret-Pa55word"

    @Test("AUTH with requirepass: the right password connects; a wrong one fails without revealing either")
    func requirePass() async throws {
        try await RedisServerProcess.with(arguments: ["--requirepass", Self.password]) { server in

            try await TestRedis.withClient(try RedisConfiguration(url: "redis://:\(Self.password)@127.0.0.1:\(server.port)")) { client async throws in
                try await client.ping()
            }
            var three = try RedisConfiguration(url: "redis://:\(Self.password)@127.0.0.1:\(server.port)?protocol=3")
            three.poolSize = 1
            try await TestRedis.withClient(three) { client async throws in
                #expect(try await client.send(["ACL", "WHOAMI"]).string == "default")
            }

            let wrong = "wrong-\(Self.password)"
            try await TestRedis.withClient(try RedisConfiguration(url: "redis://:\(wrong)@127.0.0.1:\(server.port)")) { client async throws in
                let error = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(error?.kind == .connectionFailed)
                #expect(error?.message.contains("WRONGPASS") == true || error?.message.contains("invalid password") == true)
                #expect(error.map { !"\($0)".contains(wrong) && !"\($0)".contains(Self.password) } == true)
                // While the backoff runs, the next attempt fails fast with the same cause.
                let again = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(again?.kind == .connectionFailed)
            }

            try await TestRedis.withClient(try RedisConfiguration(url: "redis://127.0.0.1:\(server.port)")) { client async throws in
                let error = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(error?.serverErrorCode == "NOAUTH")
            }
        }
    }

    @Test("AUTH as an ACL user, in RESP2 and in RESP3's HELLO", arguments: [2, 3])
    func aclUser(protocolVersion: Int) async throws {
        try await RedisServerProcess.with(arguments: ["--user", "jwtauth", "on", ">\(Self.password)", "~*", "&*", "+@all"]) { server in
            var configuration = try RedisConfiguration(url: "redis://jwtauth:\(Self.password)@127.0.0.1:\(server.port)/2")
            configuration.protocolVersion = protocolVersion
            try await TestRedis.withClient(configuration) { client async throws in
                #expect(try await client.send(["ACL", "WHOAMI"]).string == "jwtauth")
                _ = try await client.send(["SET", "k", "v"])
                #expect(try await client.send(["CLIENT", "INFO"]).string?.contains("db=2") == true)
            }
            var wrongUser = configuration
            wrongUser.username = "nobody"
            try await TestRedis.withClient(wrongUser) { client async throws in
                let error = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(error?.kind == .connectionFailed)
                #expect(error.map { !"\($0)".contains(Self.password) } == true)
            }
        }
    }

    @Test("After the server dies commands fail with connectionFailed; when it is back they succeed and the subscription resumes")
    func reconnect() async throws {
        try await RedisServerProcess.with { server in
            var configuration = try RedisConfiguration(url: server.url)
            // A dead server refuses at once; the timeout only bounds a connect to a server that
            // is back but not yet answering, which on a loaded machine can take a while.
            configuration.connectTimeout = .seconds(2)
            try await TestRedis.withClient(configuration) { client async throws in
                _ = try await client.send(["SET", "before", "1"])
                let channel = "revocations"
                let recorder = SubscriptionRecorder(client.subscribe(channel: channel))
                try await recorder.waitFor("the first subscription") { $0 == [.subscribed] }

                try await server.kill()

                // Fails fast, whether the pool notices the dead connection before or on the write.
                try await TestRedis.eventually("a command to fail with connectionFailed") {
                    do {
                        _ = try await client.send(["GET", "before"])
                        return false
                    } catch let error as RedisError {
                        return error.kind == .connectionFailed
                    }
                }
                let down = await #expect(throws: RedisError.self) { try await client.send(["GET", "before"]) }
                #expect(down?.kind == .connectionFailed)
                try await recorder.waitFor("the subscription to notice") { $0.last == .disconnected }

                try await server.start()

                try await TestRedis.eventually(within: .seconds(30), "commands to succeed again") {
                    try await client.send(["SET", "after", "2"]) == .simpleString("OK")
                }
                #expect(try await client.send(["GET", "after"]).string == "2")
                try await recorder.waitFor("the subscription to come back") { $0.count(where: { $0 == .subscribed }) == 2 }
                #expect(recorder.snapshot.prefix(2) == [.subscribed, .disconnected])
                #expect(recorder.snapshot.last == .subscribed)

                try await TestRedis.eventually(within: .seconds(30), "a message after the reconnect") {
                    try await client.publish(channel: channel, message: "after-restart") > 0
                }
                try await recorder.waitFor("the message") { $0.contains(.message(Array("after-restart".utf8))) }
                await recorder.stop()
            }
        }
    }

    @Test("A client whose server was never up fails fast and recovers when it starts")
    func neverUp() async throws {
        try await RedisServerProcess.with { server in
            try await server.kill()
            try await TestRedis.withClient(try RedisConfiguration(url: server.url)) { client async throws in
                let recorder = SubscriptionRecorder(client.subscribe(channel: "c"))
                for _ in 0..<3 {
                    let error = await #expect(throws: RedisError.self) { try await client.ping() }
                    #expect(error?.kind == .connectionFailed)
                }
                try await recorder.waitFor("the subscription to report it is down") { $0 == [.disconnected] }
                try await server.start()
                try await TestRedis.eventually("the server to be reached") {
                    try await client.ping()
                    return true
                }
                try await recorder.waitFor("the subscription") { $0 == [.disconnected, .subscribed] }
                await recorder.stop()
            }
        }
    }
}
