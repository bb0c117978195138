import HTTPTypes
import JWTAuthHTTP
import NIOCore
import Vapor

extension Request {
    /// This request as the framework-neutral endpoints read it: the body collected up to
    /// ``AuthHTTPRequest/maximumBodyBytes`` (a larger one is a 413 before anything is parsed),
    /// the headers as `HTTPFields`, the peer's IP address and the named path parameters.
    func authHTTPRequest(parameterNames: [String]) async throws -> AuthHTTPRequest {
        let limit = AuthHTTPRequest.maximumBodyBytes
        // A declared length over the limit is refused before a byte is read.
        if let declared = self.headers.first(name: .contentLength).flatMap(Int.init), declared > limit {
            throw AuthHTTPError.bodyTooLarge()
        }
        var body: [UInt8] = []
        if let collected = self.body.data {
            guard collected.readableBytes <= limit else { throw AuthHTTPError.bodyTooLarge() }
            body = Array(collected.readableBytesView)
        } else {
            for try await chunk in self.body {
                guard body.count + chunk.readableBytes <= limit else { throw AuthHTTPError.bodyTooLarge() }
                body.append(contentsOf: chunk.readableBytesView)
            }
        }
        var parameters: [String: String] = [:]
        for name in parameterNames {
            parameters[name] = self.parameters.get(name)
        }
        return AuthHTTPRequest(
            method: HTTPRequest.Method(self.method.rawValue) ?? .get,
            authority: self.headers.first(name: .host),
            headers: HTTPFields(self.headers),
            body: body,
            query: self.url.query,
            peer: self.remoteAddress?.ipAddress,
            parameters: parameters
        )
    }
}
