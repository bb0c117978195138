package import NIOCore

/// What `RedisConnection` writes into its channel for `RedisCommandHandler`.
package enum RedisRequest: Sendable {
    /// Commands sent back to back, answered in order: one promise for the whole batch, so a
    /// pipeline of a thousand commands costs one promise and one timer check, not a thousand.
    case commands([[[UInt8]]], EventLoopPromise<[RESPValue]>)
    /// `SUBSCRIBE`: its confirmations and the messages after it arrive as pushes (RESP3) or as
    /// arrays in RESP2's subscriber mode, never as replies to wait for.
    case subscribe([[UInt8]])
}
