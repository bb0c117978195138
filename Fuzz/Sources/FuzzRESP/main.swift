// libFuzzer target: the RESP2/RESP3 parser of the Redis client. A parsed value re-encodes to
// bytes that parse to the same value; a strict prefix of a whole value is "not yet", never an
// error or another value; nothing crashes or allocates without bound.
import Foundation
import FuzzDriver
import NIOCore

@testable import JWTAuthRESP

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    var buffer = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: size))
    let start = buffer.readerIndex
    guard let value = try? parser.parse(&buffer) else { return 0 }
    let consumed = buffer.readerIndex - start
    guard consumed > 0, consumed <= size else { fatalError("consumed \(consumed) of \(size) bytes") }
    for length in Set([0, consumed / 2, consumed - 1]) where length < consumed {
        var prefix = ByteBuffer(bytes: UnsafeBufferPointer(start: data, count: length))
        switch Result(catching: { () throws(RedisError) -> RESPValue? in try parser.parse(&prefix) }) {
        case .success(nil): break
        case .success(.some): fatalError("a prefix of \(length) bytes parsed as a whole value")
        case .failure: fatalError("a prefix of \(length) bytes of a valid value was refused")
        }
    }
    var encoded = ByteBuffer()
    value.encode(into: &encoded)
    guard let again = try? parser.parse(&encoded), encoded.readableBytes == 0 else {
        fatalError("a re-encoded value does not parse whole")
    }
    guard equivalent(again, value) else { fatalError("re-encoding changed a value") }
    return 0
}

/// `==`, except that a double NaN matches a NaN (it is not equal to itself) and maps match
/// entry by entry in any order (a key holding a NaN cannot be looked up in a dictionary).
func equivalent(_ a: RESPValue, _ b: RESPValue) -> Bool {
    switch (a, b) {
    case (.double(let x), .double(let y)):
        return x == y || (x.isNaN && y.isNaN)
    case (.array(let x?), .array(let y?)), (.set(let x), .set(let y)), (.push(let x), .push(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { equivalent($0, $1) }
    case (.map(let x), .map(let y)):
        guard x.count == y.count else { return false }
        var unmatched = Array(y)
        for (key, value) in x {
            guard let index = unmatched.firstIndex(where: { equivalent($0.key, key) && equivalent($0.value, value) }) else { return false }
            unmatched.remove(at: index)
        }
        return true
    default:
        return a == b
    }
}

runFuzzer(fuzzRESP)
