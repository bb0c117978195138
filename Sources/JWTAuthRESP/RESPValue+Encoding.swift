package import NIOCore

extension RESPValue {
    /// Writes this value in RESP (RESP3 spellings for RESP3 types). Clients only ever send
    /// arrays of bulk strings (`RESPCommandEncoder`); this exists so tests can produce every
    /// reply a server may send and check that decoding gives the same value back.
    package func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .simpleString(let text):
            buffer.writeString("+\(text)\r\n")
        case .error(let text) where text.utf8.contains(where: { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }):
            // A line cannot hold it (it came as a RESP3 blob error): a blob error again.
            buffer.writeString("!\(text.utf8.count)\r\n\(text)\r\n")
        case .error(let text):
            buffer.writeString("-\(text)\r\n")
        case .integer(let value):
            buffer.writeString(":\(value)\r\n")
        case .bulkString(nil):
            buffer.writeStaticString("$-1\r\n")
        case .bulkString(let bytes?):
            buffer.writeString("$\(bytes.count)\r\n")
            buffer.writeBytes(bytes)
            buffer.writeStaticString("\r\n")
        case .array(nil):
            buffer.writeStaticString("*-1\r\n")
        case .array(let elements?):
            Self.encodeAggregate("*", elements, into: &buffer)
        case .null:
            buffer.writeStaticString("_\r\n")
        case .boolean(let value):
            buffer.writeString(value ? "#t\r\n" : "#f\r\n")
        case .double(let value):
            let spelled = value.isNaN ? "nan" : value.isInfinite ? (value < 0 ? "-inf" : "inf") : "\(value)"
            buffer.writeString(",\(spelled)\r\n")
        case .bigNumber(let digits):
            buffer.writeString("(\(digits)\r\n")
        case .verbatimString(let text):
            buffer.writeString("=\(text.utf8.count + 4)\r\ntxt:\(text)\r\n")
        case .map(let entries):
            buffer.writeString("%\(entries.count)\r\n")
            for (key, value) in entries {
                key.encode(into: &buffer)
                value.encode(into: &buffer)
            }
        case .set(let elements):
            Self.encodeAggregate("~", elements, into: &buffer)
        case .push(let elements):
            Self.encodeAggregate(">", elements, into: &buffer)
        }
    }

    private static func encodeAggregate(_ type: Character, _ elements: [RESPValue], into buffer: inout ByteBuffer) {
        buffer.writeString("\(type)\(elements.count)\r\n")
        for element in elements { element.encode(into: &buffer) }
    }
}
