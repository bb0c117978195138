import HTTPTypes
public import Hummingbird
public import JWTAuth

extension TrustedProxies {
    /// The client that sent `request`, which arrived over a connection from `peer`: `peer`
    /// unless it is a trusted proxy, else what `X-Forwarded-For` says (see
    /// ``clientAddress(peer:forwardedFor:)``).
    public func clientAddress(of request: Request, peer: String?) -> String? {
        guard !self.isEmpty else { return peer }
        return self.clientAddress(peer: peer, forwardedFor: request.headers[values: forwardedForField])
    }
}

/// `X-Forwarded-For` (a valid field name: the fallback is never taken).
private let forwardedForField = HTTPField.Name("X-Forwarded-For") ?? .via
