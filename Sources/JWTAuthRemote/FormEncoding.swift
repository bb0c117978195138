/// `application/x-www-form-urlencoded` as the URL standard writes it: ASCII letters, digits
/// and `*-._` stay, a space becomes `+`, every other byte is percent-encoded.
enum FormEncoding {
    /// One name or value, encoded.
    static func encode(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                output.append("+")
            default:
                let digits = Array("0123456789ABCDEF".unicodeScalars)
                output.append("%")
                output.unicodeScalars.append(digits[Int(byte >> 4)])
                output.unicodeScalars.append(digits[Int(byte & 0xF)])
            }
        }
        return output
    }

    /// `name=value&…`, each encoded.
    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
    }
}
