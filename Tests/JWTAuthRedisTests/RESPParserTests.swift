import NIOCore
import Testing

@testable import JWTAuthRESP

@Suite("RESP decoding and encoding")
struct RESPParserTests {
    /// One sample per RESP2 and RESP3 type, in its wire spelling.
    static let samples: [(wire: String, value: RESPValue)] = [
        ("+OK\r\n", .simpleString("OK")),
        ("+\r\n", .simpleString("")),
        ("-ERR unknown command 'FOO'\r\n", .error("ERR unknown command 'FOO'")),
        (":0\r\n", .integer(0)),
        (":-42\r\n", .integer(-42)),
        (":9223372036854775807\r\n", .integer(.max)),
        ("$5\r\nhello\r\n", .bulkString(Array("hello".utf8))),
        ("$0\r\n\r\n", .bulkString([])),
        ("$4\r\na\r\nb\r\n", .bulkString(Array("a\r\nb".utf8))),
        ("$-1\r\n", .bulkString(nil)),
        ("*0\r\n", .array([])),
        ("*-1\r\n", .array(nil)),
        ("*2\r\n$3\r\nfoo\r\n:1\r\n", .array([.bulkString(Array("foo".utf8)), .integer(1)])),
        ("*2\r\n*1\r\n*0\r\n$-1\r\n", .array([.array([.array([])]), .bulkString(nil)])),
        ("_\r\n", .null),
        ("#t\r\n", .boolean(true)),
        ("#f\r\n", .boolean(false)),
        (",1.5\r\n", .double(1.5)),
        (",-0.25e2\r\n", .double(-25)),
        (",inf\r\n", .double(.infinity)),
        (",-inf\r\n", .double(-.infinity)),
        ("(3492890328409238509324850943850943825024385\r\n", .bigNumber("3492890328409238509324850943850943825024385")),
        ("!21\r\nSYNTAX invalid syntax\r\n", .error("SYNTAX invalid syntax")),
        // A blob error may hold a line break; encoding it as a line would break the framing
        // (found by fuzzing the parser).
        ("!12\r\nline\r\nbreak!\r\n", .error("line\r\nbreak!")),
        ("=15\r\ntxt:Some string\r\n", .verbatimString("Some string")),
        ("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n", .map([.simpleString("first"): .integer(1), .simpleString("second"): .integer(2)])),
        ("~3\r\n+a\r\n+b\r\n:3\r\n", .set([.simpleString("a"), .simpleString("b"), .integer(3)])),
        (
            ">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n",
            .push([.bulkString(Array("message".utf8)), .bulkString(Array("ch".utf8)), .bulkString(Array("hi".utf8))])
        ),
        ("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n:7\r\n", .integer(7)),
        (
            "*3\r\n%1\r\n+k\r\n~1\r\n_\r\n>1\r\n#t\r\n=5\r\nmkd:x\r\n",
            .array([.map([.simpleString("k"): .set([.null])]), .push([.boolean(true)]), .verbatimString("x")])
        ),
    ]

    private func parse(_ wire: String, limits: RESPParser.Limits = .init()) throws(RedisError) -> (RESPValue?, ByteBuffer) {
        var buffer = ByteBuffer(string: wire)
        let value = try RESPParser(limits: limits).parse(&buffer)
        return (value, buffer)
    }

    @Test("Every RESP2 and RESP3 type decodes to its value and consumes exactly its bytes", arguments: samples.indices)
    func decodesEveryType(_ index: Int) throws {
        let (wire, expected) = Self.samples[index]
        let (value, rest) = try parse(wire + "+next\r\n")
        #expect(value == expected)
        #expect(String(buffer: rest) == "+next\r\n")
    }

