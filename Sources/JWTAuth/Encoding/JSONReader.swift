/// A strict, allocation-light JSON reader (RFC 8259) for JOSE headers, claims sets and JWKs.
///
/// Why not `JSONDecoder`: it accepts duplicate member names (the last one wins, which lets an
/// attacker hide a second `alg`), it is the dominant cost of a token verification, and it
/// allocates a container per value. This reader validates the whole document in one pass over
/// borrowed bytes — grammar, UTF-8, escapes, surrogate pairs, nesting depth and duplicate
/// member names at every level — and only hands out byte ranges. Strings and numbers are
/// materialized by the caller, and only for the members it cares about.
struct JSONReader {
    /// Why a document was refused. Mapped to `malformed` by the JOSE layer.
    enum Failure: Error, CustomStringConvertible {
        case syntax(String)
        case invalidUTF8
        case duplicateMember
        case tooDeep
        case notAnObject

        var description: String {
            switch self {
            case .syntax(let detail): return detail
            case .invalidUTF8: return "invalid UTF-8"
            case .duplicateMember: return "duplicate member name"
            case .tooDeep: return "nesting too deep"
            case .notAnObject: return "not a JSON object"
            }
        }
    }

    /// A string's contents (between the quotes) in the input.
    struct StringRef {
        var start: Int
        var end: Int
        /// True when the contents contain a backslash escape and must be unescaped before use.
        var hasEscapes: Bool
    }

    /// A member name, with its first sixteen unescaped bytes packed little-endian, so callers
    /// recognise names by comparing two integers and duplicates are found without comparing
    /// bytes (names up to 16 bytes are equal exactly when their words and lengths are).
    struct MemberName {
        var ref: StringRef
        /// The length of the unescaped name.
        var length: Int
        /// Bytes 0..<8 and 8..<16 of the unescaped name, zero-padded.
        var word0: UInt64
        var word1: UInt64

        init(_ ref: StringRef, in bytes: UnsafeRawBufferPointer) {
            self.ref = ref
            if ref.hasEscapes {
                let unescaped = JSONReader.unescapedBytes(ref, in: bytes)
                self.length = unescaped.count
                (self.word0, self.word1) = unescaped.withUnsafeBytes { Self.pack($0, 0, unescaped.count) }
            } else {
                self.length = ref.end - ref.start
                (self.word0, self.word1) = Self.pack(bytes, ref.start, ref.end)
            }
        }

