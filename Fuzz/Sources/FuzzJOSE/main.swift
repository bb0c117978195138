// libFuzzer target: the JSON reader under everything the JOSE core parses (headers, claims,
// JWKs). Two readers must agree: the tree parser (JSONValue) and the streaming reader the
// verifier uses for claims, reached here through a verifier whose every other check passes.
import Foundation
import FuzzDriver
import JWTAuth

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJOSE(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let tree = try? JSONValue(parsingBytes: bytes)
    // A parsed value must survive writing and reading back unchanged.
    if let tree {
        guard let again = try? JSONValue(parsing: tree.jsonString), equivalent(again, tree) else {
            fatalError("JSON round trip changed a value: \(tree.jsonString)")
        }
    }
    // The same bytes as a JWS payload under a key we hold: the streaming claims reader must
    // accept exactly the objects the tree parser accepts (a claims set it did not refuse
    // can never fail to decode later).
    if let token = FuzzSupport.sign(payload: bytes) {
        let accepted = (try? verifier.verifyJWT(token)) != nil
        let isObject = tree?.objectValue != nil
        if accepted && !isObject { fatalError("the claims reader accepted what the tree parser refuses") }
    }
    return 0
}

/// Equal as JSON: numbers by value (`1.8e9` is written back as `1800000000`, an integer).
func equivalent(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.integer, .integer), (.integer, .double), (.double, .integer), (.double, .double):
        return a.doubleValue == b.doubleValue
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && x.allSatisfy { key, value in y[key].map { equivalent(value, $0) } ?? false }
    default:
        return a == b
    }
}

runFuzzer(fuzzJOSE)