    @Test("A frame split at every byte is incomplete until its last byte and leaves the buffer untouched", arguments: samples.indices)
    func partialFrames(_ index: Int) throws {
        let (wire, expected) = Self.samples[index]
        let bytes = Array(wire.utf8)
        let parser = RESPParser()
        for cut in 0..<bytes.count {
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            #expect(try parser.parse(&buffer) == nil, "cut at \(cut)")
            #expect(buffer.readableBytes == cut)
        }
        // Byte by byte into one growing buffer, as a socket might deliver it.
        var buffer = ByteBuffer()
        var decoded: RESPValue?
        for (offset, byte) in bytes.enumerated() {
            buffer.writeInteger(byte)
            decoded = try parser.parse(&buffer)
            if offset < bytes.count - 1 { #expect(decoded == nil) }
        }
        #expect(decoded == expected)
        #expect(buffer.readableBytes == 0)
    }

    @Test("Several frames in one read come out one by one, in order")
    func severalFrames() throws {
        var buffer = ByteBuffer(string: Self.samples.map(\.wire).joined())
        let parser = RESPParser()
        for sample in Self.samples {
            #expect(try parser.parse(&buffer) == sample.value)
        }
        #expect(try parser.parse(&buffer) == nil)
    }

    @Test("NaN decodes as a NaN double")
    func notANumber() throws {
        let (value, _) = try parse(",nan\r\n")
        guard case .double(let double) = value else {
            Issue.record("not a double: \(String(describing: value))")
            return
        }
        #expect(double.isNaN)
    }

    @Test("Encoding any value and decoding it gives the same value back", arguments: samples.indices)
    func roundTrip(_ index: Int) throws {
        let value = Self.samples[index].value
        var buffer = ByteBuffer()
        value.encode(into: &buffer)
        #expect(try RESPParser().parse(&buffer) == value)
        #expect(buffer.readableBytes == 0)
    }

    @Test("Deeply nested aggregates decode up to the depth limit")
    func nesting() throws {
        var value = RESPValue.integer(1)
        for level in 0..<32 {
            value = level.isMultiple(of: 2) ? .array([value, .null]) : .map([.simpleString("k\(level)"): value])
        }
        var buffer = ByteBuffer()
        value.encode(into: &buffer)
        #expect(try RESPParser().parse(&buffer) == value)

        var deeper = ByteBuffer()
        RESPValue.array([value]).encode(into: &deeper)
        #expect {
            try RESPParser().parse(&deeper)
        } throws: { error in
            (error as? RedisError)?.kind == .protocolError && "\(error)".contains("nested deeper")
        }
    }

    static let malformed: [(wire: String, reason: String)] = [
        ("?\r\n", "unknown RESP type"),
        ("\r\n", "unknown RESP type"),
        (":12a\r\n", "not a 64-bit decimal integer"),
        (":\r\n", "not a 64-bit decimal integer"),
        (":9223372036854775808\r\n", "not a 64-bit decimal integer"),
        ("$x\r\n", "not a 64-bit decimal integer"),
        ("$-2\r\n", "negative length"),
        ("*-5\r\n", "negative length"),
        ("%-1\r\n", "negative length"),
        ("$3\r\nfooXY", "not followed by CRLF"),
        ("+OK\rX", "CR without LF"),
        ("+OK\n", "LF without CR"),
        ("#x\r\n", "not t or f"),
        ("#tt\r\n", "not t or f"),
        ("_x\r\n", "null carries data"),
        (",1.5x\r\n", "not a decimal number"),
        (",0x1p3\r\n", "not a decimal number"),
        (",\r\n", "not a decimal number"),
        ("(12a\r\n", "not a decimal integer"),
        ("(\r\n", "not a decimal integer"),
        ("=3\r\nabc\r\n", "no format prefix"),
        ("$?\r\n", "streamed"),
        ("*?\r\n", "streamed"),
        ("*2\r\n:1\r\n!x\r\n", "not a 64-bit decimal integer"),
    ]

