import Foundation

/// Reads a JSON member that should be a number but may arrive as a numeric string, finite
/// values only. Server replies and token payloads are read tolerantly because a strict failure
/// here would end a working session over a formatting quirk.
enum FlexibleNumber {
    static func decode<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key) -> Double? {
        if let number = try? container.decode(Double.self, forKey: key), number.isFinite {
            return number
        }
        if let text = try? container.decode(String.self, forKey: key),
            let number = Double(text.trimmingCharacters(in: .whitespaces)), number.isFinite
        {
            return number
        }
        return nil
    }
}
