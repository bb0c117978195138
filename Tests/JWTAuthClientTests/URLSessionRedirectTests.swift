import Foundation
import Hummingbird
import HummingbirdTesting
import JWTAuthClient
import Testing

/// `URLSessionTransport` and redirects, against a small Hummingbird app that redirects to
/// itself under another origin (`localhost` instead of `127.0.0.1`).
@Suite("URLSession transport and redirects")
struct URLSessionRedirectTests {
    static func withRedirectingServer(_ body: @Sendable (URL) async throws -> Void) async throws {
        let router = Router()
        router.get("cross") { request, _ -> Response in
            let port = request.head.authority?.split(separator: ":").last.map(String.init) ?? "80"
            return Response(status: .found, headers: [.location: "http://localhost:\(port)/echo"])
        }
        router.get("same") { _, _ -> Response in Response(status: .found, headers: [.location: "/echo"]) }
        router.get("echo") { request, _ -> String in request.headers[.authorization] ?? "none" }
        router.post("cross-post") { request, _ -> Response in
            let port = request.head.authority?.split(separator: ":").last.map(String.init) ?? "80"
            return Response(status: .temporaryRedirect, headers: [.location: "http://localhost:\(port)/echo-body"])
        }
        router.post("same-post") { _, _ -> Response in Response(status: .temporaryRedirect, headers: [.location: "/echo-body"]) }
        router.post("echo-body") { request, _ -> String in
            String(buffer: try await request.body.collect(upTo: 1024))
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            do {
                let port = try #require(client.port)
                try await body(try #require(URL(string: "http://127.0.0.1:\(port)")))
            } catch {
                Issue.record(error)
            }
        }
    }

    @Test("A request with a bearer token is not redirected to another origin, but is within its own")
    func crossOriginRedirect() async throws {
        try await Self.withRedirectingServer { base in
            let transport = URLSessionTransport()
            let authorized = ["Authorization": "Bearer SECRET"]

            let cross = try await transport.send(HTTPRequestData(url: base.appendingPathComponent("cross"), headers: authorized))
            #expect(cross.status == 302)
            #expect(cross.value(forHTTPHeaderField: "location")?.hasPrefix("http://localhost:") == true)

            let same = try await transport.send(HTTPRequestData(url: base.appendingPathComponent("same"), headers: authorized))
            #expect(same.status == 200)
            #expect(String(decoding: same.body, as: UTF8.self) == "Bearer SECRET")

            // Without credentials there is nothing to protect: the redirect is followed.
            let anonymous = try await transport.send(HTTPRequestData(url: base.appendingPathComponent("cross")))
            #expect(anonymous.status == 200)
            #expect(String(decoding: anonymous.body, as: UTF8.self) == "none")
        }
    }

    @Test("A request with a body (a password, a refresh token) is not redirected to another origin, but is within its own")
    func crossOriginRedirectOfBody() async throws {
        try await Self.withRedirectingServer { base in
            let transport = URLSessionTransport()
            let body = Data(#"{"refresh_token":"SECRET"}"#.utf8)
            let json = ["Content-Type": "application/json"]

            let cross = try await transport.send(HTTPRequestData(method: "POST", url: base.appendingPathComponent("cross-post"), headers: json, body: body))
            #expect(cross.status == 307)

            let same = try await transport.send(HTTPRequestData(method: "POST", url: base.appendingPathComponent("same-post"), headers: json, body: body))
            // Followed within the origin (whether the body is replayed is up to the platform's
            // URLSession: Darwin's resends it on a 307, FoundationNetworking's does not).
            #expect(same.status == 200)
        }
    }
}
