import NIOCore
import NIOHTTPTypes

/// Closes a new connection whose first request's headers are not complete within a deadline.
///
/// Hummingbird's idle timeout counts from the last HTTP part it decoded, so a client that
/// opens a connection and sends a header line every few seconds would hold it for the whole
/// idle timeout; with many connections that is the classic slow-headers attack. This handler
/// gives the first request a shorter deadline of its own. Later requests on the connection are
/// bounded by the idle timeout.
final class HeaderReadTimeoutHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    private let timeout: TimeAmount
    private var scheduled: Scheduled<Void>?
    private var headerSeen = false

    init(timeout: Duration) {
        self.timeout = TimeAmount(timeout)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.schedule(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        self.schedule(context)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancel()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !self.headerSeen, case .head = self.unwrapInboundIn(data) {
            self.headerSeen = true
            self.cancel()
        }
        context.fireChannelRead(data)
    }

    private func schedule(_ context: ChannelHandlerContext) {
        guard self.scheduled == nil, !self.headerSeen else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        self.scheduled = context.eventLoop.scheduleTask(in: self.timeout) {
            loopBound.value.close(promise: nil)
        }
    }

    private func cancel() {
        self.scheduled?.cancel()
        self.scheduled = nil
    }
}
