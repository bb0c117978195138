/// Writes compact JSON into a byte buffer. Used for headers, claims and JWKs, where
/// `JSONEncoder` would cost more than the signature itself for the fast algorithms.
struct JSONWriter {
    var bytes: [UInt8]

    init(capacity: Int = 256) {
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func raw(_ literal: StaticString) {
        self.bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func byte(_ byte: UInt8) {
        self.bytes.append(byte)
    }

    /// Writes `"name":` — the name must be a plain ASCII literal without characters to escape.
    @inline(__always)
    mutating func key(_ name: StaticString) {
        self.bytes.append(UInt8(ascii: "\""))
        self.raw(name)
        self.bytes.append(UInt8(ascii: "\""))
        self.bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { self.string(utf8: $0) }
    }

    mutating func string(utf8: UnsafeBufferPointer<UInt8>) {
        self.bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        var index = 0
        let count = utf8.count
        while index < count {
            let byte = utf8[index]
            // Most bytes are copied as they are, in runs.
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") {
                index += 1
                continue
            }
            self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            self.bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""): self.bytes.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): self.bytes.append(UInt8(ascii: "\\"))
            case 0x0A: self.bytes.append(UInt8(ascii: "n"))
            case 0x0D: self.bytes.append(UInt8(ascii: "r"))
            case 0x09: self.bytes.append(UInt8(ascii: "t"))
            case 0x08: self.bytes.append(UInt8(ascii: "b"))
            case 0x0C: self.bytes.append(UInt8(ascii: "f"))
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                self.raw("u00")
                self.bytes.append(hex[Int(byte >> 4)])
                self.bytes.append(hex[Int(byte & 0x0F)])
            }
            index += 1
            runStart = index
        }
        self.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<count]))
        self.bytes.append(UInt8(ascii: "\""))
    }

    mutating func integer(_ value: Int64) {
        if value == 0 {
            self.bytes.append(UInt8(ascii: "0"))
            return
        }
        // Digits of the magnitude, written backwards into a small stack buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var count = 0
            while magnitude > 0 {
                digits[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            }
            if value < 0 { self.bytes.append(UInt8(ascii: "-")) }
            while count > 0 {
                count -= 1
                self.bytes.append(digits[count])
            }
        }
    }

    /// Writes a finite double; integral values within `Int64` are written without a fraction.
    mutating func double(_ value: Double) {
        precondition(value.isFinite, "JSON cannot represent NaN or infinity")
        if value == value.rounded(), abs(value) < 9.0e15 {
            self.integer(Int64(value))
        } else {
            self.bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: self.raw("null")
        case .bool(let flag): flag ? self.raw("true") : self.raw("false")
        case .integer(let integer): self.integer(integer)
        case .double(let double):
            if double.isFinite { self.double(double) } else { self.raw("null") }
        case .string(let string): self.string(string)
        case .array(let elements):
            self.byte(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { self.byte(UInt8(ascii: ",")) }
                self.write(element)
            }
            self.byte(UInt8(ascii: "]"))
        case .object(let members):
            self.byte(UInt8(ascii: "{"))
            for (index, name) in members.keys.sorted().enumerated() {
                if index > 0 { self.byte(UInt8(ascii: ",")) }
                self.string(name)
                self.byte(UInt8(ascii: ":"))
                if let member = members[name] { self.write(member) }
            }
            self.byte(UInt8(ascii: "}"))
        }
    }
}
