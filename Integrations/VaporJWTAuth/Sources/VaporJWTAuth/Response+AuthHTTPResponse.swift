import HTTPTypes
import JWTAuthHTTP
import NIOCore
import NIOHTTP1
import Vapor

extension Response {
    /// Writes a framework-neutral response in Vapor's terms. An event stream becomes a
    /// streamed body that ends when the stream does, when the client goes away (the next
    /// write fails) or when the app shuts down (through `streams`).
    static func from(_ response: AuthHTTPResponse, streams: EventStreams) -> Response {
        let status = HTTPResponseStatus(statusCode: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        let headers = HTTPHeaders(response.headers)
        switch response.body {
        case .bytes(let bytes):
            var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return Response(status: status, headers: headers, body: Response.Body(buffer: buffer))
        case .events(let stream):
            streams.insert(stream)
            let body = Response.Body(managedAsyncStream: { writer in
                defer { streams.remove(stream) }
                do {
                    try await stream.run { event in
                        try await writer.writeBuffer(ByteBuffer(string: event))
                    }
                } catch {
                    // A failed write is the client gone: end the subscription, not just this loop.
                    stream.cancel()
                    throw error
                }
            })
            return Response(status: status, headers: headers, body: body)
        }
    }
}
