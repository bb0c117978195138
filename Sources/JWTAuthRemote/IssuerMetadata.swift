import AsyncHTTPClient
import JWTAuth
import NIOHTTP1

/// The members of an issuer's RFC 8414 metadata this module uses, fetched from
/// `/.well-known/oauth-authorization-server` and checked against the issuer it was asked for.
struct IssuerMetadata: Sendable {
    /// `jwks_uri`.
    var jwksURL: RemoteURL?
    /// `token_endpoint`.
    var tokenEndpoint: RemoteURL?
    /// `revocation_feed_endpoint` (a JWTAuth member; absent from other issuers).
    var revocationFeedEndpoint: RemoteURL?

    /// Where the metadata of `issuer` lives: the well-known suffix goes between the host and
    /// the issuer's path, if it has one (RFC 8414 §3.1).
    static func metadataURL(issuer: RemoteURL) throws(JWTAuthError) -> RemoteURL {
        let text = issuer.string
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://") else {
            throw JWTAuthError(.invalidInput, "the issuer is not an absolute URL")
        }
        let afterScheme = text[text.index(colon, offsetBy: 3)...]
        let pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
        guard !afterScheme[pathStart...].contains("?") else {
            throw JWTAuthError(.invalidInput, "the issuer must not have a query (RFC 8414 §2)")
        }
        var path = String(afterScheme[pathStart...])
        if path.hasSuffix("/") { path.removeLast() }
        return try RemoteURL(
            String(text[..<pathStart]) + "/.well-known/oauth-authorization-server" + path,
            purpose: "the issuer's metadata URL"
        )
    }

    /// Fetches and checks the metadata of `issuer`.
    ///
    /// - Throws: `failure` when it cannot be fetched or read, when its `issuer` member is not
    ///   exactly `issuer` (RFC 8414 §3.3: metadata of another issuer must not be used), or when
    ///   an endpoint in it breaks the URL rules.
    static func fetch(
        issuer: RemoteURL,
        client: HTTPClient,
        timeout: Duration,
        maximumBytes: Int,
        failure: JWTAuthError.Code
    ) async throws(JWTAuthError) -> IssuerMetadata {
        let url = try Self.metadataURL(issuer: issuer)
        var request = HTTPClientRequest(url: url.string)
        request.headers.add(name: "Accept", value: "application/json")
        let answer = try await RemoteHTTP.fetch(
            request,
            client: client,
            timeout: timeout,
            maximumBytes: maximumBytes,
            what: "the issuer's metadata (\(url))",
            failure: failure
        )
        guard answer.status == 200 else {
            throw JWTAuthError(failure, "the issuer's metadata (\(url)) answered HTTP \(answer.status)")
        }
        let document: JSONValue
        do {
            document = try JSONValue(parsingBytes: answer.body)
        } catch {
            throw JWTAuthError(failure, "the issuer's metadata is not valid JSON: \(error.message)")
        }
        guard let members = document.objectValue else {
            throw JWTAuthError(failure, "the issuer's metadata is not a JSON object")
        }
        guard members["issuer"]?.stringValue == issuer.string else {
            throw JWTAuthError(failure, "the metadata at \(url) is for another issuer than \(issuer) (RFC 8414 §3.3)")
        }
        func endpoint(_ name: String) throws(JWTAuthError) -> RemoteURL? {
            guard let value = members[name] else { return nil }
            guard let text = value.stringValue else {
                throw JWTAuthError(failure, "the issuer's metadata member \(name) is not a string")
            }
            do {
                return try RemoteURL(text, purpose: "the issuer's \(name)")
            } catch {
                throw JWTAuthError(failure, error.message)
            }
        }
        return IssuerMetadata(
            jwksURL: try endpoint("jwks_uri"),
            tokenEndpoint: try endpoint("token_endpoint"),
            revocationFeedEndpoint: try endpoint("revocation_feed_endpoint")
        )
    }
}
