/// Which master serves each of the 16384 slots, as `CLUSTER SLOTS` last reported it and
/// `MOVED` redirects have corrected since.
package struct RedisClusterSlotMap: Sendable {
    private(set) var nodes: [RedisEndpoint] = []
    /// Index into `nodes` per slot; `UInt16.max` for a slot no node serves.
    private var owners = [UInt16](repeating: .max, count: RedisKeySlot.count)

    package init() {}

    /// Every slot served by `endpoint`; tests use it to start from a wrong map.
    package init(allSlotsServedBy endpoint: RedisEndpoint) {
        nodes = [endpoint]
        owners = [UInt16](repeating: 0, count: RedisKeySlot.count)
    }

    /// Reads a `CLUSTER SLOTS` reply: `[[start, end, [host, port, id, …], replica…], …]`. A
    /// node with an empty or `?` host is the one that answered (`queried`).
    package init(clusterSlots reply: RESPValue, queried: RedisEndpoint) throws(RedisError) {
        guard let ranges = reply.array else { throw .protocolError("CLUSTER SLOTS did not answer an array") }
        for range in ranges {
            guard let fields = range.array, fields.count >= 3,
                let start = fields[0].int, let end = fields[1].int,
                0 <= start, start <= end, end < RedisKeySlot.count,
                let master = fields[2].array, master.count >= 2,
                let host = master[0].string, let port = master[1].int, (1...65535).contains(port)
            else { throw .protocolError("CLUSTER SLOTS answered a range this client cannot read") }
            let endpoint = RedisEndpoint(host: host.isEmpty || host == "?" ? queried.host : host, port: Int(port))
            for slot in Int(start)...Int(end) {
                setOwner(endpoint, of: slot)
            }
        }
    }

    package func owner(of slot: Int) -> RedisEndpoint? {
        let index = owners[slot]
        return index == .max ? nil : nodes[Int(index)]
    }

    /// How many slots have an owner; a healthy cluster covers all 16384.
    package var coveredSlots: Int { owners.count { $0 != .max } }

    package mutating func setOwner(_ endpoint: RedisEndpoint, of slot: Int) {
        if let index = nodes.firstIndex(of: endpoint) {
            owners[slot] = UInt16(index)
        } else {
            nodes.append(endpoint)
            owners[slot] = UInt16(nodes.count - 1)
        }
    }
}
