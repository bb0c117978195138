import Foundation
import Testing

@testable import JWTAuth

@Suite("base64url and the strict JSON reader")
struct EncodingTests {
    @Test("base64url round-trips every length and matches Foundation's encoder")
    func base64RoundTrip() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encodedString(bytes)
            #expect(encoded == Forge.b64(bytes))
            #expect(Base64URL.decode(encoded) == bytes)
        }
    }

    @Test(
        "base64url refuses padding, whitespace, the standard alphabet, bad lengths and trailing bits",
        arguments: [
            "QQ==", "QQ=", "Q Q", "QQ\n", " QQ", "Q+", "Q/", "Q", "QUJDR", "QR", "QUJ", "Q!", "Q?",
        ]
    )
    func base64Refusals(_ text: String) {
        // "QQ" is the only spelling of [0x41]; "QR" and "QUJ" carry non-zero unused bits.
        #expect(Base64URL.decode(text) == nil)
    }

    @Test("base64url accepts the canonical spellings")
    func base64Accepts() {
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QUI") == [0x41, 0x42])
        #expect(Base64URL.decode("QUE") == [0x41, 0x41])
        #expect(Base64URL.decode("") == [])
        #expect(Base64URL.decode("-_-_") == [0xFB, 0xFF, 0xBF])
    }

    @Test("base64url refuses every byte outside the alphabet, at every position of a long input")
    func base64RefusesForeignBytesAnywhere() {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        let valid = Array(Base64URL.encodedString((0..<40).map { UInt8(truncatingIfNeeded: $0 &* 37) }).utf8)  // 54 characters
        #expect(Base64URL.decode(String(decoding: valid, as: UTF8.self)) != nil)
        for position in valid.indices {
            for byte in UInt8.min...UInt8.max where !alphabet.contains(byte) {
                var mutated = valid
                mutated[position] = byte
                var output = [UInt8](repeating: 0, count: 40)
                let decoded = mutated.withUnsafeBytes { input in
                    output.withUnsafeMutableBytes { Base64URL.decode(input, into: $0) }
                }
                #expect(decoded == nil, "byte \(byte) at \(position)")
            }
        }
    }

    @Test("base64url accepts a final character exactly when its unused bits are zero")
    func base64TrailingBits() {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for (value, last) in alphabet.enumerated() {
            // After "QUJD" (a full group): two characters leave 4 unused bits, three leave 2.
            #expect((Base64URL.decode("QUJDQ\(last)") != nil) == (value & 0x0F == 0), "QUJDQ\(last)")
            #expect((Base64URL.decode("QUJDQU\(last)") != nil) == (value & 0x03 == 0), "QUJDQU\(last)")
        }
    }

    @Test("base64url writes only the decoded bytes, never past them")
    func base64StaysInsideItsOutput() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Array(Base64URL.encodedString(bytes).utf8)
            // The output is followed by guard bytes that must survive the decoding.
            var buffer = [UInt8](repeating: 0xA5, count: length + 8)
            let written = encoded.withUnsafeBytes { input in
                buffer.withUnsafeMutableBytes { Base64URL.decode(input, into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<length])) }
            }
            #expect(written == length)
            #expect(Array(buffer[0..<length]) == bytes)
            #expect(buffer[length...].allSatisfy { $0 == 0xA5 }, "length \(length)")
        }
    }

    static func parse(_ text: String) -> Result<JSONValue, JWTAuthError> {
        Result { () throws(JWTAuthError) in try JSONValue(parsing: text) }
    }

    @Test(
        "Strict JSON: these documents are refused",
        arguments: [
            #"{"a":1,"a":2}"#, #"{"a":1,"\u0061":2}"#, #"{"a":{"b":1,"b":2}}"#, #"[{"x":1,"x":1}]"#,
            #"{"a":NaN}"#, #"{"a":Infinity}"#, "[-Infinity]", "[01]", "[1.]", "[.5]", "[1e]", "[+1]", "[-]",
            "[\"\\ud800\"]", "[\"\\udc00\"]", "[\"\\ud800\\u0041\"]", "[\"\\x\"]", "[\"\u{01}\"]", "[\"abc]",
            "[1,]", "{\"a\":1,}", "{'a':1}", "[1] 2", "", " ", "[true false]", "[nul]", "{\"a\" 1}", "\u{FEFF}[]",
        ]
    )
    func refusedDocuments(_ text: String) {
        guard case .failure(let error) = Self.parse(text) else {
            Issue.record("accepted \(text.debugDescription)")
            return
        }
        #expect(error.code == .malformed)
    }

    @Test("Strict JSON: invalid UTF-8 is refused")
    func invalidUTF8() throws {
        for bytes in [[0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xF8, 0x22], [0x22, 0xE2, 0x82, 0x22], [0x22, 0x80, 0x22]] as [[UInt8]] {
            #expect(throws: JWTAuthError.self) { try JSONValue(parsingBytes: bytes) }
        }
        #expect(try JSONValue(parsingBytes: Array("\"€𝄞\"".utf8)) == .string("€𝄞"))
    }

    @Test("Strict JSON: every byte other than unescaped ASCII is caught at every position of a string")
    func stringScanningPositions() throws {
        // Strings are skipped several bytes at a time; a special byte must be found wherever it
        // sits in such a block, and also in a name and in the last bytes of the document.
        for length in [1, 7, 8, 9, 17, 24] {
            for position in 0..<length {
                for byte in UInt8.min...UInt8.max {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    text[position] = byte
                    let documents: [[UInt8]] = [
                        Array(#"{"k":""#.utf8) + text + Array(#"","z":1}"#.utf8),
                        Array(#"{""#.utf8) + text + Array(#"":1}"#.utf8),
                        [UInt8(ascii: "\"")] + text + [UInt8(ascii: "\"")],
                    ]
                    let plain = (0x20..<0x80).contains(byte) && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
                    for document in documents {
                        let parsed = try? JSONValue(parsingBytes: document)
                        #expect((parsed != nil) == plain, "byte \(byte) at \(position) of \(length)")
                    }
                    if plain {
                        #expect(try JSONValue(parsingBytes: documents[2]) == .string(String(decoding: text, as: UTF8.self)))
                    }
                }
            }
        }
    }

    @Test("Strict JSON: integers up to the Int64 limits, and one past them")
    func integerLimits() throws {
        let value = try JSONValue(
            parsing:
                "[0, -0, 999999999999999999, -999999999999999999, 1000000000000000000, 9223372036854775807, -9223372036854775808, 9223372036854775808, -9223372036854775809]"
        )
        #expect(
            value
                == .array([
                    .integer(0), .integer(0), .integer(999_999_999_999_999_999), .integer(-999_999_999_999_999_999),
                    .integer(1_000_000_000_000_000_000), .integer(.max), .integer(.min),
                    .double(9.223372036854775808e18), .double(-9.223372036854775809e18),
                ])
        )
    }

    @Test("Strict JSON: values, escapes and numbers")
    func values() throws {
        let value = try JSONValue(
            parsing:
                #" { "s" : "a\"b\\c\/d\b\f\n\r\t\u00e9\ud834\udd1e" , "n": [0, -0, 12, -3.5, 1e3, 9223372036854775807, 9223372036854775808], "t": true, "f": false, "z": null } "#
        )
        let object = try #require(value.objectValue)
        #expect(object["s"] == .string("a\"b\\c/d\u{8}\u{C}\n\r\té𝄞"))
        #expect(
            object["n"] == .array([.integer(0), .integer(0), .integer(12), .double(-3.5), .double(1000), .integer(.max), .double(9.223372036854775808e18)])
        )
        #expect(object["t"] == .bool(true) && object["f"] == .bool(false) && object["z"] == .null)
    }

    @Test("Nesting beyond the limit is refused")
    func depth() {
        let ok = String(repeating: "[", count: JSONValue.maximumDepth) + String(repeating: "]", count: JSONValue.maximumDepth)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
        let deep = "[" + ok + "]"
        #expect(throws: JWTAuthError.self) { try JSONValue(parsing: deep) }
    }

    @Test("The writer escapes what JSON requires and round-trips through the reader")
    func writer() throws {
        let value: JSONValue = ["k\"ey": "line\nbreak\u{1}\u{7F}é", "list": [1, 2.5, true, nil], "nested": ["a": []]]
        let text = value.jsonString
        #expect(text == #"{"k\"ey":"line\nbreak\u0001\#u{7F}é","list":[1,2.5,true,null],"nested":{"a":[]}}"#)
        #expect(try JSONValue(parsing: text) == value)
    }
}
