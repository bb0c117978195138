public import Foundation

/// An HTTP request as a plain value: method, absolute URL, header fields and body.
///
/// Header names are case-insensitive (RFC 9110); use ``setValue(_:forHTTPHeaderField:)`` and
/// ``value(forHTTPHeaderField:)`` rather than the dictionary to stay independent of how a name
/// was spelled.
public struct HTTPRequestData: Sendable, Hashable {
    /// The method, such as `GET` or `POST`.
    public var method: String
    /// The absolute URL the request goes to.
    public var url: URL
    /// Header fields, one value per name (repeated fields joined with `", "`).
    public var headers: [String: String]
    /// The body, or `nil` for none.
    public var body: Data?

    /// Creates a request.
    ///
    /// - Parameters:
    ///   - method: The method; `GET` by default.
    ///   - url: The absolute URL.
    ///   - headers: Header fields.
    ///   - body: The body, or `nil` for none.
    public init(method: String = "GET", url: URL, headers: [String: String] = [:], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of the header field `name`, compared case-insensitively.
    public func value(forHTTPHeaderField name: String) -> String? {
        HTTPHeaderLookup.value(of: name, in: self.headers)
    }

    /// Sets (or, with `nil`, removes) the header field `name`, replacing it however it was spelled.
    public mutating func setValue(_ value: String?, forHTTPHeaderField name: String) {
        for key in self.headers.keys where key.caseInsensitiveCompare(name) == .orderedSame {
            self.headers[key] = nil
        }
        if let value { self.headers[name] = value }
    }
}
