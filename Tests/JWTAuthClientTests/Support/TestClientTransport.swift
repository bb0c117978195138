import Foundation
import HTTPTypes
import HummingbirdTesting
import JWTAuthClient
import NIOCore

/// An `HTTPTransport` over HummingbirdTesting's client: requests go to the live server the
/// client is connected to, by path.
struct TestClientTransport: HTTPTransport {
    let client: any TestClientProtocol

    func send(_ request: HTTPRequestData) async throws -> HTTPResponseData {
        guard let method = HTTPRequest.Method(request.method) else { throw URLError(.badURL) }
        var fields = HTTPFields()
        for (name, value) in request.headers {
            guard let fieldName = HTTPField.Name(name) else { throw URLError(.badURL) }
            fields[fieldName] = value
        }
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        var uri = components?.percentEncodedPath ?? "/"
        if let query = components?.percentEncodedQuery { uri += "?" + query }
        let response = try await self.client.executeRequest(
            uri: uri,
            method: method,
            headers: fields,
            body: request.body.map { ByteBuffer(bytes: $0) }
        )
        var headers: [String: String] = [:]
        for field in response.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        let body = Data(response.body.getBytes(at: response.body.readerIndex, length: response.body.readableBytes) ?? [])
        return HTTPResponseData(status: response.status.code, headers: headers, body: body)
    }
}