    @Test("Malformed input is refused with a clear protocol error", arguments: malformed.indices)
    func malformedInput(_ index: Int) {
        let (wire, reason) = Self.malformed[index]
        #expect {
            try parse(wire)
        } throws: { error in
            guard let error = error as? RedisError, error.kind == .protocolError else { return false }
            return error.message.contains(reason)
        }
    }

    @Test("Oversized bulk strings, lines and aggregates are refused before their data arrives")
    func limits() throws {
        let limits = RESPParser.Limits(maximumBulkLength: 16, maximumDepth: 4, maximumAggregateCount: 8, maximumLineLength: 10)
        let cases: [(String, String)] = [
            ("$17\r\n", "over the 16-byte limit"),
            ("!17\r\n", "over the 16-byte limit"),
            ("=17\r\n", "over the 16-byte limit"),
            ("*9\r\n", "over the 8-element limit"),
            ("%5\r\n", "over the limit"),
            ("+0123456789A", "longer than 10 bytes"),
            ("$2147483648\r\n", "over the limit"),
        ]
        for (wire, reason) in cases {
            #expect(throws: RedisError.self, "\(wire)") {
                try parse(wire, limits: limits)
            }
            do {
                _ = try parse(wire, limits: limits)
            } catch {
                #expect(error.message.contains(reason), "\(wire): \(error.message)")
            }
        }
        // The default limit is 64 MiB for one bulk string.
        #expect(throws: RedisError.self) { try parse("$\(64 * 1024 * 1024 + 1)\r\n") }
        #expect(try parse("$\(64 * 1024 * 1024)\r\n").0 == nil)
    }

    @Test("A huge aggregate count with little data is merely incomplete and allocates nothing")
    func hugeCountIsIncomplete() throws {
        let (value, rest) = try parse("*16777216\r\n:1\r\n")
        #expect(value == nil)
        #expect(rest.readableBytes == 15)
    }

    @Test("A long run of attributes does not exhaust the stack")
    func attributeRun() throws {
        let wire = String(repeating: "|0\r\n", count: 100_000) + ":1\r\n"
        #expect(try parse(wire).0 == .integer(1))
    }

    @Test("Random and mutated bytes never crash the decoder")
    func fuzz() {
        var generator = SplitMix64(seed: 0x5EED)
        let alphabet = Array("+-:$*_#,(!=%~>|?\r\n0123456789-tfabc.".utf8)
        let valid = Self.samples.map { Array($0.wire.utf8) }
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round.isMultiple(of: 2) {
                bytes = (0..<Int(generator.next() % 40)).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            } else {
                bytes = valid[Int(generator.next() % UInt64(valid.count))]
                for _ in 0..<(1 + Int(generator.next() % 3)) where !bytes.isEmpty {
                    bytes[Int(generator.next() % UInt64(bytes.count))] = alphabet[Int(generator.next() % UInt64(alphabet.count))]
                }
            }
            var buffer = ByteBuffer(bytes: bytes)
            let parser = RESPParser(limits: .init(maximumBulkLength: 1024, maximumDepth: 8, maximumAggregateCount: 64, maximumLineLength: 64))
            // Whatever the outcome, it is a value, "need more" or a RedisError; a value always
            // consumes bytes, so this ends.
            while buffer.readableBytes > 0 {
                do {
                    guard try parser.parse(&buffer) != nil else { break }
                } catch {
                    break
                }
            }
        }
    }

    @Test("Commands are written as arrays of bulk strings, binary-safe")
    func commandEncoding() throws {
        var buffer = ByteBuffer()
        RESPCommandEncoder.encode([Array("SET".utf8), Array("k".utf8), [0x00, 0x0D, 0x0A, 0xFF], []], into: &buffer)
        #expect(
            Array(buffer.readableBytesView) == Array("*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\n".utf8) + [0x00, 0x0D, 0x0A, 0xFF] + Array("\r\n$0\r\n\r\n".utf8)
        )

        var decoded = buffer
        #expect(
            try RESPParser().parse(&decoded)
                == .array([.bulkString(Array("SET".utf8)), .bulkString(Array("k".utf8)), .bulkString([0x00, 0x0D, 0x0A, 0xFF]), .bulkString([])])
        )
    }

    @Test("Accessors read strings, integers, arrays and the three spellings of null")
    func accessors() {
        #expect(RESPValue.bulkString(Array("héllo".utf8)).string == "héllo")
        #expect(RESPValue.simpleString("OK").string == "OK")
        #expect(RESPValue.verbatimString("v").string == "v")
        #expect(RESPValue.integer(3).string == nil)
        #expect(RESPValue.integer(3).int == 3)
        #expect(RESPValue.bulkString(Array("42".utf8)).int == 42)
        #expect(RESPValue.bulkString(Array("4x".utf8)).int == nil)
        #expect(RESPValue.set([.null]).array == [.null])
        #expect(RESPValue.push([.null]).array == [.null])
        #expect(RESPValue.array(nil).array == nil)
        #expect(RESPValue.null.isNull && RESPValue.bulkString(nil).isNull && RESPValue.array(nil).isNull)
        #expect(!RESPValue.bulkString([]).isNull)
        #expect(RESPValue.error("NOSCRIPT x").errorMessage == "NOSCRIPT x")
        let a = RESPValue.bulkString(Array("a".utf8))
        let one = RESPValue.bulkString(Array("1".utf8))
        #expect(RESPValue.map([a: one]).fieldMap == ["a": one])
        #expect(RESPValue.array([a, one]).fieldMap == ["a": one])
        #expect(RESPValue.array([]).fieldMap == [:])
        #expect(RESPValue.map([:]).fieldMap == [:])
        #expect(RESPValue.array([a]).fieldMap == nil)
        #expect(RESPValue.integer(1).fieldMap == nil)
    }
}

/// A small deterministic generator, so a fuzz failure can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
