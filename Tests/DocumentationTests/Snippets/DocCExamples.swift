import Foundation
import Hummingbird
import HummingbirdJWTAuth
import JWTAuth
import JWTAuthClient
import JWTAuthRemote
import Logging

// The examples in the libraries' documentation comments, each in a function of its own.

// JWTAuthRoutes
func docCMountRoutes(sessions: SessionManager, accounts: AccountManager) {
    let router = Router(context: JWTAuthContext.self)
    JWTAuthRoutes<JWTAuthContext>(sessions: sessions, accounts: accounts).addRoutes(to: router)
}

// TrustedProxies
func docCTrustedProxies() throws -> TrustedProxies {
    let proxies = try TrustedProxies(["10.0.0.0/8", "fd00::/8", "127.0.0.1"])
    return proxies
}

// JWTVerifier
func docCVerifier(jwksText: String, bearerToken: String) throws {
    let verifier = JWTVerifier(keys: try JWTKeySet(jwks: jwksText), policy: .init(
        issuer: "https://auth.example", audiences: ["api"], types: ["at+jwt"]))
    let token = try verifier.verify(bearerToken)
    print(token.claims.subject ?? "")
}

/// Stands for an app's secure storage.
protocol SnippetKeychain: Sendable {
    func loadTokens() throws -> TokenPair?
    func save(_ tokens: TokenPair?) throws
}

// JWTAuthClient
func docCClient(keychain: some SnippetKeychain, password: String, api: URL) async throws -> HTTPResponseData {
    let auth = JWTAuthClient(
        baseURL: URL(string: "https://auth.example.com")!,
        tokens: try? keychain.loadTokens(),
        onTokensChanged: { tokens in
            try? keychain.save(tokens)      // nil after logout or when the session ended
        }
    )
    try await auth.login(username: "alice", password: password)
    let me = try await auth.send(HTTPRequestData(url: api.appending(path: "me")))
    return me
}

// RemoteAccessTokenVerifier
func docCRemoteVerifier(clientID: String, clientSecret: String, logger: Logger) async throws {
    let issuer = "https://auth.example.com"
    let keys = try RemoteKeySet(configuration: RemoteKeySetConfiguration(issuer: issuer))
    let revocations = try RemoteRevocations(
        configuration: RemoteRevocationsConfiguration(
            issuer: issuer, clientID: clientID, clientSecret: clientSecret),
        keySet: keys)
    let verifier = try RemoteAccessTokenVerifier(
        keySet: keys, revocations: revocations, audiences: ["orders-api"])

    let router = Router(context: JWTAuthContext.self)
    router.add(middleware: ErrorMiddleware(logger: logger))
    router.group("api")
        .add(middleware: BearerAuthenticator(verifier: verifier))
        .add(middleware: RequireAuthenticationMiddleware())
        .get("orders") { _, context in try await orders(for: context.requireIdentity()) }
    var app = Application(router: router)
    app.addServices(keys, revocations)
    try await app.runService()
}
