import Hummingbird
import JWTAuthHTTP
import NIOCore
import ServiceLifecycle

extension AuthHTTPResponse {
    /// The Hummingbird response. An event stream ends at once when the client goes away (the
    /// request body's inbound side closes) or the server shuts down gracefully.
    func response(for request: Request) -> Response {
        switch self.body {
        case .bytes(let bytes):
            return Response(status: self.status, headers: self.headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        case .events(let stream):
            return Response(
                status: self.status,
                headers: self.headers,
                body: ResponseBody { writer in
                    // The request has no body: what this waits for is the reader going away.
                    try await request.body.consumeWithInboundCloseHandler { _ in
                        try await withGracefulShutdownHandler {
                            try await stream.run { text in try await writer.write(ByteBuffer(string: text)) }
                        } onGracefulShutdown: {
                            stream.shutdown()
                        }
                    } onInboundClosed: {
                        stream.cancel()
                    }
                    try await writer.finish(nil)
                }
            )
        }
    }
}
