import AsyncHTTPClient
import JWTAuth
import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An access token of the client-credentials grant (RFC 6749 §4.4), and how to get one.
struct ClientCredentialsGrant: Sendable {
    /// The token, sent as `Authorization: Bearer` and never logged.
    var accessToken: String
    /// When the issuer said it expires.
    var expiresAt: NumericDate
    /// When to get the next one: a minute before expiry, or halfway for short-lived tokens,
    /// so a renewal has time to fail and be retried while the token still works.
    var renewAt: NumericDate

    /// Asks `endpoint` for a token, authenticating the client with HTTP Basic (RFC 6749
    /// §2.3.1: id and secret form-urlencoded first).
    ///
    /// - Throws: `invalid_client` when the issuer refuses the credentials, `invalid_scope`
    ///   when it refuses the scope, `revocations_stale` for anything else that fails.
    static func request(
        endpoint: RemoteURL,
        clientID: String,
        clientSecret: String,
        scope: String,
        client: HTTPClient,
        timeout: Duration,
        maximumBytes: Int,
        now: @Sendable () -> NumericDate
    ) async throws(JWTAuthError) -> ClientCredentialsGrant {
        var request = HTTPClientRequest(url: endpoint.string)
        request.method = .POST
        let credentials = FormEncoding.encode(clientID) + ":" + FormEncoding.encode(clientSecret)
        request.headers.add(name: "Authorization", value: "Basic " + Data(credentials.utf8).base64EncodedString())
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode([("grant_type", "client_credentials"), ("scope", scope)])))
        let sentAt = now()
        let answer = try await RemoteHTTP.fetch(
            request,
            client: client,
            timeout: timeout,
            maximumBytes: maximumBytes,
            what: "the token endpoint (\(endpoint))",
            failure: .revocationsStale
        )
        let members = (try? JSONValue(parsingBytes: answer.body))?.objectValue ?? [:]
        guard answer.status == 200 else {
            let error = members["error"]?.stringValue
            let detail = "the token endpoint (\(endpoint)) answered HTTP \(answer.status)" + (error.map { " \($0)" } ?? "")
            switch error {
            case "invalid_client", "unauthorized_client": throw JWTAuthError(.invalidClient, detail)
            case "invalid_scope": throw JWTAuthError(.invalidScope, detail)
            default: throw JWTAuthError(answer.status == 401 ? .invalidClient : .revocationsStale, detail)
            }
        }
        guard let token = members["access_token"]?.stringValue, !token.isEmpty else {
            throw JWTAuthError(.revocationsStale, "the token endpoint's answer has no access_token")
        }
        guard members["token_type"]?.stringValue?.lowercased() == "bearer" else {
            throw JWTAuthError(.revocationsStale, "the token endpoint did not issue a Bearer token")
        }
        // Without `expires_in` the lifetime is unknown: assume a short one and renew early.
        let seconds = members["expires_in"]?.doubleValue.map { min(max($0, 1), 86400 * 365) } ?? 60
        let lifetime = Duration.seconds(seconds)
        let margin = min(.seconds(60), lifetime / 2)
        return ClientCredentialsGrant(accessToken: token, expiresAt: sentAt + lifetime, renewAt: sentAt + (lifetime - margin))
    }
}
