package import NIOCore

/// Matches replies to commands on one connection: first in, first answered, the way Redis
/// answers a pipelined connection. Pushes (and, once subscribed, RESP2 pub/sub arrays) go to
/// `onPush` instead.
///
/// A command without a reply after `commandTimeout` fails with `.timeout`, and so does every
/// command behind it; the connection is then closed, because the late reply would otherwise be
/// taken as the answer to the next command.
package final class RedisCommandHandler: ChannelDuplexHandler {
    package typealias InboundIn = RESPValue
    package typealias OutboundIn = RedisRequest
    package typealias OutboundOut = ByteBuffer

    private struct Pending {
        let promise: EventLoopPromise<[RESPValue]>
        let expected: Int
        var replies: [RESPValue]
        let deadline: NIODeadline?
    }

    private let endpoint: RedisEndpoint
    private let commandTimeout: TimeAmount?
    private let onPush: (@Sendable (RESPValue) -> Void)?
    private var pending = CircularBuffer<Pending>()
    private var subscribed = false
    /// Set once the channel is gone; later writes fail at once instead of waiting forever.
    private var closedError: RedisError?
    private var timer: Scheduled<Void>?

    package init(endpoint: RedisEndpoint, commandTimeout: Duration?, onPush: (@Sendable (RESPValue) -> Void)?) {
        self.endpoint = endpoint
        self.commandTimeout = commandTimeout.map { TimeAmount($0) }
        self.onPush = onPush
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .commands(let commands, let replyPromise):
            if let closedError {
                replyPromise.fail(closedError)
                promise?.fail(closedError)
                return
            }
            guard !commands.isEmpty else {
                replyPromise.succeed([])
                promise?.succeed()
                return
            }
            var buffer = context.channel.allocator.buffer(capacity: commands.reduce(0) { $0 + RESPCommandEncoder.encodedLength($1) })
            for command in commands {
                RESPCommandEncoder.encode(command, into: &buffer)
            }
            var replies: [RESPValue] = []
            replies.reserveCapacity(commands.count)
            let deadline = commandTimeout.map { context.eventLoop.now + $0 }
            pending.append(Pending(promise: replyPromise, expected: commands.count, replies: replies, deadline: deadline))
            armTimer(context: context)
            context.write(wrapOutboundOut(buffer), promise: promise)
        case .subscribe(let command):
            if let closedError {
                promise?.fail(closedError)
                return
            }
            subscribed = true
            var buffer = context.channel.allocator.buffer(capacity: RESPCommandEncoder.encodedLength(command))
            RESPCommandEncoder.encode(command, into: &buffer)
            context.write(wrapOutboundOut(buffer), promise: promise)
        }
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        if case .push = value {
            onPush?(value)
            return
        }
        if subscribed, pending.isEmpty, case .array = value {
            onPush?(value)
            return
        }
        guard !pending.isEmpty else {
            // A reply nobody asked for: the stream is out of step and cannot be trusted.
            fail(with: .protocolError("a reply from \(endpoint) arrived with no command waiting"), context: context)
            context.close(promise: nil)
            return
        }
        pending[pending.startIndex].replies.append(value)
        if pending[pending.startIndex].replies.count == pending[pending.startIndex].expected {
            let done = pending.removeFirst()
            done.promise.succeed(done.replies)
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        fail(with: .connectionFailed("the connection to \(endpoint) was closed"), context: context)
        context.fireChannelInactive()
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let redisError = (error as? RedisError) ?? .connectionFailed("the connection to \(endpoint) failed: \(error)")
        fail(with: redisError, context: context)
        context.close(promise: nil)
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        fail(with: .connectionFailed("the connection to \(endpoint) was closed"), context: context)
    }

    /// One timer, for the oldest command only: deadlines grow in write order, so when it fires
    /// either that command is late or the timer moves on to whichever command is oldest now.
    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, let deadline = pending.first?.deadline else { return }
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            self.timer = nil
            self.checkDeadline(context: loopBoundContext.value)
        }
    }

    private func checkDeadline(context: ChannelHandlerContext) {
        guard let oldest = pending.first, let deadline = oldest.deadline else { return }
        guard deadline <= context.eventLoop.now else {
            armTimer(context: context)
            return
        }
        let waited = commandTimeout.map { "\($0.nanoseconds / 1_000_000) ms" } ?? "the command timeout"
        // Close before failing anyone: a caller resumed by the failure must find this
        // connection inactive, or the pool could hand it straight back to them.
        let abandoned = pending
        pending.removeAll()
        closedError = .timeout("the connection to \(endpoint) was reset after a command timed out")
        context.close(promise: nil)
        for (index, waiting) in abandoned.enumerated() {
            waiting.promise.fail(
                index == 0
                    ? RedisError.timeout("no reply from \(endpoint) within \(waited)")
                    : RedisError.timeout("the connection to \(endpoint) was reset after an earlier command timed out")
            )
        }
    }

    private func fail(with error: RedisError, context: ChannelHandlerContext) {
        if closedError == nil { closedError = error }
        timer?.cancel()
        timer = nil
        while let waiting = pending.popFirst() {
            waiting.promise.fail(error)
        }
    }
}
