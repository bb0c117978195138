public import Hummingbird
public import JWTAuthHTTP
import NIOCore

extension RequestFields {
    /// Reads the body of a Hummingbird request as JSON or a form, by its `Content-Type`; a body
    /// over ``maximumBodyBytes`` is a 413.
    public static func read(_ request: Request, form formOnly: Bool = false) async throws -> RequestFields {
        var body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: Self.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw AuthHTTPError.bodyTooLarge()
        }
        let bytes = body.readBytes(length: body.readableBytes) ?? []
        return try Self.parse(bytes, contentType: request.headers[.contentType] ?? "", form: formOnly)
    }
}
