import Foundation
import JWTAuthClient

// README, "Using the library": an app that calls the token server.
func signInFromAnApp(saved: TokenPair?, password: String, api: URL, store: @escaping @Sendable (TokenPair?) async -> Void) async throws {
    let auth = JWTAuthClient(baseURL: URL(string: "https://auth.example.com")!, tokens: saved, onTokensChanged: { tokens in
        await store(tokens)                 // nil after logout or when the session ended
    })
    try await auth.login(username: "alice", password: password)
    let response = try await auth.send(HTTPRequestData(url: api.appending(path: "me")))
    print(response.status)
}
