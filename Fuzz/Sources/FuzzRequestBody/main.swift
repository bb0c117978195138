// libFuzzer target: request-body parsing of the token routes (JSON objects and strict
// urlencoded forms). Every failure must be a 4xx AuthHTTPError — bad input is never a 5xx —
// and a parsed body's fields read back without crashing.
import Foundation
import FuzzDriver
import JWTAuthHTTP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequestBody(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    for contentType in contentTypes {
        for form in [false, true] {
            do {
                let fields = try RequestFields.parse(bytes, contentType: contentType, form: form)
                for name in ["username", "password", "refresh_token", "token", "grant_type"] {
                    _ = try? fields.string(name)
                }
            } catch let error as AuthHTTPError {
                guard (400..<500).contains(error.status.code) else { fatalError("a \(error.status.code) for bad input") }
            } catch {
                fatalError("an error that is not an HTTP error: \(error)")
            }
        }
    }
    return 0
}

runFuzzer(fuzzRequestBody)
