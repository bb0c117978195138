import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` (RFC 9110 §10.1.1) for requests the gateway forwards.
///
/// A client that sends the expectation waits for `100 Continue` (or a final answer) before its
/// body. The HTTP client the gateway forwards with cannot pass the upstream's `100` on, so the
/// gateway sends its own — but only once it has decided to forward (the responder triggers
/// ``ContinueEvent``): a request refused at the gateway gets its final answer without the
/// client sending a body it did not need to. The expectation is taken off the request before
/// it goes on: the body is already on its way when the upstream sees it.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// Sent by the responder (as an outbound user event) when it is about to read the body.
    struct ContinueEvent: Sendable {}

    /// A request head with the expectation arrived and nothing has answered it yet.
    private var awaitingContinue = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = self.unwrapInboundIn(data), let expectation = head.headerFields[.expect] else {
            context.fireChannelRead(data)
            return
        }
        // Only the one expectation HTTP defines; anything else goes on as it came.
        guard expectation.lowercased() == "100-continue" else {
            context.fireChannelRead(data)
            return
        }
        head.headerFields[.expect] = nil
        self.awaitingContinue = true
        context.fireChannelRead(self.wrapInboundOut(.head(head)))
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is ContinueEvent else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        if self.awaitingContinue {
            self.awaitingContinue = false
            context.writeAndFlush(self.wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        promise?.succeed()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        // A final answer settles the expectation: no 100 after it.
        if case .head = self.unwrapOutboundIn(data) { self.awaitingContinue = false }
        context.write(data, promise: promise)
    }
}
