import HTTPTypes
import HummingbirdTesting
import JWTAuthFlowSuite
import NIOCore
import Testing

/// The token server's HTTP flows, shared with the Vapor integration's tests, against the
/// Hummingbird server.
@Suite("HTTP flows on the Hummingbird server")
struct FlowSuiteTests {
    @Test("Flow", arguments: JWTAuthFlowSuite.cases)
    func flow(_ flow: FlowCase) async throws {
        try await withServer { api in
            let admin = FlowClient.Credentials(username: Admin.username, password: Admin.password)
            try await flow.run(FlowClient(transport: HummingbirdFlowTransport(client: api.client), admin: admin))
        }
    }
}

/// The flow suite's transport over HummingbirdTesting's client.
struct HummingbirdFlowTransport: FlowTransport {
    let client: any TestClientProtocol

    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields, body: [UInt8]) async throws -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
        let response = try await self.client.execute(uri: path, method: method, headers: headers, body: body.isEmpty ? nil : ByteBuffer(bytes: body))
        return (response.status, response.headers, Array(response.body.readableBytesView))
    }
}
