// URLSession lives in FoundationNetworking on Linux and in Foundation on Apple platforms.
#if canImport(FoundationNetworking)
import Foundation
import FoundationNetworking
#else
import Foundation
#endif

/// Refuses cross-origin redirects of requests that carry credentials: an `Authorization`
/// header, or a body — the login, refresh and logout requests carry the password or the refresh
/// token there, and a 307/308 would replay that body to the new origin.
final class RedirectGuard: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        let original = task.originalRequest
        let carriesCredentials =
            original?.value(forHTTPHeaderField: "Authorization") != nil
            || original?.httpBody != nil
            || (original?.httpMethod).map { !["GET", "HEAD"].contains($0.uppercased()) } ?? true
        let sameOrigin = original?.url.map(Self.origin(of:)) == request.url.map(Self.origin(of:))
        completionHandler(carriesCredentials && !sameOrigin ? nil : request)
    }

    private static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}
