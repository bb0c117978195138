extension RESPValue {
    /// The text of a simple, bulk or verbatim string (bulk bytes decoded as UTF-8, invalid
    /// sequences replaced); `nil` for any other value, including null.
    package var string: String? {
        switch self {
        case .simpleString(let text), .verbatimString(let text): text
        case .bulkString(let bytes?): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The raw bytes of a simple, bulk or verbatim string, for binary-safe values.
    package var bytes: [UInt8]? {
        switch self {
        case .bulkString(let bytes?): bytes
        case .simpleString(let text), .verbatimString(let text): Array(text.utf8)
        default: nil
        }
    }

    /// An integer reply, or a string reply that spells a decimal integer (Redis keeps counters
    /// as strings, so `GET` of an `INCR`ed key answers `$1 5`).
    package var int: Int64? {
        switch self {
        case .integer(let value): value
        case .simpleString, .bulkString, .verbatimString: string.flatMap { Int64($0) }
        default: nil
        }
    }

    /// The elements of an array, set or push; `nil` for a null array or any other value.
    package var array: [RESPValue]? {
        switch self {
        case .array(let elements?), .set(let elements), .push(let elements): elements
        default: nil
        }
    }

    /// A field-value reply (`HGETALL`, `CONFIG GET`, `HELLO`) as a dictionary keyed by text,
    /// whichever protocol sent it: RESP3 answers with a map, RESP2 with a flat array of
    /// alternating fields and values. `nil` for anything else, including an odd-length array.
    /// An empty reply (a missing hash) is an empty dictionary.
    package var fieldMap: [String: RESPValue]? {
        switch self {
        case .map(let entries):
            var result: [String: RESPValue] = [:]
            for (key, value) in entries {
                guard let field = key.string else { return nil }
                result[field] = value
            }
            return result
        case .array(let elements?) where elements.count.isMultiple(of: 2):
            var result: [String: RESPValue] = [:]
            for index in stride(from: 0, to: elements.count, by: 2) {
                guard let field = elements[index].string else { return nil }
                result[field] = elements[index + 1]
            }
            return result
        default:
            return nil
        }
    }

    /// RESP3 null, the null bulk string and the null array: the three spellings of "nothing".
    package var isNull: Bool {
        switch self {
        case .null, .bulkString(nil), .array(nil): true
        default: false
        }
    }

    /// The text of an error reply.
    package var errorMessage: String? {
        if case .error(let message) = self { message } else { nil }
    }
}
