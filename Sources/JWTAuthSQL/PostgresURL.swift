import JWTAuth

/// `postgres://user:password@host:port/database?sslmode=disable|prefer|require`, parsed
/// without Foundation. The password is never part of a description.
struct PostgresURL: Sendable, CustomStringConvertible {
    enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String?
    var tls: TLSMode

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
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            if parts[0] == "sslmode" {
                guard let mode = TLSMode(rawValue: String(parts[1])) else {
                    throw JWTAuthError.invalidURL("sslmode is disable, prefer or require")
                }
                self.tls = mode
            }
        }
    }

    var description: String {
        "postgres://\(self.username)\(self.password == nil ? "" : ":***")@\(self.host):\(self.port)/\(self.database ?? "")"
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
