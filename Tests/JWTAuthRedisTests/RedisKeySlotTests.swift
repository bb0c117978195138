import Testing

@testable import JWTAuthRESP

@Suite("Cluster key slots, redirects and slot maps")
struct RedisKeySlotTests {
    @Test("CRC16-XMODEM matches its check value and the Redis Cluster specification's examples")
    func knownValues() {
        #expect(RedisKeySlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RedisKeySlot.slot(for: "123456789") == 12739)
        #expect(RedisKeySlot.slot(for: "foo") == 12182)
        #expect(RedisKeySlot.slot(for: "") == 0)
    }

    @Test("The table-driven CRC equals the bit-by-bit definition")
    func tableMatchesDefinition() {
        var generator = SplitMix64(seed: 16)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            var crc: UInt16 = 0
            for byte in bytes {
                crc ^= UInt16(byte) << 8
                for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
            }
            #expect(RedisKeySlot.crc16(bytes) == crc)
        }
    }

    @Test(
        "Hash tags follow the specification's rules",
        arguments: [
            ("{user1000}.following", "user1000"),
            ("{user1000}.followers", "user1000"),
            ("foo{}{bar}", "foo{}{bar}"),
            ("foo{{bar}}zap", "{bar"),
            ("foo{bar}{zap}", "bar"),
            ("{}", "{}"),
            ("{a", "{a"),
            ("a}b{", "a}b{"),
            ("x{y}", "y"),
        ]
    )
    func hashTags(key: String, hashed: String) {
        #expect(String(decoding: RedisKeySlot.hashedPart(of: Array(key.utf8)), as: UTF8.self) == hashed)
        #expect(RedisKeySlot.slot(for: key) == RedisKeySlot.slot(for: hashed))
    }

    @Test("Keys tagged with the same user share a slot")
    func sameUserSameSlot() {
        #expect(RedisKeySlot.slot(for: "{user1000}.following") == RedisKeySlot.slot(for: "{user1000}.followers"))
        let slots = Set((0..<100).map { RedisKeySlot.slot(for: "jwtauth:{u\($0)}:sessions") })
        #expect(slots.count > 90)
    }

    @Test("MOVED and ASK replies are read, including empty and IPv6 hosts")
    func redirects() {
        let node = RedisEndpoint(host: "10.0.0.9", port: 7000)
        #expect(RedisRedirect(errorMessage: "MOVED 3999 127.0.0.1:6381", from: node) == RedisRedirect(kind: .moved, slot: 3999, host: "127.0.0.1", port: 6381))
        #expect(RedisRedirect(errorMessage: "ASK 0 redis-2.local:7002", from: node) == RedisRedirect(kind: .ask, slot: 0, host: "redis-2.local", port: 7002))
        #expect(RedisRedirect(errorMessage: "MOVED 16383 :7005", from: node) == RedisRedirect(kind: .moved, slot: 16383, host: "10.0.0.9", port: 7005))
        #expect(RedisRedirect(errorMessage: "MOVED 1 ::1:7005", from: node) == RedisRedirect(kind: .moved, slot: 1, host: "::1", port: 7005))
        #expect(RedisRedirect(errorMessage: "MOVED 16384 a:1", from: node) == nil)
        #expect(RedisRedirect(errorMessage: "MOVED 1 a:0", from: node) == nil)
        #expect(RedisRedirect(errorMessage: "MOVED 1", from: node) == nil)
        #expect(RedisRedirect(errorMessage: "ERR MOVED 1 a:1", from: node) == nil)
        #expect(RedisRedirect(errorMessage: "NOSCRIPT No matching script", from: node) == nil)
    }

    @Test("A CLUSTER SLOTS reply becomes a slot map; an empty host means the node asked")
    func slotMap() throws {
        func node(_ host: String, _ port: Int64) -> RESPValue {
            .array([.bulkString(Array(host.utf8)), .integer(port), .bulkString(Array("id".utf8))])
        }
        let reply = RESPValue.array([
            .array([.integer(0), .integer(5460), node("127.0.0.1", 7001), node("127.0.0.1", 7004)]),
            .array([.integer(5461), .integer(10922), node("", 7002)]),
            .array([.integer(10923), .integer(16383), node("127.0.0.1", 7003)]),
        ])
        let queried = RedisEndpoint(host: "127.0.0.2", port: 7002)
        var map = try RedisClusterSlotMap(clusterSlots: reply, queried: queried)
        #expect(map.coveredSlots == 16384)
        #expect(map.nodes.count == 3)
        #expect(map.owner(of: 0) == RedisEndpoint(host: "127.0.0.1", port: 7001))
        #expect(map.owner(of: 5461) == queried)
        #expect(map.owner(of: 16383) == RedisEndpoint(host: "127.0.0.1", port: 7003))
        map.setOwner(RedisEndpoint(host: "127.0.0.1", port: 7003), of: 0)
        #expect(map.owner(of: 0) == RedisEndpoint(host: "127.0.0.1", port: 7003))
        #expect(map.nodes.count == 3)

        #expect(throws: RedisError.self) {
            try RedisClusterSlotMap(clusterSlots: .array([.array([.integer(0), .integer(16384), node("a", 1)])]), queried: queried)
        }
        #expect(throws: RedisError.self) { try RedisClusterSlotMap(clusterSlots: .simpleString("OK"), queried: queried) }
    }
}

extension RedisRedirect {
    init(kind: Kind, slot: Int, host: String, port: Int) {
        self.init(kind: kind, slot: slot, endpoint: RedisEndpoint(host: host, port: port))
    }
}
