import Foundation
import Testing

@testable import JWTAuth

/// C2SP Wycheproof JWS and JWK vectors, read from `../shared/vectors/wycheproof` at test time
/// (never committed), with the project's curation notes applied (`curation.json`).
@Suite("Wycheproof vectors", .enabled(if: Fixtures.wycheproofAvailable, "../shared/vectors/wycheproof is not present: skipped"))
struct WycheproofTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var file: String
        var group: String
        var tcId: Int
        var comment: String
        var keySet: String
        var token: String
        var expectValid: Bool
        /// The error class the strict reference oracle reports, when known.
        var oracleClass: String?
        var testDescription: String { "\(self.file) #\(self.tcId) \(self.group)/\(self.comment)" }
    }

    static let cases: [Case] = {
        guard let root = Fixtures.sharedVectors?.appendingPathComponent("wycheproof") else { return [] }
        let curation = (try? Fixtures.json(root.appendingPathComponent("curation.json"))) as? [String: Any] ?? [:]
        var oracle: [String: [String: Any]] = [:]
        for row in curation["rows"] as? [[String: Any]] ?? [] {
            oracle["\(row["file"] ?? "")#\(row["tcId"] ?? "")"] = row
        }
        var cases: [Case] = []
        for file in ["json_web_signature_test.json", "json_web_key_test.json", "json_web_crypto_test.json"] {
            let url = root.appendingPathComponent("testvectors_v1").appendingPathComponent(file)
            guard let document = (try? Fixtures.json(url)) as? [String: Any] else { continue }
            for group in document["testGroups"] as? [[String: Any]] ?? [] {
                guard let key = group["public"] ?? group["private"] else { continue }
                // A single JWK is checked as a one-key set, so every case goes through one path.
                let keySet: Any = (key as? [String: Any])?["keys"] != nil ? key : ["keys": [key]]
                for test in group["tests"] as? [[String: Any]] ?? [] {
                    guard let token = test["jws"] as? String, let tcId = test["tcId"] as? Int else { continue }
                    let row = oracle["\(file)#\(tcId)"]
                    // Curation: upstream labels, except where a strict reading of RFC 7515/7518
                    // disagrees (keys bound to their alg; '?' inserted into a segment; padding).
                    var expectValid = test["result"] as? String == "valid"
                    if let row, let oracleValid = row["oracle_valid"] as? Bool,
                        [346, 347, 350, 351, 367, 370, 372, 373].contains(tcId), file == "json_web_signature_test.json"
                    {
                        expectValid = oracleValid
                    }
                    cases.append(
                        Case(
                            file: file,
                            group: group["comment"] as? String ?? "",
                            tcId: tcId,
                            comment: test["comment"] as? String ?? "",
                            keySet: (try? Fixtures.jsonText(keySet)) ?? "",
                            token: token,
                            expectValid: expectValid,
                            oracleClass: row?["oracle_error_class"] as? String
                        )
                    )
                }
            }
        }
        return cases
    }()

    @Test("Every vector file and the curation notes were found and read")
    func loaded() {
        // A file that went missing or stopped parsing would otherwise just contribute no cases.
        for file in ["json_web_signature_test.json", "json_web_key_test.json", "json_web_crypto_test.json"] {
            #expect(Self.cases.contains { $0.file == file }, "no cases from \(file)")
        }
        #expect(Self.cases.count > 400)
        #expect(Self.cases.contains { $0.oracleClass != nil }, "curation.json was not applied")
    }

    @Test("Each vector is accepted or rejected as curated", arguments: cases)
    func vector(_ testCase: Case) {
        let outcome: Result<VerifiedJWS, JWTAuthError> = Result { () throws(JWTAuthError) in
            let keys = try JWTKeySet(jwks: testCase.keySet)
            return try JWTVerifier(keys: keys).verifyJWS(testCase.token)
        }
        switch outcome {
        case .success:
            #expect(testCase.expectValid, "accepted, but the vector must be rejected")
        case .failure(let error):
            #expect(!testCase.expectValid, "rejected with \(error), but the vector is valid")
            // Where the strict reference oracle names a class, ours agrees; key problems are
            // found while loading the set, before any token is read.
            if let oracleClass = testCase.oracleClass, testCase.file == "json_web_signature_test.json" {
                #expect(
                    error.code.description == oracleClass || Self.equivalent(error.code, oracleClass),
                    "ours: \(error), oracle: \(oracleClass)"
                )
            }
        }
    }

    /// Classes that name the same fault from a different angle.
    static func equivalent(_ code: JWTAuthError.Code, _ oracleClass: String) -> Bool {
        switch (code.description, oracleClass) {
        // A key set left empty (every key skipped as not for signatures) cannot name the key.
        case ("alg_rejected", "key_unknown"), ("key_unknown", "alg_rejected"): true
        default: false
        }
    }
}
