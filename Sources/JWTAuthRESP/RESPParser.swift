package import NIOCore

/// Reads RESP2 and RESP3 values from bytes, one whole value at a time.
///
/// Pure and synchronous so every byte split of every type can be tested without a channel. A
/// value that has not fully arrived leaves the buffer untouched (`nil`); input that can never
/// become valid RESP, or that exceeds the limits, throws at once rather than waiting for more.
package struct RESPParser: Sendable {
    package struct Limits: Sendable, Hashable {
        /// Largest bulk string, blob error or verbatim string accepted (512 MiB is Redis's own
        /// ceiling; a session store never needs more than a few KiB).
        var maximumBulkLength = 64 * 1024 * 1024
        /// Deepest nesting of aggregates; a well-behaved server nests a handful of levels.
        var maximumDepth = 32
        /// Most elements in one array, set, push or map (map entries count twice).
        var maximumAggregateCount = 16 * 1024 * 1024
        /// Longest simple string, error, number or header line.
        var maximumLineLength = 64 * 1024
    }

    package let limits: Limits

    package init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Returns the next whole value and consumes its bytes, or `nil` (consuming nothing) when
    /// the buffer holds only part of one.
    package func parse(_ buffer: inout ByteBuffer) throws(RedisError) -> RESPValue? {
        let result: (RESPValue, Int)?
        do {
            result = try buffer.withUnsafeReadableBytes { bytes in
                var reader = Reader(bytes: bytes, limits: limits)
                guard let value = try reader.value(depth: 0) else { return nil }
                return (value, reader.offset)
            }
        } catch let error as RedisError {
            throw error
        } catch {
            throw .protocolError("\(error)")
        }
        guard let (value, consumed) = result else { return nil }
        buffer.moveReaderIndex(forwardBy: consumed)
        return value
    }
}

/// A cursor over the readable bytes; every method returns `nil` for "not enough bytes yet".
private struct Reader {
    let bytes: UnsafeRawBufferPointer
    let limits: RESPParser.Limits
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, limits: RESPParser.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")

