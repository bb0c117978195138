import NIOCore
import NIOEmbedded
import Testing

@testable import JWTAuthRESP

@Suite("Command handler on an embedded channel")
struct RedisCommandHandlerTests {
    private final class PushLog: Sendable {
        let values = TestBox<[RESPValue]>([])
    }

    private func makeChannel(timeout: Duration? = .seconds(2), pushes: PushLog = PushLog()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPFrameDecoder()))
        try channel.pipeline.syncOperations.addHandler(
            RedisCommandHandler(
                endpoint: RedisEndpoint(host: "test", port: 1),
                commandTimeout: timeout,
                onPush: { value in pushes.values.withLock { $0.append(value) } }
            )
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func send(_ commands: [[String]], on channel: EmbeddedChannel) -> EventLoopFuture<[RESPValue]> {
        RedisConnection.write(commands.map { $0.map { Array($0.utf8) } }, to: channel, endpoint: RedisEndpoint(host: "test", port: 1))
    }

    private func outbound(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += String(buffer: buffer)
        }
        return text
    }

    @Test("Pipelined batches are written in order and answered first in, first out, across split reads")
    func fifo() async throws {
        let channel = try makeChannel()
        let first = send([["SET", "a", "1"], ["GET", "a"]], on: channel)
        let second = send([["PING"]], on: channel)
        #expect(try outbound(channel) == "*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*1\r\n$4\r\nPING\r\n")

        for byte in "+OK\r\n$1\r\n1\r\n+PONG\r\n".utf8 {
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        #expect(try await first.get() == [.simpleString("OK"), .bulkString(Array("1".utf8))])
        #expect(try await second.get() == [.simpleString("PONG")])
        _ = try channel.finish()
    }

    @Test("Pushes go to the push handler, not to the command waiting for a reply")
    func pushes() async throws {
        let pushes = PushLog()
        let channel = try makeChannel(pushes: pushes)
        let reply = send([["GET", "k"]], on: channel)
        _ = try outbound(channel)
        try channel.writeInbound(ByteBuffer(string: ">3\r\n+message\r\n+ch\r\n+hi\r\n$-1\r\n"))
        #expect(try await reply.get() == [.bulkString(nil)])
        #expect(pushes.values.withLock { $0 } == [.push([.simpleString("message"), .simpleString("ch"), .simpleString("hi")])])
        _ = try channel.finish()
    }

    @Test("RESP2 subscriber mode routes pub/sub arrays to the push handler")
    func subscriberMode() throws {
        let pushes = PushLog()
        let channel = try makeChannel(pushes: pushes)
        channel.writeAndFlush(RedisRequest.subscribe([Array("SUBSCRIBE".utf8), Array("ch".utf8)]), promise: nil)
        #expect(try outbound(channel) == "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n")
        try channel.writeInbound(ByteBuffer(string: "*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n"))
        #expect(pushes.values.withLock { $0.count } == 2)
        _ = try channel.finish()
    }

    @Test("A command without a reply times out, fails the commands behind it too, and closes the connection")
    func timeout() async throws {
        let channel = try makeChannel(timeout: .seconds(1))
        let slow = send([["BLPOP", "k", "0"]], on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(600))
        let behind = send([["GET", "k"]], on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(400))

        await #expect { try await slow.get() } throws: { ($0 as? RedisError)?.kind == .timeout }
        await #expect { try await behind.get() } throws: { ($0 as? RedisError)?.kind == .timeout }
        #expect(!channel.isActive)

        // A late reply cannot reach anyone, and a new command fails at once.
        let late = send([["GET", "k"]], on: channel)
        await #expect { try await late.get() } throws: { $0 is RedisError }
    }

    @Test("The timer follows the oldest command: one answered in time does not time out the next")
    func timerMovesOn() async throws {
        let channel = try makeChannel(timeout: .seconds(1))
        let first = send([["PING"]], on: channel)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(900))
        let second = send([["PING"]], on: channel)
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        #expect(try await first.get() == [.simpleString("PONG")])
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(500))
        #expect(channel.isActive)
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        #expect(try await second.get() == [.simpleString("PONG")])
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("Malformed bytes fail the waiting command with a protocol error and close the connection")
    func malformed() async throws {
        let channel = try makeChannel()
        let reply = send([["GET", "k"]], on: channel)
        _ = try? channel.writeInbound(ByteBuffer(string: "&nonsense\r\n"))
        await #expect { try await reply.get() } throws: { ($0 as? RedisError)?.kind == .protocolError }
        #expect(!channel.isActive)
    }

    @Test("A reply nobody waits for is a protocol error that closes the connection")
    func unexpectedReply() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(!channel.isActive)
    }

    @Test("Commands waiting when the connection drops fail with connectionFailed, and so do later ones")
    func dropped() async throws {
        let channel = try makeChannel()
        let reply = send([["GET", "k"]], on: channel)
        channel.pipeline.fireChannelInactive()
        await #expect { try await reply.get() } throws: { ($0 as? RedisError)?.kind == .connectionFailed }
        let later = send([["GET", "k"]], on: channel)
        await #expect { try await later.get() } throws: { ($0 as? RedisError)?.kind == .connectionFailed }
    }
}
