/// Which of Redis Cluster's 16384 hash slots a key lives in: CRC16-XMODEM of the key, or of its
/// `{hash tag}` when it has a non-empty one, so `{user1}.a` and `{user1}.b` share a slot.
package enum RedisKeySlot {
    package static let count = 16384

    package static func slot(for key: String) -> Int {
        slot(for: Array(key.utf8))
    }

    package static func slot(for key: [UInt8]) -> Int {
        Int(crc16(hashedPart(of: key)) % UInt16(count))
    }

    /// The bytes between the first `{` and the first `}` after it, if there are any; the whole
    /// key otherwise (also for `{}`, which Redis treats as no tag).
    package static func hashedPart(of key: [UInt8]) -> ArraySlice<UInt8> {
        if let open = key.firstIndex(of: UInt8(ascii: "{")),
            let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
            close > open + 1
        {
            return key[(open + 1)..<close]
        }
        return key[...]
    }

    /// CRC16-CCITT in its XMODEM variant (polynomial 0x1021, initial value 0), as the Redis
    /// Cluster specification defines it.
    package static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 {
            crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
        }
        return crc
    }
}