    mutating func value(depth: Int) throws(RedisError) -> RESPValue? {
        // Attributes annotate the value that follows (key popularity and the like); nothing here
        // uses them, so they are read and dropped. A loop, not recursion: a hostile run of empty
        // attributes must not grow the stack.
        while offset < bytes.count, bytes[offset] == UInt8(ascii: "|") {
            offset += 1
            guard let count = try length(allowingNull: false) else { return nil }
            guard try map(count, depth: depth) != nil else { return nil }
        }
        guard offset < bytes.count else { return nil }
        let type = bytes[offset]
        offset += 1
        switch type {
        case UInt8(ascii: "+"):
            return try line().map { .simpleString(text($0)) }
        case UInt8(ascii: "-"):
            return try line().map { .error(text($0)) }
        case UInt8(ascii: ":"):
            guard let range = try line() else { return nil }
            return .integer(try integer(range, what: "integer"))
        case UInt8(ascii: "$"):
            guard let length = try length(allowingNull: true) else { return nil }
            guard length >= 0 else { return .bulkString(nil) }
            return try blob(length).map { .bulkString(Array(bytes[$0])) }
        case UInt8(ascii: "!"):
            guard let length = try length(allowingNull: false) else { return nil }
            return try blob(length).map { .error(text($0)) }
        case UInt8(ascii: "="):
            guard let length = try length(allowingNull: false) else { return nil }
            guard let range = try blob(length) else { return nil }
            // "txt:" or "mkd:" first: a three-letter format and a colon.
            guard range.count >= 4, bytes[range.lowerBound + 3] == UInt8(ascii: ":") else {
                throw .protocolError("a verbatim string has no format prefix")
            }
            return .verbatimString(text(range.lowerBound + 4..<range.upperBound))
        case UInt8(ascii: "*"):
            guard let count = try length(allowingNull: true) else { return nil }
            guard count >= 0 else { return .array(nil) }
            return try elements(count, depth: depth).map { .array($0) }
        case UInt8(ascii: "~"):
            guard let count = try length(allowingNull: false) else { return nil }
            return try elements(count, depth: depth).map { .set($0) }
        case UInt8(ascii: ">"):
            guard let count = try length(allowingNull: false) else { return nil }
            return try elements(count, depth: depth).map { .push($0) }
        case UInt8(ascii: "%"):
            guard let count = try length(allowingNull: false) else { return nil }
            return try map(count, depth: depth).map { .map($0) }
        case UInt8(ascii: "_"):
            guard let range = try line() else { return nil }
            guard range.isEmpty else { throw .protocolError("a RESP3 null carries data") }
            return .null
        case UInt8(ascii: "#"):
            guard let range = try line() else { return nil }
            guard range.count == 1 else { throw .protocolError("a RESP3 boolean is not t or f") }
            switch bytes[range.lowerBound] {
            case UInt8(ascii: "t"): return .boolean(true)
            case UInt8(ascii: "f"): return .boolean(false)
            default: throw .protocolError("a RESP3 boolean is not t or f")
            }
        case UInt8(ascii: ","):
            guard let range = try line() else { return nil }
            return .double(try double(range))
        case UInt8(ascii: "("):
            guard let range = try line() else { return nil }
            let digits = text(range)
            let body = digits.hasPrefix("-") || digits.hasPrefix("+") ? digits.dropFirst() : Substring(digits)
            guard !body.isEmpty, body.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw .protocolError("a RESP3 big number is not a decimal integer")
            }
            return .bigNumber(digits)
        default:
            throw .protocolError("unknown RESP type byte 0x\(String(type, radix: 16))")
        }
    }

    /// The range of the line starting at `offset`, without its CRLF; moves past the CRLF.
    private mutating func line() throws(RedisError) -> Range<Int>? {
        let start = offset
        // A CR at `start + maximumLineLength` still ends a line of the maximum length.
        let searchEnd = min(bytes.count, start + limits.maximumLineLength + 1)
        var index = start
        while index < searchEnd {
            if bytes[index] == Self.cr {
                guard index + 1 < bytes.count else { return nil }
                guard bytes[index + 1] == Self.lf else { throw .protocolError("a line ends in CR without LF") }
                offset = index + 2
                return start..<index
            }
            if bytes[index] == Self.lf { throw .protocolError("a line ends in LF without CR") }
            index += 1
        }
        if searchEnd == start + limits.maximumLineLength + 1 {
            throw .protocolError("a line is longer than \(limits.maximumLineLength) bytes")
        }
        return nil
    }

    /// A length header; -1 only where RESP2 spells null that way. `nil`: not all here yet.
    private mutating func length(allowingNull: Bool) throws(RedisError) -> Int? {
        guard let range = try line() else { return nil }
        if range.count == 1, bytes[range.lowerBound] == UInt8(ascii: "?") {
            throw .protocolError("streamed RESP3 strings and aggregates are not supported")
        }
        let value = try integer(range, what: "length")
        if value == -1, allowingNull { return -1 }
        guard value >= 0 else { throw .protocolError("a negative length \(value)") }
        guard value <= Int64(Int32.max) else { throw .protocolError("a length of \(value) is over the limit") }
        return Int(value)
    }

    /// The payload of a bulk-like value of `length` bytes and its trailing CRLF.
    private mutating func blob(_ length: Int) throws(RedisError) -> Range<Int>? {
        guard length <= limits.maximumBulkLength else {
            throw .protocolError("a bulk string of \(length) bytes is over the \(limits.maximumBulkLength)-byte limit")
        }
        let end = offset + length
        guard end + 2 <= bytes.count else { return nil }
        guard bytes[end] == Self.cr, bytes[end + 1] == Self.lf else {
            throw .protocolError("a bulk string is not followed by CRLF")
        }
        let range = offset..<end
        offset = end + 2
        return range
    }

    private mutating func elements(_ count: Int, depth: Int) throws(RedisError) -> [RESPValue]? {
        try checkAggregate(count, depth: depth)
        // Each element takes at least three bytes ("_\r\n"): a count the buffer cannot hold yet
        // is simply incomplete, and never drives a huge allocation.
        guard count <= (bytes.count - offset) / 3 else { return nil }
        var result: [RESPValue] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard let element = try value(depth: depth + 1) else { return nil }
            result.append(element)
        }
        return result
    }

    private mutating func map(_ count: Int, depth: Int) throws(RedisError) -> [RESPValue: RESPValue]? {
        guard count <= limits.maximumAggregateCount / 2 else {
            throw .protocolError("a map of \(count) entries is over the limit")
        }
        try checkAggregate(count * 2, depth: depth)
        guard count <= (bytes.count - offset) / 6 else { return nil }
        var result: [RESPValue: RESPValue] = [:]
        result.reserveCapacity(count)
        for _ in 0..<count {
            guard let key = try value(depth: depth + 1), let value = try value(depth: depth + 1) else { return nil }
            result[key] = value
        }
        return result
    }

    private func checkAggregate(_ count: Int, depth: Int) throws(RedisError) {
        guard depth < limits.maximumDepth else {
            throw .protocolError("aggregates are nested deeper than \(limits.maximumDepth) levels")
        }
        guard count <= limits.maximumAggregateCount else {
            throw .protocolError("an aggregate of \(count) elements is over the \(limits.maximumAggregateCount)-element limit")
        }
    }

    private func integer(_ range: Range<Int>, what: String) throws(RedisError) -> Int64 {
        guard let value = Int64(text(range)) else { throw .protocolError("a RESP \(what) is not a 64-bit decimal integer") }
        return value
    }

    private func double(_ range: Range<Int>) throws(RedisError) -> Double {
        let spelled = text(range)
        switch spelled {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "-nan": return .nan
        default: break
        }
        // Swift's parser also takes hex floats and "infinity"; RESP3 allows only decimal.
        guard !spelled.isEmpty,
            spelled.utf8.allSatisfy({ byte in
                (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
                    || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
            }),
            let value = Double(spelled)
        else { throw .protocolError("a RESP3 double is not a decimal number") }
        return value
    }

    private func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
