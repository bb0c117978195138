import HTTPTypes
import HummingbirdTesting
import JWTAuthServer
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// What a client can do to a connection: HEAD wherever GET works, and no connection held open
/// by a client that never finishes its headers or never sends the next request.
@Suite("Connections")
struct ConnectionTests {
    @Test(
        "HEAD is answered wherever GET is, with GET's status and headers and no body",
        arguments: ["/", "/health", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server"]
    )
    func head(_ path: String) async throws {
        try await withServer { api in
            let get = try await api.get(path)
            let head = try await api.request(.head, path)
            #expect(get.status == .ok, "GET \(path): \(get.status)")
            #expect(head.status == get.status, "HEAD \(path): \(head.status)")
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(head.body.readableBytes == 0)
        }
    }

    @Test("HEAD of a protected route needs the same token as GET")
    func headOfProtectedRoute() async throws {
        try await withServer { api in
            #expect(try await api.request(.head, "/api/me").status == .unauthorized)
            let (_, tokens) = try await api.signUp("alice")
            #expect(try await api.request(.head, "/api/me", bearer: tokens.access).status == .ok)
        }
    }

    @Test("A connection that never finishes its first request's headers is closed by the header timeout", .timeLimit(.minutes(1)))
    func headerTimeout() async throws {
        try await withServer(
            .live,
            configure: {
                $0.headerReadTimeout = .seconds(1)
                $0.idleTimeout = .seconds(3600)  // so that only the header timeout can close it
            }
        ) { api in
            let port = try #require(api.client.port)
            let connection = try await RawConnection.open(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            try await connection.closed()
            #expect(connection.received.isEmpty, "nothing is answered to half a request")
        }
    }

    @Test("A connection left idle after a request is closed by the idle timeout", .timeLimit(.minutes(1)))
    func idleTimeout() async throws {
        try await withServer(
            .live,
            configure: {
                $0.headerReadTimeout = .seconds(3600)
                $0.idleTimeout = .seconds(1)
            }
        ) { api in
            let port = try #require(api.client.port)
            let connection = try await RawConnection.open(port: port)
            try await connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await connection.closed()
            #expect(connection.received.hasPrefix("HTTP/1.1 200"), "the request was answered before the close: \(connection.received.prefix(40))")
        }
    }

    @Test("Timeouts below 100 ms are refused by validate()")
    func validation() {
        var configuration = ServerConfiguration()
        configuration.headerReadTimeout = .zero
        #expect(throws: (any Error).self) { try configuration.validate() }
        configuration = ServerConfiguration()
        configuration.idleTimeout = .milliseconds(10)
        #expect(throws: (any Error).self) { try configuration.validate() }
    }
}

/// A plain TCP connection that records what it receives, for requests HTTP clients will not send.
final class RawConnection: Sendable {
    private let channel: any Channel
    private let collector: Collector

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
    }

    static func open(port: Int) async throws -> RawConnection {
        let collector = Collector()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return RawConnection(channel: channel, collector: collector)
    }

    func send(_ text: String) async throws {
        try await self.channel.writeAndFlush(ByteBuffer(string: text)).get()
    }

    /// Returns when the server has closed the connection.
    func closed() async throws {
        try await self.channel.closeFuture.get()
    }

    var received: String { String(decoding: self.collector.bytes.withLock { $0 }, as: UTF8.self) }

    private final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let bytes = Mutex<[UInt8]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = self.unwrapInboundIn(data)
            let chunk = buffer.readBytes(length: buffer.readableBytes) ?? []
            self.bytes.withLock { $0 += chunk }
        }
    }
}
