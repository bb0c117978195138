public import Hummingbird
public import JWTAuth
import JWTAuthHTTP
import NIOCore

/// JSON responses written with JWTAuth's own compact writer (sorted members, no Foundation):
/// the Hummingbird form of ``AuthHTTPResponse``'s JSON responses.
public enum JSONResponse {
    /// A response whose body is a JSON object with these members.
    public static func make(_ status: HTTPResponse.Status, _ members: [String: JSONValue], headers: HTTPFields = [:]) -> Response {
        Self.response(.json(status, members, headers: headers))
    }

    /// A response whose body is `value` as JSON, with `Content-Type: application/json; charset=utf-8`.
    public static func make(_ status: HTTPResponse.Status, _ value: JSONValue, headers: HTTPFields = [:]) -> Response {
        Self.response(.json(status, value, headers: headers))
    }

    /// A token response (RFC 6749 §5.1), never cached.
    public static func tokens(_ tokens: TokenResponse) -> Response {
        Self.response(.tokens(tokens))
    }

    /// A client-credentials token response (RFC 6749 §4.4.3: no refresh token), never cached.
    public static func tokens(_ tokens: ClientTokenResponse) -> Response {
        Self.response(.tokens(tokens))
    }

    /// Who an access token belongs to — the body of `GET /api/me` — never cached.
    public static func identity(_ identity: AccessToken) -> Response {
        Self.response(.identity(identity))
    }

    private static func response(_ response: AuthHTTPResponse) -> Response {
        guard case .bytes(let bytes) = response.body else { preconditionFailure("JSON responses have complete bodies") }
        return Response(status: response.status, headers: response.headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
