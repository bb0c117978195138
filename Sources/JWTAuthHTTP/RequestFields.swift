import HTTPTypes
import JWTAuth

/// The string fields of a request body: a JSON object, or `application/x-www-form-urlencoded`
/// (the OAuth endpoints). Both are read strictly — duplicate names, bad escapes and invalid
/// UTF-8 are a 400, an oversized body a 413 — so bad input never becomes a 5xx.
public struct RequestFields: Sendable {
    /// The largest body read (64 KiB).
    public static var maximumBodyBytes: Int { AuthHTTPRequest.maximumBodyBytes }

    /// The fields whose value is a string, by name.
    public private(set) var values: [String: String]

    /// Creates fields with these values.
    public init(_ values: [String: String]) {
        self.values = values
    }

    /// Reads the body of `request` as JSON or a form, by its `Content-Type`; with `form`, only
    /// as a form (the OAuth endpoints).
    public static func read(_ request: AuthHTTPRequest, form formOnly: Bool = false) throws -> RequestFields {
        try Self.parse(request.body, contentType: request.headers[.contentType] ?? "", form: formOnly)
    }

    /// The parameters of a query string (`a=1&b=2`, without the `?`), read as strictly as a form
    /// body: a parameter named twice is an error, not a choice.
    public static func query(_ query: String?) throws -> [String: String] {
        guard let query else { return [:] }
        return try Self.parseForm(Array(query.utf8))
    }

    /// The value of one query parameter, read leniently: nil when it is absent or does not
    /// decode, the first when it is repeated. For parameters where anything unusable means the
    /// same as none (the revocation feed's cursor).
    public static func queryValue(_ name: String, in query: String?) -> String? {
        guard let query else { return nil }
        for pair in query.utf8.split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard PercentDecoding.decode(parts[0], plusIsSpace: true) == name else { continue }
            return parts.count > 1 ? PercentDecoding.decode(parts[1], plusIsSpace: true) : ""
        }
        return nil
    }

    /// Parses a request body as ``read(_:form:)`` does, given its bytes and `Content-Type`.
    /// Every failure is an ``AuthHTTPError`` with a 4xx status.
    public static func parse(_ bytes: [UInt8], contentType: String, form formOnly: Bool) throws -> RequestFields {
        let contentType = contentType.lowercased()
        let looksLikeJSON = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) == UInt8(ascii: "{")
        // `curl -d '{…}'` labels JSON as a form; the JSON endpoints take it for what it is.
        if contentType.hasPrefix("application/x-www-form-urlencoded"), formOnly || !looksLikeJSON {
            return RequestFields(try Self.parseForm(bytes))
        }
        if formOnly {
            throw AuthHTTPError.invalidRequest("this endpoint takes application/x-www-form-urlencoded parameters")
        }
        guard
            contentType.isEmpty || contentType.hasPrefix("application/json") || contentType.hasSuffix("+json")
                || contentType.hasPrefix("application/x-www-form-urlencoded")
        else {
            throw AuthHTTPError(.unsupportedMediaType, error: "invalid_request", description: "send application/json")
        }
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return RequestFields([:])
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsingBytes: bytes)
        } catch {
            throw AuthHTTPError.invalidRequest("the body is not valid JSON: \(error.message)")
        }
        guard let object = json.objectValue else { throw AuthHTTPError.invalidRequest("the body must be a JSON object") }
        var fields = RequestFields([:])
        for (name, value) in object {
            switch value {
            case .string(let string): fields.values[name] = string
            case .null: continue
            // Reported only if the endpoint reads that field.
            default: fields.nonStringMembers.insert(name)
            }
        }
        return fields
    }

    private var nonStringMembers: Set<String> = []

    /// An optional field, at most `maxBytes` long.
    public func string(_ name: String, maxBytes: Int = 4096) throws -> String? {
        guard !self.nonStringMembers.contains(name) else { throw AuthHTTPError.invalidRequest("\(name) must be a string") }
        guard let value = self.values[name] else { return nil }
        guard value.utf8.count <= maxBytes else { throw AuthHTTPError.invalidRequest("\(name) is longer than \(maxBytes) bytes") }
        return value
    }

    /// A required, non-empty field, at most `maxBytes` long.
    public func required(_ name: String, maxBytes: Int = 4096) throws -> String {
        guard let value = try self.string(name, maxBytes: maxBytes), !value.isEmpty else {
            throw AuthHTTPError.invalidRequest("\(name) is required")
        }
        return value
    }

    /// Parses `a=1&b=2` strictly: percent escapes must be valid and decode to UTF-8, `+` is a
    /// space, and no name may appear twice (RFC 6749 §3.1).
    static func parseForm(_ bytes: [UInt8]) throws -> [String: String] {
        var values: [String: String] = [:]
        guard !bytes.isEmpty else { return values }
        for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try Self.percentDecode(parts[0])
            let value = parts.count > 1 ? try Self.percentDecode(parts[1]) : ""
            guard values.updateValue(value, forKey: name) == nil else {
                throw AuthHTTPError.invalidRequest("the parameter \(name) appears more than once")
            }
        }
        return values
    }

    private static func percentDecode(_ bytes: ArraySlice<UInt8>) throws -> String {
        guard let decoded = PercentDecoding.decode(bytes, plusIsSpace: true) else {
            throw AuthHTTPError.invalidRequest("the form body has an invalid percent escape or is not UTF-8")
        }
        return decoded
    }
}
