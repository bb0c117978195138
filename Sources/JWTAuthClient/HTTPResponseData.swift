public import Foundation

/// An HTTP response as a plain value: status code, header fields and body.
public struct HTTPResponseData: Sendable, Hashable {
    /// The status code, such as 200 or 401.
    public var status: Int
    /// Header fields, one value per name (repeated fields joined with `", "`).
    public var headers: [String: String]
    /// The body; empty when there was none.
    public var body: Data

    /// Creates a response.
    public init(status: Int, headers: [String: String] = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of the header field `name`, compared case-insensitively.
    public func value(forHTTPHeaderField name: String) -> String? {
        HTTPHeaderLookup.value(of: name, in: self.headers)
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(self.status) }
}
