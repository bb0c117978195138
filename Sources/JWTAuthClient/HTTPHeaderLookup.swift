import Foundation

/// Case-insensitive header lookup shared by requests and responses: transports differ in how
/// they spell names (URLSession keeps the server's spelling, HTTP/2 stacks lower-case them).
enum HTTPHeaderLookup {
    static func value(of name: String, in headers: [String: String]) -> String? {
        if let exact = headers[name] { return exact }
        return headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}