        @inline(__always)
        static func pack(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> (UInt64, UInt64) {
            var word0: UInt64 = 0
            var word1: UInt64 = 0
            let count = end - start
            if count >= 8 {
                word0 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self))
            } else if start + 8 <= bytes.count {
                // Short name with at least 8 readable bytes: load them and keep the name's.
                let loaded = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self))
                word0 = loaded & ((1 &<< UInt64(count &* 8)) &- 1)
            } else {
                for offset in 0..<count { word0 |= UInt64(bytes[start + offset]) << (offset * 8) }
            }
            if count >= 16 {
                word1 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self))
            } else if count > 8 {
                for offset in 8..<count { word1 |= UInt64(bytes[start + offset]) << ((offset - 8) * 8) }
            }
            return (word0, word1)
        }
    }

    /// A byte range in the input. (A plain struct rather than `Range<Int>`: values are built
    /// for every member of every token, and this keeps generic metadata out of the hot path.)
    struct Span {
        var start: Int
        var end: Int
        var count: Int { self.end - self.start }
    }

    /// A value found as a member of the top-level object.
    enum Value {
        case object(Span)
        case array(Span)
        case string(StringRef)
        case number(Span)
        case bool(Bool)
        case null
        /// `NaN`, `Infinity` or `-Infinity`: not JSON, but some encoders emit them. Only reported
        /// for top-level members when the caller asks, so a numeric-date claim holding one can
        /// be named as an invalid claim; anywhere else it is a syntax error.
        case nonFinite
    }

    let bytes: UnsafeRawBufferPointer
    let maxDepth: Int
    private(set) var index = 0

    init(_ bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    // MARK: - Entry points

    /// Validates a document that must be one JSON object and calls `member` for each of its
    /// members, in order. Nested values are validated but not reported.
    mutating func readObject(
        allowingNonFiniteMembers: Bool = false,
        _ member: (MemberName, Value) -> Void
    ) throws(Failure) {
        self.skipWhitespace()
        guard self.peek() == UInt8(ascii: "{") else {
            if self.index >= self.bytes.count { throw .syntax("empty document") }
            throw .notAnObject
        }
        try self.scanObject(depth: 1, allowingNonFinite: allowingNonFiniteMembers, member)
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw .syntax("data after the JSON value") }
    }

    /// Parses a whole document into a ``JSONValue`` tree, with the same strictness.
    /// The strings of a document that is an array of strings, or nil when it is any other
    /// JSON value or an array holding anything else. (Reads claim arrays such as `roles` and
    /// `aud` in place, without building a `JSONValue` tree.)
    mutating func readStringArray() throws(Failure) -> [String]? {
        self.skipWhitespace()
        guard self.peek() == UInt8(ascii: "[") else { return nil }
        self.index += 1
        var strings: [String] = []
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") {
            self.index += 1
        } else {
            repeat {
                self.skipWhitespace()
                guard self.peek() == UInt8(ascii: "\"") else { return nil }
                strings.append(Self.string(try self.scanString(), in: self.bytes))
            } while try !self.endOfElement(closing: UInt8(ascii: "]"))
        }
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw .syntax("data after the JSON value") }
        return strings
    }

    mutating func readTree() throws(Failure) -> JSONValue {
        let value = try self.parseTree(depth: 0)
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw .syntax("data after the JSON value") }
        return value
    }

    private mutating func parseTree(depth: Int) throws(Failure) -> JSONValue {
        self.skipWhitespace()
        guard let byte = self.peek() else { throw .syntax("unexpected end of document") }
        switch byte {
        case UInt8(ascii: "{"):
            guard depth + 1 <= self.maxDepth else { throw .tooDeep }
            return try withUnsafeTemporaryAllocation(of: MemberName.self, capacity: MemberNames.linearLimit) {
                (scratch) throws(Failure) -> JSONValue in
                var names = MemberNames(scratch: scratch)
                var object: [String: JSONValue] = [:]
                self.index += 1
                self.skipWhitespace()
                if self.peek() == UInt8(ascii: "}") {
                    self.index += 1
                    return .object(object)
                }
                while true {
                    self.skipWhitespace()
                    guard self.peek() == UInt8(ascii: "\"") else { throw .syntax("expected a member name") }
                    let key = try self.scanString()
                    guard names.insert(MemberName(key, in: self.bytes), in: self.bytes) else { throw .duplicateMember }
                    try self.expect(UInt8(ascii: ":"), "':'")
                    let value = try self.parseTree(depth: depth + 1)
                    // Distinct code point sequences can still be equal Swift Strings (canonical
                    // equivalence); refuse rather than silently drop one of them.
                    guard object.updateValue(value, forKey: Self.string(key, in: self.bytes)) == nil else {
                        throw .duplicateMember
                    }
                    if try self.endOfElement(closing: UInt8(ascii: "}")) { return .object(object) }
                }
            }
        case UInt8(ascii: "["):
            guard depth + 1 <= self.maxDepth else { throw .tooDeep }
            var array: [JSONValue] = []
            self.index += 1
            self.skipWhitespace()
            if self.peek() == UInt8(ascii: "]") {
                self.index += 1
                return .array(array)
            }
            repeat {
                array.append(try self.parseTree(depth: depth + 1))
            } while try !self.endOfElement(closing: UInt8(ascii: "]"))
            return .array(array)
        default:
            switch try self.scanValue(depth: depth, allowingNonFinite: false) {
            case .string(let ref): return .string(Self.string(ref, in: self.bytes))
            case .number(let range):
                if let integer = Self.int64(range, in: self.bytes) { return .integer(integer) }
                guard let double = Self.double(range, in: self.bytes) else { throw .syntax("number out of range") }
                return .double(double)
            case .bool(let value): return .bool(value)
            case .null: return .null
            case .object, .array, .nonFinite: throw .syntax("unexpected value")
            }
        }
    }

    // MARK: - Scanning

    @inline(__always)
    private func peek() -> UInt8? {
        self.index < self.bytes.count ? self.bytes[self.index] : nil
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    /// After an array element or object member: consumes a `,` (false: more follow) or the
    /// closing bracket (true).
    @inline(__always)
    private mutating func endOfElement(closing: UInt8) throws(Failure) -> Bool {
        self.skipWhitespace()
        switch self.peek() {
        case UInt8(ascii: ","):
            self.index += 1
            return false
        case closing:
            self.index += 1
            return true
        default:
            throw .syntax(closing == UInt8(ascii: "]") ? "expected ',' or ']'" : "expected ',' or '}'")
        }
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        self.skipWhitespace()
        guard self.peek() == byte else { throw .syntax("expected \(what)") }
        self.index += 1
    }

    /// Scans the value at the cursor (after whitespace) and returns what it was.
    private mutating func scanValue(depth: Int, allowingNonFinite: Bool) throws(Failure) -> Value {
        self.skipWhitespace()
        guard let byte = self.peek() else { throw .syntax("unexpected end of document") }
        switch byte {
        case UInt8(ascii: "{"):
            let start = self.index
            try self.scanObject(depth: depth + 1, allowingNonFinite: false) { _, _ in }
            return .object(Span(start: start, end: self.index))
        case UInt8(ascii: "["):
            let start = self.index
            try self.scanArray(depth: depth + 1)
            return .array(Span(start: start, end: self.index))
        case UInt8(ascii: "\""):
            return .string(try self.scanString())
        case UInt8(ascii: "t"):
            try self.scanLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.scanLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.scanLiteral("null")
            return .null
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            guard allowingNonFinite else { throw .syntax("unexpected character") }
            try self.scanLiteral(byte == UInt8(ascii: "N") ? "NaN" : "Infinity")
            return .nonFinite
        case UInt8(ascii: "-"), UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "4"),
            UInt8(ascii: "5"), UInt8(ascii: "6"), UInt8(ascii: "7"), UInt8(ascii: "8"), UInt8(ascii: "9"):
            if allowingNonFinite, byte == UInt8(ascii: "-"), self.index + 1 < self.bytes.count,
                self.bytes[self.index + 1] == UInt8(ascii: "I")
            {
                self.index += 1
                try self.scanLiteral("Infinity")
                return .nonFinite
            }
            return .number(try self.scanNumber())
        default:
            throw .syntax("unexpected character")
        }
    }

    private mutating func scanLiteral(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw .syntax("unexpected end of document") }
        let pointer = literal.utf8Start
        for offset in 0..<count where self.bytes[self.index + offset] != pointer[offset] {
            throw .syntax("invalid literal")
        }
        self.index += count
    }

    private mutating func scanObject(
        depth: Int,
        allowingNonFinite: Bool,
        _ member: (MemberName, Value) -> Void
    ) throws(Failure) {
        guard depth <= self.maxDepth else { throw .tooDeep }
        // Member names of this object live on the stack; see `MemberNames`.
        try withUnsafeTemporaryAllocation(of: MemberName.self, capacity: MemberNames.linearLimit) {
            (scratch) throws(Failure) in
            var names = MemberNames(scratch: scratch)
            try self.scanMembers(depth: depth, allowingNonFinite: allowingNonFinite, names: &names, member)
        }
    }

    private mutating func scanMembers(
        depth: Int,
        allowingNonFinite: Bool,
        names: inout MemberNames,
        _ member: (MemberName, Value) -> Void
    ) throws(Failure) {
        self.index += 1  // "{"
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "}") {
            self.index += 1
            return
        }
        while true {
            self.skipWhitespace()
            guard self.peek() == UInt8(ascii: "\"") else { throw .syntax("expected a member name") }
            let key = MemberName(try self.scanString(), in: self.bytes)
            guard names.insert(key, in: self.bytes) else { throw .duplicateMember }
            if self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: ":") {
                self.index += 1  // the compact form every encoder writes
            } else {
                try self.expect(UInt8(ascii: ":"), "':'")
            }
            let value = try self.scanValue(depth: depth, allowingNonFinite: allowingNonFinite)
            member(key, value)
            if try self.endOfElement(closing: UInt8(ascii: "}")) { return }
        }
    }

    private mutating func scanArray(depth: Int) throws(Failure) {
        guard depth <= self.maxDepth else { throw .tooDeep }
        self.index += 1  // "["
        self.skipWhitespace()
        if self.peek() == UInt8(ascii: "]") {
            self.index += 1
            return
        }
        repeat {
            _ = try self.scanValue(depth: depth, allowingNonFinite: false)
        } while try !self.endOfElement(closing: UInt8(ascii: "]"))
    }

    /// Scans a string starting at the opening quote; validates escapes and UTF-8.
    private mutating func scanString() throws(Failure) -> StringRef {
        self.index += 1  // opening quote
        let start = self.index
        var hasEscapes = false
        let count = self.bytes.count
        let bytes = self.bytes
        var index = self.index
        while index < count {
            // Plain ASCII is skipped eight bytes at a time; only the last few bytes of the
            // document are looked at one by one.
            while true {
                if index &+ 8 <= count {
                    let special = Self.specialBytes(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)))
                    if special == 0 {
                        index &+= 8
                        continue
                    }
                    index &+= special.trailingZeroBitCount &>> 3
                } else {
                    while index < count, Self.isPlain(bytes[index]) { index &+= 1 }
                }
                break
            }
            self.index = index
            guard index < count else { break }
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let ref = StringRef(start: start, end: self.index, hasEscapes: hasEscapes)
                self.index += 1
                return ref
            }
            if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                try self.scanEscape()
            } else if byte < 0x20 {
                throw .syntax("unescaped control character in string")
            } else {
                try self.scanMultibyteScalar()
            }
            index = self.index
        }
        throw .syntax("unterminated string")
    }

    private mutating func scanEscape() throws(Failure) {
        guard self.index + 1 < self.bytes.count else { throw .syntax("unterminated string") }
        switch self.bytes[self.index + 1] {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"),
            UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            self.index += 2
        case UInt8(ascii: "u"):
            let unit = try self.hexQuad(at: self.index + 2)
            self.index += 6
            if (0xD800...0xDBFF).contains(unit) {
                guard self.index + 1 < self.bytes.count,
                    self.bytes[self.index] == UInt8(ascii: "\\"),
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else { throw .syntax("unpaired surrogate escape") }
                let low = try self.hexQuad(at: self.index + 2)
                guard (0xDC00...0xDFFF).contains(low) else { throw .syntax("unpaired surrogate escape") }
                self.index += 6
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw .syntax("unpaired surrogate escape")
            }
        default:
            throw .syntax("invalid escape")
        }
    }

    private func hexQuad(at position: Int) throws(Failure) -> UInt32 {
        guard position + 4 <= self.bytes.count else { throw .syntax("truncated \\u escape") }
        var value: UInt32 = 0
        for offset in 0..<4 {
            guard let digit = Self.hexValue(self.bytes[position + offset]) else {
                throw .syntax("invalid \\u escape")
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }

    /// The high bit of each byte of `word` (little-endian) that is not plain ASCII inside a
    /// string: a control character, the quote, the backslash or a byte of a multi-byte scalar.
    /// Only the lowest flagged byte is exact (a borrow can flag bytes above it), which is all
    /// the scan needs: it stops there.
    @inline(__always)
    private static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        return (control | (quote &- ones) & ~quote | (backslash &- ones) & ~backslash | word) & (ones &* 0x80)
    }

    /// True for bytes that can appear in a string as themselves: ASCII from the space up,
    /// other than the quote and the backslash.
    @inline(__always)
    private static func isPlain(_ byte: UInt8) -> Bool {
        byte &- 0x20 < 0x60 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
    }

    /// Validates one multi-byte UTF-8 scalar (no overlongs, no surrogates, at most U+10FFFF).
    private mutating func scanMultibyteScalar() throws(Failure) {
        let lead = self.bytes[self.index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default: throw .invalidUTF8
        }
        guard self.index + length <= self.bytes.count else { throw .invalidUTF8 }
        guard secondRange.contains(self.bytes[self.index + 1]) else { throw .invalidUTF8 }
        for offset in 2..<length where self.bytes[self.index + offset] & 0xC0 != 0x80 {
            throw .invalidUTF8
        }
        self.index += length
    }

    /// Scans a number per the RFC 8259 grammar and returns its range.
    private mutating func scanNumber() throws(Failure) -> Span {
        let start = self.index
        let count = self.bytes.count
        if self.bytes[self.index] == UInt8(ascii: "-") { self.index += 1 }
        guard self.index < count else { throw .syntax("invalid number") }
        let integerStart = self.index
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
        } else if Self.isDigit(self.bytes[self.index]) {
            while self.index < count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
        } else {
            throw .syntax("invalid number")
        }
        let integerDigits = self.index - integerStart
        if self.index < count, self.bytes[self.index] == UInt8(ascii: ".") {
            self.index += 1
            guard self.index < count, Self.isDigit(self.bytes[self.index]) else { throw .syntax("invalid number") }
            while self.index < count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
        }
        var hasExponent = false
        if self.index < count, self.bytes[self.index] | 0x20 == UInt8(ascii: "e") {
            self.index += 1
            if self.index < count, self.bytes[self.index] == UInt8(ascii: "+") || self.bytes[self.index] == UInt8(ascii: "-") {
                self.index += 1
            }
            guard self.index < count, Self.isDigit(self.bytes[self.index]) else { throw .syntax("invalid number") }
            while self.index < count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
            hasExponent = true
        }
        let span = Span(start: start, end: self.index)
        // A number beyond Double's range (1e400, or 400 digits) is refused here as the tree
        // parser refuses it, so that no claim the verifier accepted unread can later fail to
        // decode — or decode differently in another JSON library. Only long or exponent
        // numbers can overflow, which keeps the common case free of a conversion.
        if hasExponent || integerDigits > 300 {
            guard Self.double(span, in: self.bytes) != nil else { throw .syntax("number out of range") }
        }
        return span
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool { byte &- UInt8(ascii: "0") < 10 }
}

