import JWTAuth
import NIOPosix
import Vapor

/// bcrypt (Vapor's own) on the app's thread pool, so the CPU a burst of logins costs never
/// blocks an event loop.
struct VaporBcryptHasher: JWTAuth.PasswordHasher {
    /// The work factor; 10 or more in production (each step doubles the time).
    let cost: Int
    let threadPool: NIOThreadPool

    func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await self.threadPool.runIfActive { try BCryptDigest().hash(password, cost: cost) }
    }

    func verify(_ password: String, against hash: String) async throws -> Bool {
        try await self.threadPool.runIfActive {
            // A malformed stored hash is a mismatch, not a server error.
            (try? BCryptDigest().verify(password, created: hash)) ?? false
        }
    }

    func needsRehash(_ hash: String) -> Bool {
        Self.cost(of: hash) != self.cost
    }

    /// After a check against a cheaper hash, throwaway hashes at each missing cost bring the
    /// work up to one check at ``cost`` (2^c rounds each), so timing does not tell old
    /// accounts from unknown usernames.
    func equalizeWork(after hash: String) async throws {
        guard let stored = Self.cost(of: hash), stored >= 4, stored < self.cost else { return }
        let costs = Array(stored..<self.cost)
        try await self.threadPool.runIfActive {
            for cost in costs { _ = try BCryptDigest().hash("equalizing work", cost: cost) }
        }
    }

    /// The work factor of a modular-crypt bcrypt hash (`$2b$11$…`), nil when it is not one.
    static func cost(of hash: String) -> Int? {
        let parts = hash.utf8.split(separator: UInt8(ascii: "$"), maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].isEmpty, parts[1].first == UInt8(ascii: "2"), parts[2].count >= 2 else { return nil }
        let digits = parts[2].prefix(2)
        guard digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
