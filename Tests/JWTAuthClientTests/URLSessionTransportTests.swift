import Foundation
import JWTAuthClient
import Testing

/// `URLSessionTransport` on its own against the live server (FoundationNetworking on Linux).
@Suite("URLSession transport")
struct URLSessionTransportTests {
    @Test("Error statuses come back as responses with their headers and body, not as errors")
    func errorStatusesAreResponses() async throws {
        try await LiveServer.run(.urlSession) { server in
            let refused = try await server.baseTransport.send(
                HTTPRequestData(url: server.meURL, headers: ["Authorization": "Bearer not-a-token"])
            )
            #expect(refused.status == 401)
            #expect(refused.value(forHTTPHeaderField: "www-authenticate")?.contains(#"error="invalid_token""#) == true)
            let body = try JSONSerialization.jsonObject(with: refused.body) as? [String: Any]
            #expect(body?["error"] as? String == "invalid_token")
        }
    }

    @Test("A whole session over URLSession: register, log in, call, renew, log out")
    func wholeSession() async throws {
        try await LiveServer.run(.urlSession) { server in
            let clock = DeviceClock()
            let storage = TokenStorage()
            let client = JWTAuthClient(
                baseURL: server.baseURL,
                transport: server.baseTransport,
                clientID: "ios-app",
                now: clock.reader,
                onTokensChanged: storage.callback
            )
            try await client.register(username: "alice", password: "correct horse battery")
            try await client.login(username: "alice", password: "correct horse battery")
            let me = try await server.me(client)
            #expect(me.status == 200)
            #expect(me.body["client_id"] as? String == "ios-app")
            clock.advance(by: 290)
            #expect(try await server.me(client).status == 200)
            #expect(storage.history.count == 2)
            try await client.logout()
            #expect(storage.history.count == 3)
            #expect(storage.stored == nil)
        }
    }
}
