import Testing

@testable import JWTAuth

/// Usernames compare after the PRECIS UsernameCaseMapped profile, and names that only deceive
/// are refused.
@Suite("Username profile")
struct UsernameProfileTests {
    @Test(
        "Case, width and composition do not make another name",
        arguments: [
            ("Alice", "alice"), ("ＡＬＩＣＥ", "alice"), ("ａｌｉｃｅ", "alice"), ("jose\u{301}", "jos\u{E9}"), ("JOSE\u{301}", "jos\u{E9}"),
            ("ﬁona", "fiona"), ("ÅSA", "\u{E5}sa"), ("Ⅻ", "xii"),
        ]
    )
    func sameKey(_ typed: String, _ canonical: String) {
        #expect(Array(UsernameProfile.key(typed).unicodeScalars) == Array(UsernameProfile.key(canonical).unicodeScalars))
        #expect(Array(UsernameProfile.key(typed).unicodeScalars) == Array(canonical.unicodeScalars), "the key is the folded, composed form")
    }

    @Test("Different names keep different keys", arguments: [("alice", "alice2"), ("jose", "jos\u{E9}"), ("ali-ce", "alice")])
    func differentKeys(_ a: String, _ b: String) {
        #expect(UsernameProfile.key(a) != UsernameProfile.key(b))
    }

    @Test("The display form is the composed spelling")
    func displayForm() {
        #expect(Array(UsernameProfile.displayForm("jose\u{301}").unicodeScalars) == Array("jos\u{E9}".unicodeScalars))
        #expect(UsernameProfile.displayForm("Alice") == "Alice")
    }

    @Test(
        "Invisible characters, blanks and controls are refused",
        arguments: [
            "alice\u{3164}", "\u{3164}", "al\u{200B}ice", "alice\u{FFA0}", "al\u{2800}ice", "al ice", "alice\u{0}", "al\u{AD}ice", "ali\u{115F}ce",
        ]
    )
    func invisible(_ name: String) {
        #expect(UsernameProfile.problem(with: name) != nil, "\(name.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test(
        "Letters of look-alike scripts mixed in one name are refused",
        arguments: [
            "\u{430}lice",  // Cyrillic а, then Latin
            "p\u{430}ypal", "\u{3BF}mega-o",  // Greek ο beside Latin
            "ad\u{43C}in",
        ]
    )
    func mixedScripts(_ name: String) {
        #expect(UsernameProfile.problem(with: name)?.contains("scripts") == true)
    }

    @Test(
        "Names in one script, with digits and punctuation, or in scripts outside the look-alike set are accepted",
        arguments: [
            "alice", "alice_01", "j.doe", "jos\u{E9}", "\u{430}\u{43B}\u{438}\u{441}\u{430}", "\u{3B1}\u{3BB}\u{3AF}\u{3BA}\u{3B7}", "山田太郎", "やまだ山田",
            "user@example.com", "ＡＬＩＣＥ",
        ]
    )
    func accepted(_ name: String) {
        #expect(UsernameProfile.problem(with: name) == nil)
    }
}
