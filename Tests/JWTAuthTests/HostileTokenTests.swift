import Crypto
import Foundation
import Testing

@testable import JWTAuth

/// Each rule of strict parsing and the claims policy, checked with a minimal mutation of a valid access token under the
/// policy of the acceptance suite: RS256/ES256/EdDSA keys from a JWKS, iss, aud, typ at+jwt,
/// 60 s leeway, 3600 s max age, 8 KiB cap, sub/jti/iat/exp/client_id required.
@Suite("Hostile tokens")
struct HostileTokenTests {
    static let now: Int64 = 1_800_000_000
    static let issuer = "https://auth.test"
    static let es256 = try! JWTKey.generate(.es256, keyID: "ec-1")
    static let rs256 = try! JWTKey.generate(.rs256, keyID: "rsa-1")
    static let eddsa = try! JWTKey.generate(.eddsa, keyID: "ed-1")
    static let attacker = try! JWTKey.generate(.es256, keyID: "ec-1")

    static var keys: JWTKeySet {
        try! JWTKeySet([es256.publicKey!, rs256.publicKey!, eddsa.publicKey!])
    }

    static func verifier(_ adjust: (inout JWTValidationPolicy) -> Void = { _ in }) -> JWTVerifier {
        var policy = JWTValidationPolicy(
            algorithms: [.rs256, .es256, .eddsa],
            issuer: issuer,
            audiences: ["api"],
            types: ["at+jwt"],
            leeway: .seconds(60),
            requiredClaims: ["sub", "jti", "iat", "exp", "client_id"],
            maximumAge: .seconds(3600),
            maximumTokenBytes: 8192
        )
        adjust(&policy)
        return JWTVerifier(keys: keys, policy: policy, clock: ManualClock(NumericDate(now)))
    }

    static let header = #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt"}"#
    static let claims =
        #"{"iss":"https://auth.test","sub":"alice","aud":"api","exp":1800000300,"iat":1800000000,"nbf":1800000000,"jti":"j-1","client_id":"web"}"#

    static func token(header: String = header, claims: String = claims, key: JWTKey = es256) -> String {
        try! Forge.token(header: header, payload: claims, key: key)
    }

    static func claims(replacing old: String, with new: String) -> String {
        claims.replacingOccurrences(of: old, with: new)
    }

