package import Logging
package import NIOCore
import NIOPosix
package import NIOSSL
import Synchronization

/// One TCP connection to one Redis server, authenticated and on the right database, carrying
/// any number of pipelined commands at once.
package final class RedisConnection: Sendable {
    package let endpoint: RedisEndpoint
    package let channel: any Channel
    /// Commands written and not yet answered, for the pool's least-busy choice.
    private let inFlightCount = Atomic<Int>(0)

    private init(endpoint: RedisEndpoint, channel: any Channel) {
        self.endpoint = endpoint
        self.channel = channel
    }

    package var isActive: Bool { channel.isActive }
    package var inFlight: Int { inFlightCount.load(ordering: .relaxed) }
    package var closeFuture: EventLoopFuture<Void> { channel.closeFuture }

    /// Connects, then sends the handshake (`HELLO 3` or `AUTH`, then `SELECT`) as one pipelined
    /// batch, so a new connection costs one round trip after TCP (and TLS). `onPush` receives
    /// pushes and, on a subscribed connection, pub/sub messages.
    ///
    /// With `tlsContext` (from ``RedisTLSConfiguration/makeContext()``) the connection is TLS.
    /// `endpoint.host` is sent as SNI when it is a DNS name; under full verification the
    /// certificate must name it (a DNS name, or for an address one of its IP SANs, which NIOSSL
    /// matches against the address it connected to). The TLS handshake counts as part of
    /// connecting, so `connectTimeout` bounds it too.
    package static func connect(
        to endpoint: RedisEndpoint,
        configuration: RedisConfiguration,
        tlsContext: NIOSSLContext?,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        onPush: (@Sendable (RESPValue) -> Void)? = nil
    ) -> EventLoopFuture<RedisConnection> {
        let commandTimeout = configuration.commandTimeout
        // Chosen up front so the TLS promise and the channel share one event loop.
        let eventLoop = eventLoopGroup.next()
        let tlsHandshake = tlsContext.map { _ in eventLoop.makePromise(of: Void.self) }
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(configuration.connectTimeout))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tlsContext, let tlsHandshake {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOSSLClientHandler(context: tlsContext, serverHostname: serverName(for: endpoint.host))
                        )
                        try channel.pipeline.syncOperations.addHandler(RedisTLSHandshakeHandler(endpoint: endpoint, promise: tlsHandshake))
                    }
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(
                        RedisCommandHandler(endpoint: endpoint, commandTimeout: commandTimeout, onPush: onPush)
                    )
                }
            }
        let handshake = handshakeCommands(configuration)
        return bootstrap.connect(host: endpoint.host, port: endpoint.port)
            .flatMapErrorThrowing { error in
                let failure = RedisError.connectionFailed("could not connect to \(endpoint): \(describe(error))")
                // The pipeline may never have been built; the promise must not be left behind.
                tlsHandshake?.fail(failure)
                throw failure
            }
            .flatMap { channel in
                guard let tlsHandshake else { return channel.eventLoop.makeSucceededFuture(channel) }
                let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.connectTimeout)) {
                    let amount = configuration.connectTimeout.components
                    let milliseconds = amount.seconds * 1000 + amount.attoseconds / 1_000_000_000_000_000
                    tlsHandshake.fail(RedisError.connectionFailed("no TLS handshake with \(endpoint) within \(milliseconds) ms"))
                }
                return tlsHandshake.futureResult
                    .always { _ in timeout.cancel() }
                    .map { channel }
                    .flatMapError { error in
                        channel.close(promise: nil)
                        return channel.eventLoop.makeFailedFuture(error)
                    }
            }
            .flatMap { channel in
                let connection = RedisConnection(endpoint: endpoint, channel: channel)
                guard !handshake.isEmpty else { return channel.eventLoop.makeSucceededFuture(connection) }
                return connection.send(handshake.map(\.command))
                    .flatMapThrowing { replies in
                        for (step, reply) in zip(handshake, replies) {
                            if case .error(let message) = reply {
                                throw RedisError.connectionFailed("\(step.name) on \(endpoint) was refused: \(message)")
                            }
                        }
                        logger.debug("Connected to Redis", metadata: ["redis.endpoint": "\(endpoint)"])
                        return connection
                    }
                    .flatMapError { error in
                        channel.close(promise: nil)
                        let redisError = (error as? RedisError) ?? .connectionFailed("\(error)")
                        let failure =
                            redisError.kind == .connectionFailed
                            ? redisError : .connectionFailed("the handshake with \(endpoint) failed: \(redisError.message)")
                        return channel.eventLoop.makeFailedFuture(failure)
                    }
            }
    }

    /// SNI carries DNS names only; for an IP address NIOSSL matches the certificate's IP SANs
    /// against the address it connected to.
    private static func serverName(for host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }

    /// `HELLO 3` can carry the credentials; in RESP2 they go in `AUTH`. The password is only
    /// ever in these bytes, never in a message.
    private static func handshakeCommands(_ configuration: RedisConfiguration) -> [(name: String, command: [[UInt8]])] {
        var commands: [(name: String, command: [[UInt8]])] = []
        if configuration.protocolVersion == 3 {
            var hello: [[UInt8]] = [Array("HELLO".utf8), Array("3".utf8)]
            if let password = configuration.password {
                hello += [Array("AUTH".utf8), Array((configuration.username ?? "default").utf8), Array(password.utf8)]
            }
            commands.append((name: "HELLO 3", command: hello))
        } else if let password = configuration.password {
            var auth: [[UInt8]] = [Array("AUTH".utf8)]
            if let username = configuration.username { auth.append(Array(username.utf8)) }
            auth.append(Array(password.utf8))
            commands.append((name: "AUTH", command: auth))
        }
        if configuration.database != 0 {
            commands.append((name: "SELECT", command: [Array("SELECT".utf8), Array(String(configuration.database).utf8)]))
        }
        return commands
    }

    /// Sends `commands` back to back; the replies come in the same order, errors as `.error`.
    package func send(_ commands: [[[UInt8]]]) -> EventLoopFuture<[RESPValue]> {
        inFlightCount.add(commands.count, ordering: .relaxed)
        let replies = Self.write(commands, to: channel, endpoint: endpoint)
        replies.whenComplete { [self] _ in
            self.inFlightCount.subtract(commands.count, ordering: .relaxed)
        }
        return replies
    }

    /// Writes a batch for `RedisCommandHandler`. A write that never reaches the handler (the
    /// channel closed and its handlers are gone) fails the batch here, or it would wait forever.
    package static func write(_ commands: [[[UInt8]]], to channel: any Channel, endpoint: RedisEndpoint) -> EventLoopFuture<[RESPValue]> {
        let promise = channel.eventLoop.makePromise(of: [RESPValue].self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            // A no-op when the handler has already failed the batch with a better reason.
            promise.fail((error as? RedisError) ?? RedisError.connectionFailed("could not write to \(endpoint): \(error)"))
        }
        channel.writeAndFlush(RedisRequest.commands(commands, promise), promise: written)
        return promise.futureResult
    }

    package func send(_ commands: [[[UInt8]]]) async throws -> [RESPValue] {
        try await send(commands).get()
    }

    /// Puts the connection in subscriber mode; confirmations and messages go to `onPush`.
    package func subscribe(_ command: [[UInt8]]) {
        channel.writeAndFlush(RedisRequest.subscribe(command)).whenFailure { [channel] _ in
            // Unsubscribed on an open connection would wait for messages forever.
            channel.close(promise: nil)
        }
    }

    package func close() {
        channel.close(promise: nil)
    }

    /// NIO's connect errors, in words an operator can act on.
    private static func describe(_ error: any Error) -> String {
        switch error {
        case ChannelError.connectTimeout(let amount): "no answer within \(amount.nanoseconds / 1_000_000) ms"
        case let error as NIOConnectionError:
            error.connectionErrors.first.map { "\($0.error)" } ?? (error.dnsAAAAError ?? error.dnsAError).map { "\($0)" } ?? "\(error)"
        default: "\(error)"
        }
    }
}
