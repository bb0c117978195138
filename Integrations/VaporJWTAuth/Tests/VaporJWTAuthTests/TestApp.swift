import HTTPTypes
import JWTAuth
import JWTAuthFlowSuite
import NIOCore
import NIOHTTP1
import Vapor
import VaporJWTAuth
import VaporTesting

/// A Vapor app that issues tokens on memory stores, with cheap bcrypt and an admin account.
enum TestApp {
    static let issuer = "https://auth.example.test"
    static let admin = FlowClient.Credentials(username: "root-admin", password: "admin password 123")

    /// Runs `body` with an app configured by `.local` on memory stores, the token routes
    /// mounted, an admin account made, and `routes` added.
    static func withLocalApp<Value>(
        routes: (Application) throws -> Void = { _ in },
        _ body: (Application) async throws -> Value
    ) async throws -> Value {
        try await withApp { app in
            app.logger.logLevel = .warning
            let key = try JWTKey.generate(.es256, keyID: "test-key")
            let configuration = JWTAuthLocalConfiguration(
                session: SessionConfiguration(issuer: Self.issuer),
                keys: try KeyRing(signingKey: key, verificationKeys: JWTKeySet(key.publicKey ?? key)),
                database: "memory",
                bcryptCost: 4
            )
            try await app.jwtAuth.use(.local(configuration))
            try app.register(collection: app.jwtAuth.routes())
            guard let accounts = app.jwtAuth.accounts else { throw Abort(.internalServerError, reason: "no accounts") }
            try await accounts.register(username: Self.admin.username, password: Self.admin.password, roles: ["admin"])
            try routes(app)
            return try await body(app)
        }
    }
}

/// The flow suite's transport over VaporTesting's in-memory client.
struct VaporFlowTransport: FlowTransport {
    let tester: any TestingApplicationTester

    func send(_ method: HTTPRequest.Method, _ path: String, headers: HTTPFields, body: [UInt8]) async throws -> (HTTPResponse.Status, HTTPFields, [UInt8]) {
        var vaporHeaders = HTTPHeaders()
        for field in headers { vaporHeaders.add(name: field.name.rawName, value: field.value) }
        let response = try await self.tester.sendRequest(
            HTTPMethod(rawValue: method.rawValue),
            path,
            headers: vaporHeaders,
            body: ByteBuffer(bytes: body),
            beforeRequest: { request in request.url = URI(string: path) }
        )
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return (HTTPResponse.Status(code: Int(response.status.code)), fields, Array(response.body.readableBytesView))
    }
}