// MARK: - Member names

extension JSONReader {
    /// The member names seen so far in one object, for duplicate detection.
    ///
    /// Names are compared after unescaping (`"alg"` and `"\u0061lg"` are the same member). The
    /// first few are kept as ranges and compared linearly; past that a hash set of the unescaped
    /// bytes keeps a hostile object with thousands of members from costing quadratic time.
    struct MemberNames {
        static let linearLimit = 16
        private let scratch: UnsafeMutableBufferPointer<MemberName>
        private var count = 0
        private var hashed: Set<[UInt8]>? = nil
        /// One bit per hash of the names seen: a new name whose bit is clear cannot be a
        /// duplicate, so most inserts compare nothing.
        private var seen: UInt64 = 0

        init(scratch: UnsafeMutableBufferPointer<MemberName>) {
            self.scratch = scratch
        }

        /// Records `name`; false when the object already has a member of that name.
        mutating func insert(_ name: MemberName, in bytes: UnsafeRawBufferPointer) -> Bool {
            if self.hashed != nil {
                // Optional chaining mutates the set in place (no copy).
                return self.hashed?.insert(JSONReader.unescapedBytes(name.ref, in: bytes)).inserted ?? false
            }
            let mixed = name.word0 ^ (name.word0 >> 29) ^ (name.word1 &* 0x9E37_79B9) ^ UInt64(truncatingIfNeeded: name.length)
            let bit: UInt64 = 1 << ((mixed ^ (mixed >> 13) ^ (mixed >> 41)) & 63)
            if self.seen & bit != 0 {
                for existing in self.scratch[0..<self.count]
                where existing.length == name.length && existing.word0 == name.word0 && existing.word1 == name.word1 {
                    // Up to 16 bytes the packed words are the whole name; beyond, compare the rest.
                    if name.length <= 16 || JSONReader.namesEqual(existing.ref, name.ref, in: bytes) { return false }
                }
            }
            self.seen |= bit
            if self.count < self.scratch.count {
                self.scratch[self.count] = name
                self.count += 1
            } else {
                var set = Set(self.scratch[0..<self.count].map { JSONReader.unescapedBytes($0.ref, in: bytes) })
                set.insert(JSONReader.unescapedBytes(name.ref, in: bytes))
                self.hashed = set
            }
            return true
        }
    }

