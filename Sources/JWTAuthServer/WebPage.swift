import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdJWTAuth
import NIOCore

/// The sign-in page at `/`: static HTML, CSS and JavaScript shipped as package resources, under
/// a Content-Security-Policy that allows nothing but this origin's own script, styles and API
/// (no inline script, no eval, no third parties, no framing).
struct WebPage: Sendable {
    struct Asset: Sendable {
        var contentType: String
        var body: ByteBuffer
    }

    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    let assets: [String: Asset]

    /// Reads the page's files from the bundle; a missing file is simply not served.
    init() {
        var assets: [String: Asset] = [:]
        for (path, name, type) in [
            ("/", "index.html", "text/html; charset=utf-8"),
            ("/app.css", "app.css", "text/css; charset=utf-8"),
            ("/app.js", "app.js", "text/javascript; charset=utf-8"),
        ] {
            let parts = name.split(separator: ".")
            guard let url = Bundle.module.url(forResource: String(parts[0]), withExtension: String(parts[1]), subdirectory: "Web"),
                let data = try? Data(contentsOf: url)
            else { continue }
            assets[path] = Asset(contentType: type, body: ByteBuffer(bytes: data))
        }
        self.assets = assets
    }

    /// Headers of every page response.
    static let headers: HTTPFields = {
        var headers: HTTPFields = [
            .contentSecurityPolicy: Self.contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            .cacheControl: "no-cache",
        ]
        for (name, value) in [("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY")] {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        return headers
    }()

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        for (path, asset) in self.assets {
            router.get(RouterPath(stringLiteral: path)) { _, _ in
                var headers = Self.headers
                headers[.contentType] = asset.contentType
                return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: asset.body))
            }
        }
    }
}
