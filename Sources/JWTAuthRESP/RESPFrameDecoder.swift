package import NIOCore

/// Turns the byte stream of a Redis connection into `RESPValue`s for `RedisCommandHandler`.
/// A frame split across reads waits in `ByteToMessageHandler`'s buffer; anything malformed or
/// over the limits is thrown, which closes the connection.
package struct RESPFrameDecoder: ByteToMessageDecoder {
    package typealias InboundOut = RESPValue

    package let parser: RESPParser

    package init(limits: RESPParser.Limits = RESPParser.Limits()) {
        self.parser = RESPParser(limits: limits)
    }

    package mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    package mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // Whole frames still buffered at EOF are delivered; a partial one dies with the
        // connection, and the commands waiting for it fail as the channel goes inactive.
        try decode(context: context, buffer: &buffer)
    }
}
