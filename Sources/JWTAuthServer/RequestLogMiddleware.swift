import Hummingbird
import HummingbirdJWTAuth
import JWTAuth
import Logging

/// One log line per request: method, path, status, duration and client (behind a trusted
/// proxy, the client it forwarded). Never the query string, headers or body, where tokens and
/// passwords travel.
struct RequestLogMiddleware<Context: JWTAuthRequestContext>: RouterMiddleware {
    let logger: Logger
    var trustedProxies: TrustedProxies = .none

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            self.log(request, status: response.status.code, start: start, context: context)
            return response
        } catch let error as any HTTPResponseError {
            self.log(request, status: error.status.code, start: start, context: context)
            throw error
        } catch {
            self.log(request, status: 500, start: start, context: context)
            throw error
        }
    }

    private func log(_ request: Request, status: Int, start: ContinuousClock.Instant, context: Context) {
        let elapsed = ContinuousClock.now - start
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        self.logger.info(
            "request",
            metadata: [
                "method": "\(request.method.rawValue)",
                "path": "\(request.uri.path)",
                "status": "\(status)",
                "ms": "\((milliseconds * 10).rounded() / 10)",
                "client": "\(self.trustedProxies.clientAddress(of: request, peer: context.clientAddress) ?? "-")",
            ]
        )
    }
}
