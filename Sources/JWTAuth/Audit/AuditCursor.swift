/// A position in the audit log: reading after it continues with the next stored event.
///
/// Opaque to callers (the store's sequence number, in decimal); ``init(parsing:)`` checks
/// input from a request or a command line.
public struct AuditCursor: Sendable, Hashable {
    /// The position as the store wrote it.
    public var value: String
    /// The sequence number it stands for.
    public var sequence: Int64 { Int64(self.value) ?? 0 }

    /// The cursor of a stored event's sequence number.
    public init(sequence: Int64) { self.value = String(sequence) }

    /// A cursor given by a caller. Throws `invalid_input` for anything a store did not hand
    /// out (a cursor is 1 to 18 decimal digits).
    public init(parsing text: String) throws(JWTAuthError) {
        guard (1...18).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let sequence = Int64(text) else {
            throw .invalidInput("after is a cursor from a previous page")
        }
        self.init(sequence: sequence)
    }
}
