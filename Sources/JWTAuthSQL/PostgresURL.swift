import JWTAuth

/// `postgres://user:password@host:port/database?sslmode=…&sslrootcert=FILE`, parsed without
/// Foundation. The password is never part of a description.
///
/// `sslmode` follows libpq: `disable` (plain), `prefer` (TLS when the server offers it, the
/// default), `require` (TLS, the certificate not checked — unless `sslrootcert` is given, which
/// makes it `verify-ca` as in libpq), `verify-ca` (the chain must lead to `sslrootcert`, or the
/// system's roots), `verify-full` (that, and the certificate must name the host).
struct PostgresURL: Sendable, CustomStringConvertible {
    enum TLSMode: String, Sendable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var tls: TLSMode
    /// A PEM file of the certificate authorities the server's certificate must chain to.
    var rootCertificateFile: String?

    init(_ url: String) throws {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { url.hasPrefix($0) }) else {
            throw JWTAuthError.invalidURL("a PostgreSQL URL starts with postgres://")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var credentials: Substring? = nil
        if let at = rest.lastIndex(of: "@") {
            credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
        }
        var database: String? = nil
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            database = name.isEmpty ? nil : try Self.decode(name)
            rest = rest[..<slash]
        }
        // host, host:port, [v6]:port
        var host = rest
        var port = 5432
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()), (1...65535).contains(value) else { throw JWTAuthError.invalidURL("bad port") }
                port = value
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let value = Int(rest[rest.index(after: colon)...]), (1...65535).contains(value) else {
                throw JWTAuthError.invalidURL("bad port in the PostgreSQL URL")
            }
            port = value
        }
        guard !host.isEmpty else { throw JWTAuthError.invalidURL("the PostgreSQL URL has no host") }
        self.host = String(host)
        self.port = port
        self.database = database
        if let credentials {
            if let colon = credentials.firstIndex(of: ":") {
                self.username = try Self.decode(credentials[..<colon])
                self.password = try Self.decode(credentials[credentials.index(after: colon)...])
            } else {
                self.username = try Self.decode(credentials)
                self.password = nil
            }
        } else {
            self.username = "postgres"
            self.password = nil
        }
        self.tls = .prefer
        self.rootCertificateFile = nil
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "sslmode":
                guard let mode = TLSMode(rawValue: String(parts[1])) else {
                    throw JWTAuthError.invalidURL("sslmode is disable, prefer, require, verify-ca or verify-full")
                }
                self.tls = mode
            case "sslrootcert":
                self.rootCertificateFile = try Self.decode(parts[1])
            default:
                continue
            }
        }
        if self.rootCertificateFile != nil, self.tls == .disable {
            throw JWTAuthError.invalidURL("sslrootcert needs TLS: sslmode require, verify-ca or verify-full")
        }
        // As libpq: with a root certificate, `require` checks the chain.
        if self.rootCertificateFile != nil, self.tls == .require { self.tls = .verifyCA }
    }

    var description: String {
        let query = self.tls == .prefer ? "" : "?sslmode=\(self.tls.rawValue)"
        return "postgres://\(self.username)\(self.password == nil ? "" : ":***")@\(self.host):\(self.port)/\(self.database ?? "")\(query)"
    }

    private static func decode(_ text: Substring) throws -> String {
        guard let decoded = PercentDecoding.decode(text.utf8) else {
            throw JWTAuthError.invalidURL("bad percent escape in the PostgreSQL URL, or not UTF-8")
        }
        return decoded
    }
}

extension JWTAuthError {
    static func invalidURL(_ message: String) -> JWTAuthError {
        JWTAuthError(.invalidInput, message)
    }
}
