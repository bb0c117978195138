import NIOCore
import NIOPosix
import Testing

@testable import JWTAuthRESP

/// Servers that accept connections and then misbehave, made with NIO so no Redis is needed.
@Suite("Redis client against a server that does not answer", .timeLimit(.minutes(1)))
struct RedisUnresponsiveServerTests {
    /// Accepts connections and reads everything, answering nothing; or closes each at once.
    private func withServer(closingConnections: Bool = false, _ body: (Int) async throws -> Void) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                closingConnections ? channel.close() : channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(server.localAddress?.port)
        do {
            try await body(port)
            try await server.close()
        } catch {
            try? await server.close()
            throw error
        }
    }

    @Test("A command to a silent server fails with timeout, every time, without waiting longer")
    func silentServer() async throws {
        try await withServer { port in
            var configuration = RedisConfiguration(endpoints: [(host: "127.0.0.1", port: port)])
            configuration.commandTimeout = .milliseconds(200)
            try await TestRedis.withClient(configuration) { client async throws in
                for _ in 0..<3 {
                    let error = await #expect(throws: RedisError.self) { try await client.ping() }
                    #expect(error?.kind == .timeout)
                }
            }
        }
    }

    @Test("A handshake the server never answers fails the connection, without the password in the error")
    func silentHandshake() async throws {
        try await withServer { port in
            var configuration = RedisConfiguration(endpoints: [(host: "127.0.0.1", port: port)], password: "do-not-print-me")
            configuration.commandTimeout = .milliseconds(200)
            try await TestRedis.withClient(configuration) { client async throws in
                let error = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(error?.kind == .connectionFailed)
                #expect(error?.message.contains("handshake") == true)
                #expect(error.map { !"\($0)".contains("do-not-print-me") } == true)
            }
        }
    }

    @Test("A server that hangs up at once fails commands with connectionFailed")
    func hangUp() async throws {
        try await withServer(closingConnections: true) { port in
            let configuration = RedisConfiguration(endpoints: [(host: "127.0.0.1", port: port)])
            try await TestRedis.withClient(configuration) { client async throws in
                let error = await #expect(throws: RedisError.self) { try await client.ping() }
                #expect(error?.kind == .connectionFailed)
            }
        }
    }

    @Test("Nothing listening: connectionFailed at once, then fast failures during the backoff")
    func refused() async throws {
        var port = 0
        try await withServer { port = $0 }
        // A backoff far longer than the test, so the second call surely falls inside it.
        let configuration = RedisConfiguration(endpoints: [(host: "127.0.0.1", port: port)], reconnectBackoff: (.seconds(600), .seconds(600)))
        try await TestRedis.withClient(configuration) { client async throws in
            let first = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(first?.kind == .connectionFailed)
            let second = await #expect(throws: RedisError.self) { try await client.ping() }
            #expect(second?.kind == .connectionFailed)
            #expect(second?.message.contains("next attempt in") == true)
        }
    }
}
