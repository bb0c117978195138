import Synchronization

/// Tokens that verified recently, so that a client sending the same access token with every
/// request pays for its signature check once, not on each request.
///
/// For ES256 or EdDSA the signature is nearly all of a verification's cost (≈ 50 µs against
/// ≈ 3 µs for everything else), and a client reuses one access token for its whole lifetime.
/// Only tokens that passed every check are remembered, each under its exact bytes (compared
/// in full, in constant time, after a lookup by a per-process seeded hash); a hit still runs
/// the time rules, and the caller still checks revocation on every use.
///
/// Bounded by two generations of at most `capacity / 2` entries: when the current one fills,
/// it becomes the previous one and the oldest generation is dropped; a hit in the previous
/// generation moves the entry forward. That keeps the tokens in use and forgets the rest
/// without a clock or a list to maintain.
final class VerifiedTokenCache: Sendable {
    private struct Entry {
        let bytes: [UInt8]
        let token: VerifiedJWT
        /// The ``KeyRing`` generation the token was verified under (0 for a fixed key set).
        let generation: UInt64
    }

    private struct State {
        var current: [Int: Entry] = [:]
        var previous: [Int: Entry] = [:]
    }

    /// Entries per generation.
    let generationCapacity: Int
    private let state = Mutex(State())

    /// - Parameter capacity: At most this many tokens are remembered (at least 2).
    init(capacity: Int) {
        self.generationCapacity = max(1, capacity / 2)
    }

    /// The verified token with exactly these bytes, if it is remembered and was verified under
    /// the keys of `generation` (a token verified under other keys must be checked again: its
    /// key may be gone).
    func lookup(_ bytes: UnsafeRawBufferPointer, generation: UInt64 = 0) -> VerifiedJWT? {
        let key = Self.key(bytes)
        return self.state.withLock { state -> VerifiedJWT? in
            if let entry = state.current[key] {
                return entry.generation == generation && Self.matches(entry, bytes) ? entry.token : nil
            }
            guard let entry = state.previous.removeValue(forKey: key) else { return nil }
            guard entry.generation == generation, Self.matches(entry, bytes) else { return nil }
            Self.insert(entry, key: key, into: &state, capacity: self.generationCapacity)
            return entry.token
        }
    }

    /// Remembers a token that passed every check.
    func insert(_ bytes: UnsafeRawBufferPointer, _ token: VerifiedJWT, generation: UInt64 = 0) {
        let entry = Entry(bytes: Array(bytes), token: token, generation: generation)
        let key = Self.key(bytes)
        self.state.withLock { Self.insert(entry, key: key, into: &$0, capacity: self.generationCapacity) }
    }

    /// Forgets a token (it expired, say).
    func remove(_ bytes: UnsafeRawBufferPointer) {
        let key = Self.key(bytes)
        self.state.withLock { state in
            if let entry = state.current[key], Self.matches(entry, bytes) { state.current[key] = nil }
            if let entry = state.previous[key], Self.matches(entry, bytes) { state.previous[key] = nil }
        }
    }

    /// How many tokens are remembered.
    var count: Int { self.state.withLock { $0.current.count + $0.previous.count } }

    private static func insert(_ entry: Entry, key: Int, into state: inout State, capacity: Int) {
        if state.current.count >= capacity, state.current[key] == nil {
            state.previous = state.current
            state.current = [:]
            state.current.reserveCapacity(capacity)
        }
        state.current[key] = entry
    }

    private static func matches(_ entry: Entry, _ bytes: UnsafeRawBufferPointer) -> Bool {
        entry.bytes.withUnsafeBytes { ConstantTime.equals($0, bytes) }
    }

    /// `Hasher` is seeded per process, so no one can aim tokens at one bucket; a collision
    /// is only a miss, because entries are compared in full.
    private static func key(_ bytes: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: bytes)
        return hasher.finalize()
    }
}
