/// A cluster node's `-MOVED slot host:port` (the slot lives elsewhere now: update the map) or
/// `-ASK slot host:port` (the slot is migrating: ask that node once, after `ASKING`).
package struct RedisRedirect: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case moved
        case ask
    }

    package var kind: Kind
    package var slot: Int
    package var endpoint: RedisEndpoint

    package init(kind: Kind, slot: Int, endpoint: RedisEndpoint) {
        self.kind = kind
        self.slot = slot
        self.endpoint = endpoint
    }

    /// `nil` for any error that is not a well-formed redirect.
    package init?(errorMessage: String, from node: RedisEndpoint) {
        let parts = errorMessage.split(separator: " ")
        guard parts.count == 3, let slot = Int(parts[1]), (0..<RedisKeySlot.count).contains(slot),
            let endpoint = RedisEndpoint(redirectTarget: parts[2], defaultHost: node.host)
        else { return nil }
        switch parts[0] {
        case "MOVED": kind = .moved
        case "ASK": kind = .ask
        default: return nil
        }
        self.slot = slot
        self.endpoint = endpoint
    }
}