    static func namesEqual(_ a: StringRef, _ b: StringRef, in bytes: UnsafeRawBufferPointer) -> Bool {
        if !a.hasEscapes && !b.hasEscapes {
            let count = a.end - a.start
            guard count == b.end - b.start else { return false }
            return memcmpEqual(bytes, a.start, b.start, count)
        }
        return unescapedBytes(a, in: bytes) == unescapedBytes(b, in: bytes)
    }

    @inline(__always)
    static func memcmpEqual(_ bytes: UnsafeRawBufferPointer, _ a: Int, _ b: Int, _ count: Int) -> Bool {
        for offset in 0..<count where bytes[a + offset] != bytes[b + offset] { return false }
        return true
    }
}

// MARK: - Materializing values

extension JSONReader {
    /// The unescaped UTF-8 bytes of a validated string.
    static func unescapedBytes(_ ref: StringRef, in bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[ref.start..<ref.end])
        guard ref.hasEscapes else { return Array(raw) }
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\") else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hexQuad(raw, at: index)
                index += 4
                if (0xD800...0xDBFF).contains(scalar) {
                    // Validated by the scanner: a low surrogate escape follows.
                    let low = hexQuad(raw, at: index + 2)
                    index += 6
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                appendUTF8(scalar, to: &output)
            default: output.append(escape)  // \" \\ \/
            }
        }
        return output
    }

    /// The string value of a validated string.
    static func string(_ ref: StringRef, in bytes: UnsafeRawBufferPointer) -> String {
        if !ref.hasEscapes {
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[ref.start..<ref.end]), as: UTF8.self)
        }
        return String(decoding: unescapedBytes(ref, in: bytes), as: UTF8.self)
    }

    private static func hexQuad(_ raw: UnsafeRawBufferPointer, at index: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 {
            value = value << 4 | UInt32(hexValue(raw[index + offset]) ?? 0)
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to output: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            output.append(UInt8(scalar))
        case 0x80..<0x800:
            output.append(UInt8(0xC0 | (scalar >> 6)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        case 0x800..<0x10000:
            output.append(UInt8(0xE0 | (scalar >> 12)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        default:
            output.append(UInt8(0xF0 | (scalar >> 18)))
            output.append(UInt8(0x80 | ((scalar >> 12) & 0x3F)))
            output.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
            output.append(UInt8(0x80 | (scalar & 0x3F)))
        }
    }

    /// The value of a validated number when it is an integer that fits in `Int64`; nil for
    /// fractions, exponents and integers out of range.
    static func int64(_ range: Span, in bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = range.start
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var value: Int64 = 0
        if range.end - index <= 18 {
            // At most 18 digits cannot overflow (10^18 < 2^63): the common case, unchecked.
            while index < range.end {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value &* 10 &+ Int64(digit)
                index &+= 1
            }
            return negative ? -value : value
        }
        while index < range.end {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }  // "." or "e": not an integer literal
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? shifted.subtractingReportingOverflow(Int64(digit))
                : shifted.addingReportingOverflow(Int64(digit))
            if overflow1 || overflow2 { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// The value of a validated number as a `Double` (finite, or nil when it overflows).
    static func double(_ range: Span, in bytes: UnsafeRawBufferPointer) -> Double? {
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range.start..<range.end]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
