import HummingbirdBcrypt
public import JWTAuth
public import NIOPosix

/// bcrypt (HummingbirdBcrypt) on a thread pool of its own, so the seconds of CPU a burst of
/// logins costs never block an event loop or the database's threads.
public struct BcryptPasswordHasher: PasswordHasher {
    /// The work factor; 10 or more in production (each step doubles the time).
    public let cost: UInt8
    private let threadPool: NIOThreadPool

    /// Creates a hasher; a `cost` outside 4…31 is a programming error and traps.
    ///
    /// - Parameter threadPool: Where hashing runs; started by the caller.
    public init(cost: UInt8 = 11, threadPool: NIOThreadPool) {
        precondition((4...31).contains(cost), "bcrypt cost must be 4...31")
        self.cost = cost
        self.threadPool = threadPool
    }

    /// Hashes `password` at ``cost`` on the thread pool; throws when the pool is not running.
    public func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await self.threadPool.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// True when `password` matches `hash`; checked on the thread pool.
    public func verify(_ password: String, against hash: String) async throws -> Bool {
        try await self.threadPool.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// True when `hash` has another work factor than ``cost`` (or none that can be read).
    public func needsRehash(_ hash: String) -> Bool {
        Self.cost(of: hash) != self.cost
    }

    /// After a check against a hash cheaper than ``cost``, the difference: bcrypt at cost *c*
    /// is 2^c rounds, and 2^cost − 2^c is the sum of 2^k for k from c to cost − 1, so one
    /// throwaway hash at each of those costs brings the total to a check at ``cost``.
    public func equalizeWork(after hash: String) async throws {
        let costs = Self.equalizingCosts(from: Self.cost(of: hash), to: self.cost)
        guard !costs.isEmpty else { return }
        try await self.threadPool.runIfActive {
            for cost in costs { _ = Bcrypt.hash("equalizing work", cost: cost) }
        }
    }

    /// The costs of the throwaway hashes that bring a check at `stored` up to one at `current`.
    static func equalizingCosts(from stored: UInt8?, to current: UInt8) -> [UInt8] {
        guard let stored, stored >= 4, stored < current else { return [] }
        return Array(stored..<current)
    }

    /// The work factor of a modular-crypt bcrypt hash (`$2b$11$…`), nil when it is not one.
    static func cost(of hash: String) -> UInt8? {
        let parts = hash.utf8.split(separator: UInt8(ascii: "$"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty, parts[1].first == UInt8(ascii: "2"), parts[2].count >= 2 else { return nil }
        let digits = parts[2].prefix(2)
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + ($1 - UInt8(ascii: "0")) }
    }
}
