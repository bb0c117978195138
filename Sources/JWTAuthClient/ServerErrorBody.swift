import Foundation

/// An error reply of the token server or a resource server:
/// `{"error": "…", "error_description": "…"}` (RFC 6749 §5.2, RFC 6750 §3).
struct ServerErrorBody: Sendable, Decodable {
    var error: String?
    var errorDescription: String?

    enum CodingKeys: String, CodingKey {
        case error
        case errorDescription = "error_description"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.error = try? container.decode(String.self, forKey: .error)
        self.errorDescription = try? container.decode(String.self, forKey: .errorDescription)
    }

    /// The body of `response`, empty when it is not such an object.
    init(_ response: HTTPResponseData) {
        self = (try? JSONDecoder().decode(ServerErrorBody.self, from: response.body)) ?? ServerErrorBody()
    }

    private init() {}

    /// Whether `response` refuses the access token it was sent with: a 401 whose
    /// `WWW-Authenticate` challenge or body says `invalid_token`. Only that answer is worth a
    /// refresh; a 401 without it (no token seen) or a 403 (missing role) would fail again.
    static func refusesAccessToken(_ response: HTTPResponseData) -> Bool {
        guard response.status == 401 else { return false }
        if let challenge = response.value(forHTTPHeaderField: "WWW-Authenticate")?.lowercased(),
            challenge.contains("error=\"invalid_token\"") || challenge.contains("error=invalid_token")
        {
            return true
        }
        return ServerErrorBody(response).error == "invalid_token"
    }
}
