public import HTTPTypes
public import JWTAuth
import JWTAuthRemote

/// What the gateway does to headers on their way through: identity headers are the gateway's
/// alone, hop-by-hop headers stay on their hop, and the upstream learns who the caller was.
public enum ProxyHeaders {
    /// The prefix of the identity headers the gateway sets. Every incoming header with it is
    /// removed first, so a caller can never claim an identity by sending one.
    public static let identityPrefix = "x-auth-"

    /// The identity headers of a verified token.
    public static let subject = Self.name("X-Auth-Subject")
    /// The session id (absent for a client's own token).
    public static let session = Self.name("X-Auth-Session")
    /// The `client_id`.
    public static let client = Self.name("X-Auth-Client")
    /// The roles, comma-separated.
    public static let roles = Self.name("X-Auth-Roles")
    /// The scope, space-separated as in the token.
    public static let scope = Self.name("X-Auth-Scope")

    /// HTTP/1's `Host`. The first one becomes the request's authority; one left among the
    /// fields is a second `Host`, which the gateway refuses and never forwards.
    public static let host = Self.name("Host")

    static let forwarded = Self.name("Forwarded")
    static let forwardedFor = Self.name("X-Forwarded-For")
    static let forwardedProto = Self.name("X-Forwarded-Proto")
    static let forwardedHost = Self.name("X-Forwarded-Host")
    static let keepAlive = Self.name("Keep-Alive")
    static let proxyConnection = Self.name("Proxy-Connection")
    static let te = Self.name("TE")
    static let trailer = Self.name("Trailer")

    /// Hop-by-hop headers (RFC 9110 §7.6.1), which a proxy never forwards.
    static let hopByHop: Set<HTTPField.Name> = [
        .connection, keepAlive, proxyConnection, .proxyAuthenticate, .proxyAuthorization, te, trailer,
        .transferEncoding, .upgrade,
    ]

    /// The headers to send upstream: the caller's, without hop-by-hop headers (and those the
    /// caller's `Connection` names), without any `X-Auth-*`, `Forwarded` or `Host` (the HTTP
    /// client sets the upstream's); then the verified identity and the `X-Forwarded-*` headers.
    ///
    /// - Parameters:
    ///   - incoming: The caller's request headers.
    ///   - identity: The verified token, or nil on a public path.
    ///   - clientAddress: The caller's address, appended to `X-Forwarded-For`.
    ///   - host: The `Host` (or `:authority`) the caller asked for.
    public static func upstreamRequest(_ incoming: HTTPFields, identity: AccessToken?, clientAddress: String?, host: String?) -> HTTPFields {
        var fields = Self.withoutHopByHop(incoming)
        // A Host among the fields would become the upstream's Host (the HTTP client then adds
        // none of its own): the caller would choose the virtual host behind the gateway.
        fields.removeAll { Self.isIdentity($0.name) || $0.name == Self.forwarded || $0.name == Self.host }
        if let identity {
            fields[Self.subject] = identity.userID
            if let session = identity.sessionID { fields[Self.session] = session }
            fields[Self.client] = identity.clientID
            fields[Self.roles] = identity.roles.joined(separator: ",")
            fields[Self.scope] = identity.scopes.joined(separator: " ")
        }
        if let clientAddress {
            // Appended to what earlier proxies wrote (RFC 7239's X- predecessor): the upstream
            // decides how many hops it trusts.
            let earlier = fields[values: Self.forwardedFor].joined(separator: ", ")
            fields[Self.forwardedFor] = earlier.isEmpty ? clientAddress : earlier + ", " + clientAddress
        }
        // The caller's own values could point the upstream's links and redirects anywhere.
        fields[Self.forwardedProto] = "http"
        if let host { fields[Self.forwardedHost] = host } else { fields[Self.forwardedHost] = nil }
        return fields
    }

    /// The headers to send back to the caller: the upstream's, without hop-by-hop headers.
    public static func downstreamResponse(_ incoming: HTTPFields) -> HTTPFields {
        Self.withoutHopByHop(incoming)
    }

    /// True for a name that starts with `X-Auth-` in any letter case, with `_` for any `-`.
    static func isIdentity(_ name: HTTPField.Name) -> Bool {
        // `canonicalName` is lower case; CGI, PHP and Rack turn `-` and `_` into the same thing.
        let folded = name.canonicalName.utf8.prefix(Self.identityPrefix.utf8.count).map { $0 == UInt8(ascii: "_") ? UInt8(ascii: "-") : $0 }
        return folded.elementsEqual(Self.identityPrefix.utf8)
    }

    static func withoutHopByHop(_ incoming: HTTPFields) -> HTTPFields {
        // Headers a `Connection` header names are hop-by-hop too (RFC 9110 §7.6.1).
        var named: Set<String> = []
        for value in incoming[values: .connection] {
            for token in value.split(separator: ",") {
                let name = token.trimmingASCIISpaces().lowercased()
                if !name.isEmpty { named.insert(name) }
            }
        }
        var fields = incoming
        fields.removeAll { Self.hopByHop.contains($0.name) || named.contains($0.name.canonicalName) }
        return fields
    }
}

extension ProxyHeaders {
    /// A header name from a literal that is known to be valid.
    static func name(_ literal: String) -> HTTPField.Name {
        guard let name = HTTPField.Name(literal) else { preconditionFailure("\(literal) is not a valid header name") }
        return name
    }
}
