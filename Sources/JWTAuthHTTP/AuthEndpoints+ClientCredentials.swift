import HTTPTypes
import JWTAuth

extension AuthEndpoints {
    /// The client-credentials grant (RFC 6749 §4.4): the client authenticates with HTTP Basic
    /// (`client_secret_basic`) or with `client_id` and `client_secret` in the form
    /// (`client_secret_post`), never both, and gets an access token for the scopes it asks for.
    func clientCredentials(_ request: AuthHTTPRequest, _ fields: RequestFields, clients: ClientManager) async throws -> AuthHTTPResponse {
        var authorization: String? = nil
        for field in request.headers where field.name == .authorization {
            guard authorization == nil else { throw AuthHTTPError.invalidRequest("send one Authorization header") }
            authorization = field.value
        }
        let basic: ClientCredentials?
        do {
            basic = try authorization.flatMap { (header) throws(JWTAuthError) in try ClientCredentials(authorization: header) }
        } catch {
            throw AuthHTTPError(error)
        }
        let formID = try fields.string("client_id", maxBytes: 256)
        let formSecret = try fields.string("client_secret", maxBytes: 1024)
        let credentials: ClientCredentials
        if let basic {
            // RFC 6749 §2.3: one authentication method per request. A client_id that repeats
            // the Basic one is harmless (some libraries send both).
            guard formSecret == nil, formID == nil || formID == basic.clientID else {
                throw AuthHTTPError.invalidRequest("authenticate with HTTP Basic or with client_id and client_secret, not both")
            }
            credentials = basic
        } else if let formID, let formSecret, !formID.isEmpty, !formSecret.isEmpty {
            credentials = ClientCredentials(clientID: formID, secret: formSecret)
        } else {
            throw AuthHTTPError(JWTAuthError(.invalidClient, "client authentication is required: HTTP Basic, or client_id and client_secret"))
        }
        let scope = try fields.string("scope", maxBytes: 4096)
        do {
            return .tokens(try await clients.issueToken(for: credentials, scope: scope))
        } catch let error as JWTAuthError {
            throw AuthHTTPError(error)
        }
    }
}
