/// One reply (or request) in the Redis serialization protocol, RESP2 and RESP3.
///
/// Error replies are values here, not thrown errors, so a pipeline can return a failed command
/// beside the ones that succeeded; `RedisClient.send` turns them into `RedisError` for you.
package enum RESPValue: Sendable, Hashable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR …` and RESP3's blob error `!`: the whole line, code first (`NOSCRIPT No matching …`).
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$3 foo`; `nil` is RESP2's null bulk string `$-1`.
    case bulkString([UInt8]?)
    /// `*2 …`; `nil` is RESP2's null array `*-1`.
    case array([RESPValue]?)
    /// RESP3 `_`.
    case null
    /// RESP3 `#t` / `#f`.
    case boolean(Bool)
    /// RESP3 `,1.5` (also `inf`, `-inf`, `nan`).
    case double(Double)
    /// RESP3 `(3492890328409238509324850943850943825024385`, kept as its decimal digits.
    case bigNumber(String)
    /// RESP3 `=15 txt:Some string`; the three-letter format prefix is dropped.
    case verbatimString(String)
    /// RESP3 `%`. Redis never repeats a key; if a server did, the last value wins.
    case map([RESPValue: RESPValue])
    /// RESP3 `~`, in the order received.
    case set([RESPValue])
    /// RESP3 `>`: out-of-band data such as pub/sub messages, never a reply to a command.
    case push([RESPValue])
}
