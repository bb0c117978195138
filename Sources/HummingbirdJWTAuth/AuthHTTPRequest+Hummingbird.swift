import HTTPTypes
import Hummingbird
import JWTAuth
import JWTAuthHTTP
import NIOCore

extension AuthHTTPRequest {
    /// The framework-neutral form of a Hummingbird request: its body collected (413 beyond
    /// ``maximumBodyBytes``), its route parameters and the context's peer address.
    ///
    /// The request keeps the collected body, so that a streamed response can still watch its
    /// inbound side for the client going away.
    init<Context: JWTAuthRequestContext>(_ request: inout Request, context: Context, identity: AccessToken?) async throws {
        var body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: Self.maximumBodyBytes)
        } catch is NIOTooManyBytesError {
            throw AuthHTTPError.bodyTooLarge()
        }
        var parameters: [String: String] = [:]
        for (name, value) in context.parameters { parameters[String(name)] = String(value) }
        self.init(
            method: request.method,
            authority: request.head.authority,
            headers: request.headers,
            body: body.readBytes(length: body.readableBytes) ?? [],
            query: request.uri.query,
            peer: context.clientAddress,
            parameters: parameters,
            identity: identity
        )
    }
}
