import Testing

@testable import JWTAuth

/// The one `%XX` decoder behind form bodies and database and Redis URLs.
@Suite("Percent decoding")
struct PercentDecodingTests {
    @Test("Escapes decode in either case; + is a space only in forms")
    func decodes() {
        #expect(PercentDecoding.decode("p%40ss%2Fw%3Ard".utf8) == "p@ss/w:rd")
        #expect(PercentDecoding.decode("%c3%A9t%C3%A9".utf8) == "été")
        #expect(PercentDecoding.decode("a+b%2B".utf8) == "a+b+")
        #expect(PercentDecoding.decode("a+b%2B".utf8, plusIsSpace: true) == "a b+")
        #expect(PercentDecoding.decode("".utf8) == "")
    }

    @Test("Truncated or non-hex escapes and invalid UTF-8 are refused", arguments: ["%", "%4", "a%g0", "%0g", "%%41", "%C3", "%FF%FE", "%C0%AF"])
    func refuses(input: String) {
        #expect(PercentDecoding.decode(input.utf8) == nil)
        #expect(PercentDecoding.decode(input.utf8, plusIsSpace: true) == nil)
    }
}
