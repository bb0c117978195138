/// What a `RedisClient.subscribe(channel:)` stream yields.
package enum RedisSubscriptionEvent: Sendable, Hashable {
    /// The server confirmed the subscription: at the start and again after every reconnect.
    /// Messages published while disconnected are lost, so this is the cue to catch up.
    case subscribed
    /// One published message's payload.
    case message([UInt8])
    /// The subscription is down (the connection was lost, or the first connect failed);
    /// the client keeps reconnecting with backoff and yields `.subscribed` when it is back.
    case disconnected
}
