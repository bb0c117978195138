package import NIOCore

/// Writes commands the way every Redis server accepts them: an array of bulk strings, binary
/// safe, whatever the protocol version.
package enum RESPCommandEncoder {
    package static func encode(_ arguments: [[UInt8]], into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(ascii: "*"))
        writeDecimal(arguments.count, into: &buffer)
        for argument in arguments {
            buffer.writeInteger(UInt8(ascii: "$"))
            writeDecimal(argument.count, into: &buffer)
            buffer.writeBytes(argument)
            buffer.writeStaticString("\r\n")
        }
    }

    /// Bytes needed for `arguments`, so a pipeline allocates its buffer once.
    package static func encodedLength(_ arguments: [[UInt8]]) -> Int {
        arguments.reduce(16) { $0 + $1.count + 16 }
    }

    /// A count and CRLF. Decimal strings this short are stored inline, so this allocates nothing.
    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        buffer.writeString(String(value))
        buffer.writeStaticString("\r\n")
    }
}
