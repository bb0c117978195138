import NIOCore
import NIOSSL
import NIOTLS

/// Sits behind `NIOSSLClientHandler` and reports how its handshake ended, so a connect fails
/// with the TLS reason (an untrusted certificate, a wrong name) instead of the bare "connection
/// closed" the first command would see, and so nothing is written before the server is known.
final class RedisTLSHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let endpoint: RedisEndpoint
    private let promise: EventLoopPromise<Void>

    init(endpoint: RedisEndpoint, promise: EventLoopPromise<Void>) {
        self.endpoint = endpoint
        self.promise = promise
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        context.fireUserInboundEventTriggered(event)
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            promise.succeed(())
            // Its work is done; every later read would only pass through it.
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }

    // After success these are no-ops (a promise completes once); the command handler behind
    // this one reports later failures to the commands.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(RedisError.connectionFailed("the TLS handshake with \(endpoint) failed: \(Self.describe(error))"))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(RedisError.connectionFailed("\(endpoint) closed the connection during the TLS handshake"))
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        promise.fail(RedisError.connectionFailed("the connection to \(endpoint) was closed during the TLS handshake"))
    }

    /// BoringSSL's reasons are terse codes; name the usual ones in words, keep the code.
    private static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate does not chain to a trusted certificate authority (\(text))"
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's certificate does not name this host (\(text))"
        }
        return text
    }
}
