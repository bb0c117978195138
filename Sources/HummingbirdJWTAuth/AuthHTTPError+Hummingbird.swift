public import Hummingbird
public import JWTAuthHTTP

extension AuthHTTPError: HTTPResponseError {
    /// The JSON error response, marked `Cache-Control: no-store`.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        self.response.response(for: request)
    }
}
