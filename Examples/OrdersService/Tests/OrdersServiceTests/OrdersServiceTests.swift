import Foundation
import Hummingbird
import HummingbirdTesting
import JWTAuth
import JWTAuthServer
import Logging
import OrdersService
import Testing

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The orders service against a real token server in this process: the seed's client logs in at
/// the token server and uses `/api/userOrders` here; a logout there is refused here at once.
@Suite("Orders service")
struct OrdersServiceTests {
    @Test("Orders are per user, bad bodies are 400, no token is 401, and a logout at the token server is refused here at once")
    func seedClient() async throws {
        try await TokenServer.with { server in
            let app = try buildOrdersApplication(
                configuration: OrdersConfiguration(
                    issuer: server.issuer,
                    port: 0,
                    clientID: server.client.id,
                    clientSecret: server.clientSecret
                ),
                logger: .quiet
            )
            try await app.test(.live) { client in
                // Ready once the keys are fetched and the feed has caught up.
                try await eventually("the service is healthy") {
                    try await client.execute(uri: "/health", method: .get).status == .ok
                }
                let alice = try await server.login("alice")
                let bob = try await server.login("bob")
                func auth(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)", .contentType: "application/json"] }

                let empty = try await client.execute(uri: "/api/userOrders", method: .get, headers: auth(alice.access))
                #expect(empty.status == .ok)
                #expect(String(buffer: empty.body) == "[]")

                let created = try await client.execute(
                    uri: "/api/userOrders",
                    method: .post,
                    headers: auth(alice.access),
                    body: ByteBuffer(string: #"{"item":"coffee","quantity":2}"#)
                )
                #expect(created.status == .created)
                let order = try JSONSerialization.jsonObject(with: Data(buffer: created.body)) as? [String: Any]
                #expect(order?["item"] as? String == "coffee" && order?["quantity"] as? Int == 2 && order?["id"] is String)

                let mine = try await client.execute(uri: "/api/userOrders", method: .get, headers: auth(alice.access))
                let list = try JSONSerialization.jsonObject(with: Data(buffer: mine.body)) as? [[String: Any]]
                #expect(list?.count == 1 && list?.first?["item"] as? String == "coffee")
                let theirs = try await client.execute(uri: "/api/userOrders", method: .get, headers: auth(bob.access))
                #expect(String(buffer: theirs.body) == "[]", "bob sees only his own orders")

                for body in [
                    #"{"item":"coffee"}"#, #"{"item":"","quantity":1}"#, #"{"item":"tea","quantity":0}"#, #"{"item":"tea","quantity":"2"}"#, "not json",
                ] {
                    let bad = try await client.execute(uri: "/api/userOrders", method: .post, headers: auth(alice.access), body: ByteBuffer(string: body))
                    #expect(bad.status == .badRequest, "\(body)")
                    #expect(String(buffer: bad.body).contains("\"error\""), "\(body)")
                }

                let anonymous = try await client.execute(uri: "/api/userOrders", method: .get)
                #expect(anonymous.status == .unauthorized)
                #expect(anonymous.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                let refresh = try await client.execute(uri: "/api/userOrders", method: .get, headers: auth(alice.refresh))
                #expect(refresh.status == .unauthorized, "a refresh token is not an access token")
                // The service's own feed credentials name no user: they open no orders.
                let machine = try await client.execute(uri: "/api/userOrders", method: .get, headers: auth(try await server.clientToken()))
                #expect(machine.status == .forbidden)

                try await server.logoutEverywhere(alice.access)
                try await eventually("the revocation reaches the orders service") {
                    try await client.execute(uri: "/api/userOrders", method: .get, headers: auth(alice.access)).status == .unauthorized
                }
                let stillBob = try await client.execute(uri: "/api/userOrders", method: .get, headers: auth(bob.access))
                #expect(stillBob.status == .ok)
            }
        }
    }
}

/// Waits (bounded) for `condition`, polling.
func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("timed out waiting until \(what)")
}

/// `jwtauth serve` as a library on a free port, with a feed client registered in its store.
struct TokenServer: Sendable {
    let issuer: String
    let client: ClientRecord
    let clientSecret: String

    static func with(_ body: @Sendable (TokenServer) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("orders-tests-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try freePort()
        let issuer = "http://127.0.0.1:\(port)"
        let configuration = ServerConfiguration(host: "127.0.0.1", port: port, dataDirectory: directory, issuer: issuer, bcryptCost: 4)
        let (client, secret) = try await addClient(configuration: configuration, name: "orders", scopes: ["revocations:read"], logger: .quiet)
        let listening = AsyncStream<Int>.makeStream()
        let app = try await buildApplication(configuration: configuration, logger: .quiet) { port in listening.continuation.yield(port) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            for await _ in listening.stream { break }
            try await body(TokenServer(issuer: issuer, client: client, clientSecret: secret))
            group.cancelAll()
        }
    }

    struct Pair {
        let access: String
        let refresh: String
    }

    func login(_ username: String) async throws -> Pair {
        let credentials = ["username": username, "password": "correct horse battery"]
        _ = try await self.post("/auth/register", credentials)
        let (status, body) = try await self.post("/auth/login", credentials)
        #expect(status == 200)
        let object = try JSONSerialization.jsonObject(with: body) as? [String: Any]
        return Pair(access: object?["access_token"] as? String ?? "", refresh: object?["refresh_token"] as? String ?? "")
    }

    /// An access token of the feed client (client credentials, HTTP Basic).
    func clientToken() async throws -> String {
        var request = URLRequest(url: URL(string: self.issuer + "/oauth/token")!)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        let basic = Data("\(self.client.id):\(self.clientSecret)".utf8).base64EncodedString()
        request.setValue("Basic \(basic)", forHTTPHeaderField: "Authorization")
        request.httpBody = Data("grant_type=client_credentials".utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["access_token"] as? String ?? ""
    }

    func logoutEverywhere(_ accessToken: String) async throws {
        var request = URLRequest(url: URL(string: self.issuer + "/auth/logout-all")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(accessToken)", forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 204)
    }

    private func post(_ path: String, _ body: [String: String]) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: self.issuer + path)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}

/// A port that is free right now: bound to 0, read, released.
func freePort() throws -> Int {
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
    guard bound == 0 else { throw CocoaError(.fileWriteUnknown) }
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

extension Logger {
    static let quiet = Logger(label: "orders-tests", factory: { _ in SwiftLogNoOpLogHandler() })
}
