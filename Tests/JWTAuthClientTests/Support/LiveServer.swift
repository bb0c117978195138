import Foundation
import Hummingbird
import HummingbirdTesting
import JWTAuth
import JWTAuthClient
import JWTAuthServer
import Logging
import Testing

/// The real token server, in-process on a real port, with a private data directory, cheap
/// bcrypt and a manual clock; and a transport of the chosen kind that reaches it.
struct LiveServer: Sendable {
    static let issuer = "https://auth.example.test"

    /// Where the server listens, as an app would configure the client.
    let baseURL: URL
    /// The server's clock.
    let clock: ManualClock
    /// The raw transport to the server, without any recording.
    let baseTransport: any HTTPTransport
    /// Records what the clients made with ``makeClient(clock:tokens:storage:refreshMargin:transport:)`` sent.
    let transport: RecordingTransport

    /// Starts a server, runs `body` against it, and stops it and removes its directory.
    static func run(
        _ kind: TransportKind,
        configure: (inout ServerConfiguration) -> Void = { _ in },
        _ body: @Sendable (LiveServer) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("jwtauth-client-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var configuration = ServerConfiguration(port: 0, dataDirectory: directory, issuer: Self.issuer, bcryptCost: 4)
        configure(&configuration)
        let clock = ManualClock(NumericDate(1_800_000_000))
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let app = try await buildApplication(configuration: configuration, logger: quiet, clock: clock)
        // `.ahc` rather than `.live`: its client takes concurrent requests, which the
        // single-flight tests send.
        try await app.test(.ahc(.http)) { client in
            // A body that throws is recorded here instead of leaving `app.test` by an error:
            // that path cancels the server rather than shutting it down, its SQLite store is
            // then never closed, and SQLiteNIO's debug assertion takes the whole test process
            // down with it.
            do {
                let port = try #require(client.port)
                let baseURL = try #require(URL(string: "http://127.0.0.1:\(port)"))
                switch kind {
                case .urlSession:
                    let transport = URLSessionTransport()
                    try await body(LiveServer(baseURL: baseURL, clock: clock, baseTransport: transport, transport: RecordingTransport(transport)))
                case .asyncHTTPClient:
                    let transport = TestClientTransport(client: client)
                    try await body(LiveServer(baseURL: baseURL, clock: clock, baseTransport: transport, transport: RecordingTransport(transport)))
                }
            } catch {
                Issue.record(error)
            }
        }
    }

    /// A client of this server, on `clock` (the device's time) and recording through
    /// ``transport`` unless given another transport.
    func makeClient(
        clock: DeviceClock = DeviceClock(),
        tokens: TokenPair? = nil,
        storage: TokenStorage = TokenStorage(),
        refreshMargin: Duration = .seconds(30),
        transport: (any HTTPTransport)? = nil
    ) -> JWTAuthClient {
        JWTAuthClient(
            baseURL: self.baseURL,
            transport: transport ?? self.transport,
            tokens: tokens,
            refreshMargin: refreshMargin,
            now: clock.reader,
            onTokensChanged: storage.callback
        )
    }

    /// `GET /api/me` URL.
    var meURL: URL { self.baseURL.appendingPathComponent("api/me") }

    /// `GET /api/me` through `client`, decoded.
    func me(_ client: JWTAuthClient) async throws -> (status: Int, body: [String: Any]) {
        let response = try await client.send(HTTPRequestData(url: self.meURL))
        let body = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
        return (response.status, body)
    }

    /// `POST /auth/refresh` with `refreshToken`, straight to the server (not through a client).
    func rawRefresh(_ refreshToken: String) async throws -> (status: Int, error: String?) {
        let body = try JSONEncoder().encode(["refresh_token": refreshToken])
        let response = try await self.baseTransport.send(
            HTTPRequestData(
                method: "POST",
                url: self.baseURL.appendingPathComponent("auth/refresh"),
                headers: ["Content-Type": "application/json"],
                body: body
            )
        )
        let object = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        return (response.status, object?["error"] as? String)
    }
}
