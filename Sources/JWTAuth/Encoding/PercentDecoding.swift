/// `%XX` decoding for the places that take URL-encoded text: form bodies, and user names and
/// passwords in database and Redis URLs. Shared by the modules above the core so that all of
/// them refuse the same malformed input.
package enum PercentDecoding {
    /// Decodes `bytes`, or returns `nil` when an escape is not `%` and two hex digits or the
    /// result is not UTF-8.
    ///
    /// - Parameter plusIsSpace: Whether `+` stands for a space
    ///   (`application/x-www-form-urlencoded`); in URLs it is itself.
    package static func decode(_ bytes: some Collection<UInt8>, plusIsSpace: Bool = false) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var iterator = bytes.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next().flatMap(JSONReader.hexValue), let low = iterator.next().flatMap(JSONReader.hexValue) else { return nil }
                output.append(high << 4 | low)
            case UInt8(ascii: "+") where plusIsSpace:
                output.append(UInt8(ascii: " "))
            default:
                output.append(byte)
            }
        }
        return String(validating: output, as: UTF8.self)
    }

}