    static func segments(_ token: String) -> [String] {
        token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    // MARK: - The baseline

    @Test("The unmodified token and each algorithm's variant are accepted")
    func baseline() throws {
        let verified = try Self.verifier().verify(Self.token())
        #expect(verified.claims.subject == "alice")
        #expect(verified.claims.audience == ["api"])
        #expect(verified.claims.clientID == "web")
        #expect(verified.header == JOSEHeader(algorithm: .es256, keyID: "ec-1", type: "at+jwt"))
        for (key, alg) in [(Self.rs256, "RS256"), (Self.eddsa, "EdDSA")] {
            let header = #"{"alg":"\#(alg)","kid":"\#(key.keyID!)","typ":"at+jwt"}"#
            #expect(try Self.verifier().verify(Self.token(header: header, key: key)).header.algorithm.name == alg)
        }
    }

    // MARK: - alg

    @Test("alg none is refused in every spelling, with or without a signature", arguments: ["none", "None", "NONE", "nOnE", "\\u006eone"])
    func algNone(_ spelling: String) {
        let header = #"{"alg":"\#(spelling)","kid":"ec-1","typ":"at+jwt"}"#
        let unsigned = Forge.b64(header) + "." + Forge.b64(Self.claims) + "."
        expectRejected(.algorithmRejected) { try Self.verifier().verify(unsigned) }
        let withSignature = unsigned + Self.segments(Self.token())[2]
        expectRejected(.algorithmRejected) { try Self.verifier().verify(withSignature) }
        // Even a verifier without an explicit allow-list never takes none.
        expectRejected(.algorithmRejected) { try JWTVerifier(keys: Self.keys).verifyJWS(unsigned) }
    }

    @Test("HS256 signed with the RSA or EC public key's PEM or JWK text is refused")
    func symmetricConfusion() throws {
        for key in [Self.rs256, Self.es256] {
            for secret in [key.publicKeyPEM!, try key.publicKey!.jwk()] {
                let header = #"{"alg":"HS256","kid":"\#(key.keyID!)","typ":"at+jwt"}"#
                let input = Forge.b64(header) + "." + Forge.b64(Self.claims)
                let mac = HMAC<SHA256>.authenticationCode(for: Array(input.utf8), using: SymmetricKey(data: Array(secret.utf8)))
                let token = input + "." + Forge.b64(Array(mac))
                expectRejected(.algorithmRejected) { try Self.verifier().verify(token) }
                // Default allow-list (the keys' algorithms) refuses it too.
                expectRejected(.algorithmRejected) { try JWTVerifier(keys: Self.keys).verify(token) }
                // And such text can never become an HMAC key in the first place.
                expectRejected(.keyInvalid) { try JWTKey(secret: Array(secret.utf8), algorithm: .hs256) }
            }
        }
    }

    @Test("An unknown or unsupported alg is refused", arguments: ["HS257", "ES256K", "RSA-OAEP", "es256", "", "PS256"])
    func unknownAlgorithm(_ alg: String) {
        let header = #"{"alg":"\#(alg)","kid":"ec-1","typ":"at+jwt"}"#
        expectRejected(.algorithmRejected) { try Self.verifier().verify(Self.token(header: header)) }
    }

    @Test("A missing or non-string alg is malformed")
    func algShape() {
        for header in [#"{"kid":"ec-1","typ":"at+jwt"}"#, #"{"alg":256,"kid":"ec-1","typ":"at+jwt"}"#, #"{"alg":["ES256"],"kid":"ec-1"}"#] {
            expectRejected(.malformed, "\(header)") { try Self.verifier().verify(Self.token(header: header)) }
        }
    }

    @Test("A token whose alg differs from the key's is refused (RS256 kid, ES256 alg)")
    func algorithmBoundToKey() {
        let header = #"{"alg":"ES256","kid":"rsa-1","typ":"at+jwt"}"#
        expectRejected(.algorithmRejected) { try Self.verifier().verify(Self.token(header: header)) }
    }

    @Test("A duplicate alg member is malformed, also when spelled with an escape")
    func duplicateAlg() {
        for header in [
            #"{"alg":"ES256","alg":"none","kid":"ec-1","typ":"at+jwt"}"#,
            #"{"alg":"ES256","\u0061lg":"HS256","kid":"ec-1","typ":"at+jwt"}"#,
            #"{"alg":"ES256","kid":"ec-1","kid":"rsa-1","typ":"at+jwt"}"#,
        ] {
            expectRejected(.malformed, "\(header)") { try Self.verifier().verify(Self.token(header: header)) }
        }
        let duplicateClaim = Self.claims(replacing: #""jti":"j-1""#, with: #""jti":"j-1","exp":1900000000"#)
        expectRejected(.malformed) { try Self.verifier().verify(Self.token(claims: duplicateClaim)) }
    }

    // MARK: - Signature

    @Test("A DER-encoded ECDSA signature is refused")
    func derSignature() throws {
        let parts = Self.segments(Self.token())
        let raw = Forge.unb64(parts[2])
        let der = try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation
        let token = parts[0] + "." + parts[1] + "." + Forge.b64(Array(der))
        expectRejected(.signatureInvalid) { try Self.verifier().verify(token) }
    }

    @Test("r = s = 0 and out-of-range ECDSA values are refused")
    func zeroSignature() {
        let parts = Self.segments(Self.token())
        let order: [UInt8] = [
            0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
        ]
        for signature in [[UInt8](repeating: 0, count: 64), order + order, [UInt8](repeating: 0xFF, count: 64)] {
            let token = parts[0] + "." + parts[1] + "." + Forge.b64(signature)
            expectRejected(.signatureInvalid) { try Self.verifier().verify(token) }
        }
    }

    @Test("Signatures of the wrong length are refused", arguments: [0, 1, 32, 63, 65, 66, 96, 128, 256])
    func signatureLength(_ length: Int) {
        let parts = Self.segments(Self.token())
        var signature = Forge.unb64(parts[2])
        if length <= signature.count {
            signature = Array(signature.prefix(length))
        } else {
            signature += [UInt8](repeating: 1, count: length - signature.count)
        }
        let token = parts[0] + "." + parts[1] + "." + Forge.b64(signature)
        expectRejected(.signatureInvalid) { try Self.verifier().verify(token) }
    }

    @Test("A flipped signature bit, a changed payload or another key's signature is refused")
    func tampering() {
        let parts = Self.segments(Self.token())
        var signature = Forge.unb64(parts[2])
        signature[10] ^= 0x01
        expectRejected(.signatureInvalid) { try Self.verifier().verify(parts[0] + "." + parts[1] + "." + Forge.b64(signature)) }
        let changed = Forge.b64(Self.claims(replacing: "alice", with: "admin"))
        expectRejected(.signatureInvalid) { try Self.verifier().verify(parts[0] + "." + changed + "." + parts[2]) }
        expectRejected(.signatureInvalid) { try Self.verifier().verify(Self.token(key: Self.attacker)) }
    }

    @Test("Keys embedded in the header (jwk, x5c) or pointed to (jku, x5u) are never used")
    func embeddedKeys() throws {
        let attackerJWK = try Self.attacker.publicKey!.jwk()
        let headers = [
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","jwk":\#(attackerJWK)}"#,
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","jku":"https://evil.test/jwks.json"}"#,
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","x5u":"https://evil.test/cert.pem"}"#,
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","x5c":["MIIB"]}"#,
        ]
        for header in headers {
            expectRejected(.signatureInvalid, "\(header)") { try Self.verifier().verify(Self.token(header: header, key: Self.attacker)) }
        }
        let attackerKid = #"{"alg":"ES256","kid":"evil","typ":"at+jwt","jwk":\#(attackerJWK)}"#
        expectRejected(.keyUnknown) { try Self.verifier().verify(Self.token(header: attackerKid, key: Self.attacker)) }
    }

    // MARK: - Encoding and structure

    @Test("Padding, whitespace, '+' and '/' in any segment are malformed")
    func nonCanonicalBase64() {
        let parts = Self.segments(Self.token())
        var mutations: [String] = []
        for index in 0..<3 {
            for edit in ["=", "==", " ", "\n", "\t", "\r\n"] {
                var copy = parts
                copy[index] += edit
                mutations.append(copy.joined(separator: "."))
                copy = parts
                copy[index].insert(contentsOf: edit, at: copy[index].index(copy[index].startIndex, offsetBy: 4))
                mutations.append(copy.joined(separator: "."))
            }
            var copy = parts
            copy[index] = copy[index].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            if copy[index] != parts[index] { mutations.append(copy.joined(separator: ".")) }
        }
        mutations.append(" " + parts.joined(separator: "."))
        for token in mutations {
            expectRejected(.malformed, "\(token.debugDescription)") { try Self.verifier().verify(token) }
        }
    }

    @Test("Standard-alphabet base64 and non-canonical trailing bits are malformed")
    func standardAlphabetAndTrailingBits() {
        let payload = Array(Self.claims.utf8) + [0xFB, 0xFF]  // encodes to '+' '/' in standard base64
        let standard = Data(payload).base64EncodedString().replacingOccurrences(of: "=", with: "")
        #expect(standard.contains("+") || standard.contains("/"))
        let parts = Self.segments(Self.token())
        expectRejected(.malformed) { try Self.verifier().verify(parts[0] + "." + standard + "." + parts[2]) }
        // The last character of the 64-byte signature carries 2 unused bits; set them.
        var signature = parts[2]
        let last = signature.removeLast()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let value = alphabet.firstIndex(of: last)!
        signature.append(alphabet[value | 0x01 == value ? value ^ 0x02 : value | 0x01])
        expectRejected(.malformed) { try Self.verifier().verify(parts[0] + "." + parts[1] + "." + signature) }
    }

    @Test("Tokens of 1, 2, 4 and 5 segments are malformed", arguments: [1, 2, 4, 5])
    func segmentCount(_ count: Int) {
        let parts = Self.segments(Self.token())
        let segments = Array((parts + [parts[2], parts[2]]).prefix(count))
        expectRejected(.malformed) { try Self.verifier().verify(segments.joined(separator: ".")) }
        if count > 3 {
            expectRejected(.malformed) { try Self.verifier().verify(parts.joined(separator: ".") + String(repeating: ".", count: count - 3)) }
        }
    }

    @Test("The empty string and a lone dot pair are malformed")
    func emptyTokens() {
        for token in ["", ".", "..", "...", "a.b.c"] {
            expectRejected(.malformed, "\(token)") { try Self.verifier().verify(token) }
        }
    }

    @Test("Payloads that are not JSON objects are malformed", arguments: ["[]", "\"alice\"", "1800000000", "null", "true", "", "{", "{}x", "\u{FEFF}{}"])
    func nonObjectPayload(_ payload: String) {
        expectRejected(.malformed) { try Self.verifier().verify(Self.token(claims: payload)) }
    }

    @Test("Broken JSON text inside the payload is malformed")
    func brokenJSON() {
        let payloads = [
            Self.claims(replacing: "alice", with: "al\\ud800ice"),  // lone surrogate escape
            Self.claims(replacing: "alice", with: "al\u{01}ice"),  // raw control character
            Self.claims(replacing: "alice", with: "al\\xice"),  // invalid escape
            Self.claims(replacing: #""nbf":1800000000"#, with: #""nbf":01800000000"#),  // leading zero
            Self.claims(replacing: #""nbf":1800000000"#, with: #""nbf":1800000000.,"#),
            Self.claims(replacing: "}", with: ",}"),  // trailing comma
            Self.claims(replacing: #""jti""#, with: #"'jti'"#),
            Self.claims(replacing: #""client_id":"web""#, with: #""client_id":"web","x":NaN"#),  // NaN outside a date
        ]
        for payload in payloads {
            expectRejected(.malformed, "\(payload)") { try Self.verifier().verify(Self.token(claims: payload)) }
        }
        // Invalid UTF-8 bytes inside a string.
        var bytes = Array(Self.claims.utf8)
        let index = bytes.firstIndex(of: UInt8(ascii: "a"))!
        for invalid in [[0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80]] as [[UInt8]] {
            bytes = Array(Self.claims.utf8)
            bytes.replaceSubrange(index..<(index + 1), with: invalid)
            let input = Forge.b64(Self.header) + "." + Forge.b64(bytes)
            let signature = try! Array(input.utf8).withUnsafeBytes { try Self.es256.signature(for: $0) }
            expectRejected(.malformed, "\(invalid)") { try Self.verifier().verify(input + "." + Forge.b64(signature)) }
        }
    }

    @Test("A number beyond a Double's range is malformed anywhere in the payload, as the tree parser finds it")
    func numberOutOfRange() throws {
        let huge = ["1e400", "-1e400", "1E+309", "0.5e310", String(repeating: "9", count: 320)]
        for number in huge {
            let payload = Self.claims(replacing: #""client_id":"web""#, with: #""client_id":"web","x":\#(number)"#)
            expectRejected(.malformed, "\(number)") { try Self.verifier().verify(Self.token(claims: payload)) }
            expectRejected(.malformed, "nested \(number)") {
                try Self.verifier().verify(Self.token(claims: Self.claims(replacing: "}", with: #","x":{"y":[\#(number)]}}"#)))
            }
        }
        // Large but finite numbers and underflow to zero are numbers like any other.
        for number in ["1e308", "-1.7e308", "1e-400", String(repeating: "9", count: 300)] {
            let payload = Self.claims(replacing: #""client_id":"web""#, with: #""client_id":"web","x":\#(number)"#)
            let verified = try Self.verifier().verify(Self.token(claims: payload))
            #expect(verified.claims.subject == "alice", "\(number)")
        }
    }

    @Test("Deep nesting in the payload or header is malformed")
    func deepNesting() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        expectRejected(.malformed) { try Self.verifier().verify(Self.token(claims: Self.claims(replacing: "}", with: #","x":\#(deep)}"#))) }
        let deepObject = String(repeating: #"{"a":"#, count: 500) + "1" + String(repeating: "}", count: 500)
        expectRejected(.malformed) { try Self.verifier().verify(Self.token(header: Self.header.replacingOccurrences(of: "}", with: #","x":\#(deepObject)}"#))) }
        // Sixteen levels are fine.
        let allowed = String(repeating: "[", count: 15) + String(repeating: "]", count: 15)
        #expect(throws: Never.self) { try Self.verifier().verify(Self.token(claims: Self.claims(replacing: "}", with: #","x":\#(allowed)}"#))) }
    }

    @Test("An object with thousands of members is read in linear time and duplicates are still found")
    func manyMembers() {
        let members = (0..<1200).map { #""m\#($0)":0"# }.joined(separator: ",")
        let many = Self.claims(replacing: "}", with: ",\(members)}")
        #expect(throws: Never.self) { try Self.verifier { $0.maximumTokenBytes = 1 << 20 }.verify(Self.token(claims: many)) }
        let duplicate = Self.claims(replacing: "}", with: ",\(members),\"m7\":1}")
        expectRejected(.malformed) { try Self.verifier { $0.maximumTokenBytes = 1 << 20 }.verify(Self.token(claims: duplicate)) }
    }

    @Test("Oversized tokens are refused before decoding; 100 000 dots too")
    func sizeCap() {
        let padding = String(repeating: "x", count: 9000)
        let big = Self.token(claims: Self.claims(replacing: "alice", with: padding))
        expectRejected(.tooLarge) { try Self.verifier().verify(big) }
        let dots = String(repeating: ".", count: 100_000)
        expectRejected(.tooLarge) { try Self.verifier().verify(dots) }
        expectRejected(.malformed) { try Self.verifier { $0.maximumTokenBytes = 1 << 20 }.verify(dots) }
        expectRejected(.tooLarge) { try Self.verifier().verify(String(repeating: "A", count: 8193)) }
    }

    // MARK: - Header members that are never honoured

    @Test("crit, b64, zip and nested JWTs are unsupported")
    func unsupportedHeaders() {
        let headers = [
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","crit":["exp"],"exp":1}"#,
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","b64":false,"crit":["b64"]}"#,
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","b64":true}"#,
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","zip":"DEF"}"#,
            #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","cty":"JWT"}"#,
        ]
        for header in headers {
            expectRejected(.headerUnsupported, "\(header)") { try Self.verifier().verify(Self.token(header: header)) }
        }
        expectRejected(.malformed) { try Self.verifier().verify(Self.token(header: #"{"alg":"ES256","kid":"ec-1","typ":"at+jwt","crit":[]}"#)) }
    }

    // MARK: - kid

    @Test("An unknown kid is refused, never replaced by a default key")
    func unknownKid() {
        for header in [#"{"alg":"ES256","kid":"ec-2","typ":"at+jwt"}"#, #"{"alg":"ES256","kid":"","typ":"at+jwt"}"#] {
            expectRejected(.keyUnknown) { try Self.verifier().verify(Self.token(header: header)) }
        }
        expectRejected(.malformed) { try Self.verifier().verify(Self.token(header: #"{"alg":"ES256","kid":7,"typ":"at+jwt"}"#)) }
    }

    @Test("A token without kid is tried only when one key has its alg")
    func missingKid() throws {
        let header = #"{"alg":"ES256","typ":"at+jwt"}"#
        // One ES256 key in the set: used.
        #expect(try Self.verifier().verify(Self.token(header: header)).claims.subject == "alice")
        // Two ES256 keys: ambiguous.
        let second = try JWTKey.generate(.es256, keyID: "ec-2")
        let verifier = JWTVerifier(
            keys: try JWTKeySet([Self.es256.publicKey!, second.publicKey!]),
            policy: Self.verifier().policy,
            clock: ManualClock(NumericDate(Self.now))
        )
        expectRejected(.keyUnknown) { try verifier.verify(Self.token(header: header)) }
    }

    // MARK: - typ

    @Test("typ must be at+jwt (any case, application/ prefix optional)")
    func type() throws {
        for accepted in ["at+jwt", "AT+JWT", "application/at+jwt", "Application/At+JWT"] {
            let header = #"{"alg":"ES256","kid":"ec-1","typ":"\#(accepted)"}"#
            #expect(try Self.verifier().verify(Self.token(header: header)).header.type == accepted)
        }
        for refused in ["JWT", "rt+jwt", "at+jwt ", "application/jwt", "at", "xapplication/at+jwt"] {
            let header = #"{"alg":"ES256","kid":"ec-1","typ":"\#(refused)"}"#
            expectRejected(.typeInvalid, "\(refused)") { try Self.verifier().verify(Self.token(header: header)) }
        }
        expectRejected(.typeInvalid) { try Self.verifier().verify(Self.token(header: #"{"alg":"ES256","kid":"ec-1"}"#)) }
        expectRejected(.malformed) { try Self.verifier().verify(Self.token(header: #"{"alg":"ES256","kid":"ec-1","typ":1}"#)) }
    }

    // MARK: - Claims

    @Test(
        "Numeric dates must be JSON numbers within Int64",
        arguments: [
            #""2030-01-01""#, #""1800000300""#, "NaN", "Infinity", "-Infinity", "18446744073709551616", "9223372036854775808",
            "1e400", "-1e400", "null", "true", "[1800000300]", "{}",
        ]
    )
    func badDates(_ value: String) {
        // A number beyond a Double's range is no JSON number at all (numberOutOfRange).
        let expected: JWTAuthError.Code = value.hasSuffix("e400") ? .malformed : .claimInvalid
        for claim in ["exp", "iat", "nbf"] {
            let pattern = claim == "exp" ? #""exp":1800000300"# : (claim == "iat" ? #""iat":1800000000"# : #""nbf":1800000000"#)
            let claims = Self.claims(replacing: pattern, with: #""\#(claim)":\#(value)"#)
            expectRejected(expected, "\(claim) = \(value)") { try Self.verifier().verify(Self.token(claims: claims)) }
        }
    }

    @Test("Fractional and exponent numeric dates are accepted")
    func fractionalDates() throws {
        let claims = Self.claims(replacing: #""exp":1800000300"#, with: #""exp":1.8000003005e9"#)
        let verified = try Self.verifier().verify(Self.token(claims: claims))
        #expect(verified.claims.expiresAt == NumericDate(secondsSinceEpoch: 1_800_000_300.5))
    }

    @Test("exp: expired once now >= exp + leeway")
    func expiration() throws {
        let inLeeway = Self.claims(replacing: #""exp":1800000300"#, with: #""exp":1799999941"#)
        #expect(throws: Never.self) { try Self.verifier().verify(Self.token(claims: inLeeway)) }
        let atLeeway = Self.claims(replacing: #""exp":1800000300"#, with: #""exp":1799999940"#)
        expectRejected(.expired) { try Self.verifier().verify(Self.token(claims: atLeeway)) }
        let noLeeway = Self.claims(replacing: #""exp":1800000300"#, with: #""exp":1800000000"#)
        expectRejected(.expired) { try Self.verifier { $0.leeway = .zero }.verify(Self.token(claims: noLeeway)) }
    }

    @Test("nbf and iat in the future beyond the leeway are refused")
    func futureDates() {
        let nbf = Self.claims(replacing: #""nbf":1800000000"#, with: #""nbf":1800000061"#)
        expectRejected(.notYetValid) { try Self.verifier().verify(Self.token(claims: nbf)) }
        let nbfWithin = Self.claims(replacing: #""nbf":1800000000"#, with: #""nbf":1800000060"#)
        #expect(throws: Never.self) { try Self.verifier().verify(Self.token(claims: nbfWithin)) }
        let iat = Self.claims(replacing: #""iat":1800000000"#, with: #""iat":1800000061"#)
        expectRejected(.issuedInFuture) { try Self.verifier().verify(Self.token(claims: iat)) }
    }

    @Test("Tokens older than the maximum age, or issued to live longer, are too old")
    func maximumAge() {
        let old = Self.claims(replacing: #""iat":1800000000"#, with: #""iat":1799996339"#)
        expectRejected(.tooOld) { try Self.verifier().verify(Self.token(claims: old)) }
        let longLived = Self.claims(replacing: #""exp":1800000300"#, with: #""exp":1800003601"#)
        expectRejected(.tooOld) { try Self.verifier().verify(Self.token(claims: longLived)) }
        let int64Max = Self.claims(replacing: #""exp":1800000300"#, with: #""exp":9223372036854775807"#)
        expectRejected(.tooOld) { try Self.verifier().verify(Self.token(claims: int64Max)) }
    }

    @Test(
        "Required claims must be present",
        arguments: [
            (#""sub":"alice","#, "sub"), (#","jti":"j-1""#, "jti"), (#","client_id":"web""#, "client_id"),
            (#","exp":1800000300"#, "exp"), (#","iat":1800000000"#, "iat"),
            (#""iss":"https://auth.test","#, "iss"), (#","aud":"api""#, "aud"),
        ]
    )
    func requiredClaims(_ removed: String, _ name: String) {
        let claims = Self.claims(replacing: removed, with: "")
        #expect(claims != Self.claims)
        let error = expectRejected(.claimMissing) { try Self.verifier().verify(Self.token(claims: claims)) }
        #expect(error?.message.contains(name) == true)
    }

    @Test("Registered claims of the wrong type are invalid")
    func claimTypes() {
        let cases = [
            (#""sub":"alice""#, #""sub":42"#), (#""sub":"alice""#, #""sub":"""#), (#""jti":"j-1""#, #""jti":["j-1"]"#),
            (#""client_id":"web""#, #""client_id":null"#), (#""iss":"https://auth.test""#, #""iss":{"x":1}"#),
            (#""aud":"api""#, #""aud":7"#), (#""aud":"api""#, #""aud":["api",7]"#),
            (#""client_id":"web""#, #""client_id":"web","roles":"admin""#),
        ]
        for (old, new) in cases {
            expectRejected(.claimInvalid, "\(new)") { try Self.verifier().verify(Self.token(claims: Self.claims(replacing: old, with: new))) }
        }
    }

    @Test("iss must equal the expected issuer exactly")
    func issuer() {
        // "\u212A" is the Kelvin sign, canonically equivalent to "K": not the same code points.
        for wrong in ["https://auth.test/", "https://AUTH.test", "https://evil.test", "", "https://auth.tes\\u0074\\u0301"] {
            let claims = Self.claims(replacing: #""iss":"https://auth.test""#, with: #""iss":"\#(wrong)""#)
            expectRejected(.issuerInvalid, "\(wrong)") { try Self.verifier().verify(Self.token(claims: claims)) }
        }
    }

    @Test("iss and aud compare code points exactly: escapes are undone, canonical equivalents differ")
    func exactComparison() throws {
        let kelvin = Self.verifier {
            $0.issuer = "https://Kelvin.test"
            $0.audiences = ["https://api.test/Kelvin"]
        }
        func token(iss: String, aud: String) -> String {
            Self.token(
                claims: Self.claims(replacing: #""iss":"https://auth.test""#, with: #""iss":"\#(iss)""#)
                    .replacingOccurrences(of: #""aud":"api""#, with: #""aud":\#(aud)"#)
            )
        }
        // Escaped spellings of the same code points are the same string (RFC 7519 §7.3).
        #expect(throws: Never.self) { try kelvin.verify(token(iss: #"https:\/\/Kelvin.test"#, aud: #""https:\/\/api.test\/Kelvin""#)) }
        #expect(throws: Never.self) { try kelvin.verify(token(iss: #"https://\u004Belvin.test"#, aud: #"["https:\/\/api.test\/Kelvin"]"#)) }
        // U+212A KELVIN SIGN is canonically equivalent to "K", but another code point.
        expectRejected(.issuerInvalid) { try kelvin.verify(token(iss: #"https://\u212Aelvin.test"#, aud: #""https://api.test/Kelvin""#)) }
        expectRejected(.audienceInvalid) { try kelvin.verify(token(iss: "https://Kelvin.test", aud: #""https://api.test/\u212Aelvin""#)) }
        expectRejected(.audienceInvalid) { try kelvin.verify(token(iss: "https://Kelvin.test", aud: #"["https://api.test/\u212Aelvin"]"#)) }
    }

    @Test("Required claims are found under escaped spellings and past 16 bytes, and only by their exact name")
    func requiredClaimNames() throws {
        let long = "tenant_identifier_of_the_caller"  // longer than the 16 bytes packed into words
        let verifier = Self.verifier { $0.requiredClaims += [long, "cnf"] }
        func token(_ extra: String) -> String {
            Self.token(claims: Self.claims.replacingOccurrences(of: #""client_id":"web""#, with: #""client_id":"web","# + extra))
        }
        #expect(throws: Never.self) { try verifier.verify(token(#""\#(long)":1,"cnf":{}"#)) }
        #expect(throws: Never.self) { try verifier.verify(token(#""tenant_identifier_of_the_calle\u0072":1,"\u0063nf":{}"#)) }
        expectRejected(.claimMissing) { try verifier.verify(token(#""tenant_identifier_of_the_callee":1,"cnf":{}"#)) }
        expectRejected(.claimMissing) { try verifier.verify(token(#""tenant_identifier_of_the_caller":1,"cnfx":{}"#)) }
        expectRejected(.claimMissing) { try verifier.verify(token(#""tenant_identifier_of_the_Caller":1,"cnf":{}"#)) }
    }

    @Test("String-array claims (roles, aud) are read in place: escapes undone, anything but strings refused")
    func stringArrays() throws {
        func token(_ roles: String) -> String {
            Self.token(claims: Self.claims.replacingOccurrences(of: #""client_id":"web""#, with: #""client_id":"web","roles":"# + roles))
        }
        #expect(try Self.verifier().verify(token(#"[ "a\u0062" , "c\/d" ]"#)).claims.roles == ["ab", "c/d"])
        #expect(try Self.verifier().verify(token("[]")).claims.roles == [])
        for refused in [#"[["x"]]"#, #"["a",null]"#, #"[1]"#, #"{"a":"b"}"#, #"["a",{}]"#] {
            expectRejected(.claimInvalid, "\(refused)") { try Self.verifier().verify(token(refused)) }
        }
    }

    @Test("exp at the very end of Int64 verifies and reads back without trapping")
    func dateAtInt64Limit() throws {
        let claims = Self.claims.replacingOccurrences(of: #""exp":"#, with: #""exp":9223372036854775807,"was_exp":"#)
        let verified = try Self.verifier { $0.maximumAge = nil }.verify(Self.token(claims: claims))
        #expect(verified.claims.expiresAt?.wholeSeconds == .max)
        #expect(NumericDate(secondsSinceEpoch: -1e300).wholeSeconds == .min)
    }

    @Test("aud must contain an accepted audience; strings and arrays both work")
    func audience() throws {
        for accepted in [#""aud":["other","api"]"#, #""aud":["api"]"#] {
            #expect(throws: Never.self) { try Self.verifier().verify(Self.token(claims: Self.claims(replacing: #""aud":"api""#, with: accepted))) }
        }
        for refused in [#""aud":"apix""#, #""aud":["other"]"#, #""aud":[]"#, #""aud":"API""#] {
            expectRejected(.audienceInvalid, "\(refused)") {
                try Self.verifier().verify(Self.token(claims: Self.claims(replacing: #""aud":"api""#, with: refused)))
            }
        }
    }

    @Test("A refresh token (typ rt+jwt) never passes as an access token")
    func refreshTokenAsAccessToken() {
        let header = #"{"alg":"ES256","kid":"ec-1","typ":"rt+jwt"}"#
        expectRejected(.typeInvalid) { try Self.verifier().verify(Self.token(header: header)) }
    }

    @Test("Error messages carry no token bytes")
    func messagesWithoutTokenBytes() {
        let token = Self.token(claims: Self.claims(replacing: "alice", with: "secret-subject-value"))
        let parts = Self.segments(token)
        for mutated in [token + "x", parts[0] + ".." + parts[2], "x" + token, token.replacingOccurrences(of: "a", with: "="), token + "." + token] {
            let error = #expect(throws: JWTAuthError.self) { try Self.verifier().verify(mutated) }
            let message = error?.message ?? ""
            #expect(!message.contains("secret-subject") && !parts.contains { message.contains($0.prefix(12)) })
        }
    }
}
