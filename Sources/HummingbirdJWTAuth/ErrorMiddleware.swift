public import Hummingbird
import JWTAuth
public import Logging
import NIOCore

/// The outermost middleware: every failure leaves as a JSON error.
///
/// Hummingbird answers errors that are not `HTTPResponseError`s with an empty 500; here core
/// errors get their HTTP status, an oversized body its 413, and anything unexpected a logged
/// `server_error` (never the underlying message, which might hold input).
public struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    /// Creates the middleware; unexpected errors are logged to `logger`, `context` only names the
    /// request context type.
    public init(logger: Logger, context: Context.Type = Context.self) {
        self.logger = logger
    }

    /// Runs the rest of the chain and turns its failures into JSON errors.
    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as AuthHTTPError {
            throw error
        } catch let error as JWTAuthError {
            throw AuthHTTPError(error)
        } catch is NIOTooManyBytesError {
            throw AuthHTTPError(.contentTooLarge, error: "invalid_request", description: "the request body is too large")
        } catch let error as HTTPError {
            // Hummingbird's own (404, 400 from a bad parameter): same JSON shape.
            throw AuthHTTPError(
                error.status,
                error: error.status == .notFound ? "not_found" : "invalid_request",
                description: error.body ?? error.status.reasonPhrase
            )
        } catch let error as any HTTPResponseError {
            throw error
        } catch {
            self.logger.error("unexpected error", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: type(of: error)))"])
            throw AuthHTTPError(.internalServerError, error: "server_error", description: "the server failed to handle the request")
        }
    }
}
