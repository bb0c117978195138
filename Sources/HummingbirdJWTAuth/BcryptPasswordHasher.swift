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
}
