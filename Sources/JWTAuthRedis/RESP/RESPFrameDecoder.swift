import NIOCore

/// Turns the byte stream of a Redis connection into `RESPValue`s for `RedisCommandHandler`.
/// A frame split across reads waits in `ByteToMessageHandler`'s buffer; anything malformed or
/// over the limits is thrown, which closes the connection.
struct RESPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    let parser: RESPParser

    init(limits: RESPParser.Limits = RESPParser.Limits()) {
        self.parser = RESPParser(limits: limits)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.parse(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // Whole frames still buffered at EOF are delivered; a partial one dies with the
        // connection, and the commands waiting for it fail as the channel goes inactive.
        try decode(context: context, buffer: &buffer)
    }
}
