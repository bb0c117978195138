import JWTAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A URL this module may send requests to: `https`, or plain `http` to a loopback host only
/// (127.0.0.0/8, `::1`, `localhost`), where nothing crosses a network. Keys fetched or tokens
/// sent over plain HTTP anywhere else could be swapped or read on the way.
struct RemoteURL: Sendable, Hashable, CustomStringConvertible {
    /// The URL as given, sent as it is.
    let string: String
    /// True for a loopback host.
    let isLoopback: Bool

    /// Checks `text` as a URL of `purpose` (named in the error, e.g. "the JWKS URL").
    ///
    /// - Throws: `invalid_input` for anything that is not an absolute `https` URL (or `http` to
    ///   a loopback host), or that carries credentials or a fragment.
    init(_ text: String, purpose: String) throws(JWTAuthError) {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw JWTAuthError(.invalidInput, "\(purpose) is not an absolute URL")
        }
        guard scheme == "https" || scheme == "http" else {
            throw JWTAuthError(.invalidInput, "\(purpose) must be an https URL")
        }
        guard let rawHost = url.host, !rawHost.isEmpty else {
            throw JWTAuthError(.invalidInput, "\(purpose) has no host")
        }
        guard url.user == nil, url.password == nil else {
            throw JWTAuthError(.invalidInput, "\(purpose) must not carry credentials")
        }
        guard url.fragment == nil else {
            throw JWTAuthError(.invalidInput, "\(purpose) must not have a fragment")
        }
        let loopback = Self.isLoopbackHost(rawHost)
        guard scheme == "https" || loopback else {
            throw JWTAuthError(.invalidInput, "\(purpose) must use https (plain http is allowed only for loopback hosts)")
        }
        self.string = text
        self.isLoopback = loopback
    }

    var description: String { self.string }

    /// `localhost`, an IPv4 address in 127.0.0.0/8, or `::1`. Anything a resolver might map
    /// elsewhere (`localhost.example`, `127.1`) is not loopback here.
    static func isLoopbackHost(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "127" else { return false }
        return parts.dropFirst().allSatisfy { part in
            part.count <= 3 && !part.isEmpty && part.allSatisfy(\.isASCIIDigit) && Int(part).map { $0 <= 255 } == true
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self >= "0" && self <= "9" }
}
