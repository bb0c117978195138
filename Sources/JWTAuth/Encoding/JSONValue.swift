/// A JSON value: claims that are not registered, JWK members, anything read with
/// ``JSONValue/init(parsing:)``.
///
/// Parsing is as strict as the JOSE reader: duplicate member names, invalid UTF-8, lone
/// surrogates and `NaN` are refused. Numbers that are integers within `Int64` stay exact.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The maximum nesting depth accepted by ``init(parsing:)``.
    public static let maximumDepth = 32

    /// Parses a JSON document.
    ///
    /// - Throws: ``JWTAuthError`` with code `malformed` when the text is not strict JSON.
    public init(parsing text: some StringProtocol) throws(JWTAuthError) {
        let bytes = Array(text.utf8)
        self = try Self(parsingBytes: bytes)
    }

    /// Parses a JSON document from UTF-8 bytes.
    ///
    /// - Throws: ``JWTAuthError`` with code `malformed` when the bytes are not strict JSON.
    public init(parsingBytes bytes: [UInt8]) throws(JWTAuthError) {
        let result: Result<JSONValue, JSONReader.Failure> = bytes.withUnsafeBytes { buffer in
            var reader = JSONReader(buffer, maxDepth: Self.maximumDepth)
            do throws(JSONReader.Failure) {
                return .success(try reader.readTree())
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .success(let value): self = value
        case .failure(let failure): throw .malformed("invalid JSON: \(failure)")
        }
    }

    /// The string, when this is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The members, when this is an object.
    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The elements, when this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The number as a `Double`, when this is a number.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// Compact JSON text with object members sorted by name.
    public var jsonString: String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
