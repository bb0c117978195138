public import JWTAuth
import JWTAuthRESP
public import Logging

/// Sessions, revocations and failed-login counts in Redis or a Redis Cluster, for several
/// instances.
///
/// - Every change to a session runs as one Lua script (EVALSHA, falling back to SCRIPT LOAD),
///   so the refresh compare-and-rotate is atomic.
/// - A user's keys share the hash tag `{u:<id>}`: a Cluster keeps them in one slot, which is
///   what lets one script see all of a user's sessions.
/// - Keys expire with the sessions (idle deadline or absolute end, plus the revocation
///   retention), so nothing is kept longer than it can matter.
/// - Revocations are published (from inside the scripts, on `PREFIX:revocations`) for every
///   instance, and appended to a stream of the same name that instances read on start and
///   after a feed outage. The stream append follows the script rather than being part of it
///   (in a Cluster the stream lives in another slot); if a process dies between the two, the
///   revocation still holds in the store and was published, but an instance that was
///   disconnected at that moment learns of it only when the access tokens expire.
///
/// Users are not kept here; they stay in SQL.
public final class RedisSessionStore: SessionStore {
    let client: RedisClient
    let prefix: String
    let retention: Duration
    let logger: Logger

    /// Connects (lazily) to `redis://…` or `redis+cluster://host:port,…`, or over TLS to
    /// `rediss://…?ca=FILE` or `rediss+cluster://…` (options: `ca`, `cert`+`key`, `verify`;
    /// see the README). TLS files are read here, so a missing or invalid one is an error now.
    ///
    /// - Parameters:
    ///   - keyPrefix: Prepended to every key and to the channel, so several deployments (or
    ///     tests) can share a server.
    ///   - revocationRetention: How long revoked sessions and revocation records are kept —
    ///     the access-token lifetime plus the leeway (``SessionConfiguration/revocationRetention``).
    public init(url: String, keyPrefix: String = "jwtauth", revocationRetention: Duration, logger: Logger = Logger(label: "jwtauth.redis")) throws {
        let configuration: RedisConfiguration
        do {
            configuration = try RedisConfiguration(url: url)
        } catch {
            throw JWTAuthError(.invalidInput, "invalid Redis URL: \(error.message)")
        }
        do {
            self.client = try RedisClient(configuration: configuration, logger: logger)
        } catch {
            throw JWTAuthError(.invalidInput, "invalid Redis TLS settings: \(error.message)")
        }
        self.prefix = keyPrefix
        self.retention = revocationRetention
        self.logger = logger
    }

    /// Closes every connection and ends every revocation feed; later calls fail with
    /// `store_unavailable`.
    public func close() async {
        await self.client.close()
    }

    // MARK: - Keys

    func tag(_ userID: String) -> String { "\(self.prefix):{u:\(userID)}" }
    func sessionKeyPrefix(_ userID: String) -> String { self.tag(userID) + ":s:" }
    func sessionKey(_ userID: String, _ sessionID: String) -> String { self.sessionKeyPrefix(userID) + sessionID }
    func indexKey(_ userID: String) -> String { self.tag(userID) + ":sessions" }
    var logKey: String { self.prefix + ":revocations" }
    var channel: String { self.prefix + ":revocations" }
    var retentionSeconds: String { Self.format(self.retention.seconds) }

    static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    static func format(_ date: NumericDate) -> String { Self.format(date.secondsSinceEpoch) }

    // MARK: - Errors

    /// Runs Redis work, reporting failures as `store_unavailable`.
    func run<Result: Sendable>(_ action: String, _ body: () async throws -> Result) async throws -> Result {
        do {
            return try await body()
        } catch let error as JWTAuthError {
            throw error
        } catch {
            self.logger.debug("redis error", metadata: ["action": "\(action)", "error": "\(error)"])
            throw JWTAuthError(.storeUnavailable, "Redis failed to \(action)")
        }
    }

    // MARK: - Sessions

    /// Stores the session and evicts the user's oldest active sessions beyond `maximumPerUser`
    /// in one script, then appends the evictions to the revocation log.
    public func createSession(_ session: SessionRecord, maximumPerUser: Int) async throws -> [SessionRecord] {
        try await self.run("create a session") {
            let reply = try await self.client.evaluate(
                RedisSessionScripts.create,
                keys: [self.sessionKey(session.userID, session.id), self.indexKey(session.userID)],
                arguments: [
                    session.id, session.userID, session.clientID, session.userAgent ?? "",
                    Self.format(session.createdAt), Self.format(session.lastUsedAt), Self.format(session.expiresAt),
                    Self.format(session.refreshExpiresAt), Self.format(session.rotatedAt), session.currentTokenID,
                    String(max(1, maximumPerUser)), self.retentionSeconds, self.channel, self.sessionKeyPrefix(session.userID),
                ]
            )
            let evicted = try (reply.array ?? []).map { try self.decodeSession(id: nil, $0.array ?? []) }
            await self.appendToLog(evicted.map { RevocationEvent(kind: .session, subject: $0.id, at: session.createdAt) })
            return evicted
        }
    }

    /// The session's hash, decoded; nil when it is missing or another user's.
    public func session(id: String, userID: String) async throws -> SessionRecord? {
        try await self.run("read a session") {
            let key = self.sessionKey(userID, id)
            let reply = try await self.client.send(["HGETALL", key], routingKey: key)
            guard let fields = Self.fields(reply), !fields.isEmpty else { return nil }
            let session = try self.decodeSession(id: id, fields)
            return session.userID == userID ? session : nil
        }
    }

    /// The sessions in the user's index that are active at `now`, newest first.
    public func activeSessions(userID: String, at now: NumericDate) async throws -> [SessionRecord] {
        try await self.run("list sessions") {
            let index = self.indexKey(userID)
            let ids = (try await self.client.send(["ZREVRANGE", index, "0", "-1"], routingKey: index).array ?? []).compactMap(\.string)
            guard !ids.isEmpty else { return [] }
            let replies = try await self.client.pipeline(ids.map { ["HGETALL", self.sessionKey(userID, $0)] }, routingKey: index)
            var sessions: [SessionRecord] = []
            for (id, reply) in zip(ids, replies) {
                guard let fields = Self.fields(reply), !fields.isEmpty else { continue }
                let session = try self.decodeSession(id: id, fields)
                if session.userID == userID, session.isActive(at: now) { sessions.append(session) }
            }
            return sessions.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        }
    }

    /// Runs the compare-and-rotate as one script; a detected reuse is also appended to the log.
    public func rotate(_ request: RotationRequest) async throws -> RotationOutcome {
        try await self.run("rotate a refresh token") {
            let reply = try await self.client.evaluate(
                RedisSessionScripts.rotate,
                keys: [self.sessionKey(request.userID, request.sessionID)],
                arguments: [
                    request.userID, request.presentedTokenID, request.newTokenID, Self.format(request.now),
                    Self.format(NumericDate(request.now.wholeSeconds)), Self.format(request.refreshLifetime.seconds),
                    Self.format(request.reuseInterval.seconds), self.retentionSeconds, self.channel, request.sessionID,
                ]
            )
            let parts = reply.array ?? []
            switch parts.first?.string {
            case "rotated": return .rotated(try self.decodeSession(id: request.sessionID, Array(parts.dropFirst())))
            case "reissued": return .reissued(try self.decodeSession(id: request.sessionID, Array(parts.dropFirst())))
            case "reuse":
                await self.appendToLog([RevocationEvent(kind: .session, subject: request.sessionID, at: request.now)])
                return .reuseDetected(try self.decodeSession(id: request.sessionID, Array(parts.dropFirst())))
            case "revoked": return .rejected(.revoked)
            case "expired": return .rejected(.expired)
            default: return .rejected(.unknownSession)
            }
        }
    }

    /// Revokes the session in one script; a session revoked earlier is returned unchanged.
    public func revokeSession(id: String, userID: String, at now: NumericDate, reason: RevocationReason) async throws -> SessionRecord? {
        try await self.run("revoke a session") {
            let reply = try await self.client.evaluate(
                RedisSessionScripts.revokeSession,
                keys: [self.sessionKey(userID, id)],
                arguments: [userID, Self.format(now), reason.rawValue, self.retentionSeconds, self.channel, id]
            )
            let parts = reply.array ?? []
            switch parts.first?.string {
            case "revoked":
                await self.appendToLog([RevocationEvent(kind: .session, subject: id, at: now)])
                return try self.decodeSession(id: id, Array(parts.dropFirst()))
            case "already":
                return try self.decodeSession(id: id, Array(parts.dropFirst()))
            default:
                return nil
            }
        }
    }

    /// Revokes every session of the user not yet revoked and publishes a user-wide revocation in
    /// one script, then appends all of them to the log.
    public func revokeUser(id userID: String, at now: NumericDate, reason: RevocationReason) async throws -> [String] {
        try await self.run("revoke a user") {
            let reply = try await self.client.evaluate(
                RedisSessionScripts.revokeUser,
                keys: [self.indexKey(userID)],
                arguments: [userID, Self.format(now), reason.rawValue, self.retentionSeconds, self.channel, self.sessionKeyPrefix(userID)]
            )
            let revoked = (reply.array ?? []).compactMap(\.string)
            await self.appendToLog(
                revoked.map { RevocationEvent(kind: .session, subject: $0, at: now) } + [RevocationEvent(kind: .user, subject: userID, at: now)]
            )
            return revoked
        }
    }

    /// Trims log entries older than `revocationRetention`; session keys expire on their own.
    public func purgeExpired(at now: NumericDate, revocationRetention: Duration) async throws {
        try await self.run("trim the revocation log") {
            let oldest = Int64(((now - revocationRetention).secondsSinceEpoch * 1000).rounded(.down))
            _ = try await self.client.send(["XTRIM", self.logKey, "MINID", String(max(0, oldest))], routingKey: self.logKey)
        }
    }

    /// Throws `store_unavailable` unless Redis answers `PING`.
    public func checkHealth() async throws {
        try await self.run("answer a health check") { try await self.client.ping() }
    }

    // MARK: - Decoding

    /// A hash's fields from an HGETALL reply: a flat list (RESP2, and scripts' replies) or a
    /// map (RESP3).
    static func fields(_ reply: RESPValue) -> [String: String]? {
        reply.fieldMap?.compactMapValues(\.string)
    }

    /// A session from the flat field/value list a script returns.
    func decodeSession(id: String?, _ flat: [RESPValue]) throws -> SessionRecord {
        try self.decodeSession(id: id, Self.fields(.array(flat)) ?? [:])
    }

    /// A session from a hash's fields.
    func decodeSession(id: String?, _ fields: [String: String]) throws -> SessionRecord {
        func date(_ name: String) throws -> NumericDate {
            guard let text = fields[name], let value = Double(text) else {
                throw JWTAuthError(.storeUnavailable, "a session record in Redis is incomplete")
            }
            return NumericDate(secondsSinceEpoch: value)
        }
        guard let userID = fields["u"], let clientID = fields["c"], let current = fields["cj"] else {
            throw JWTAuthError(.storeUnavailable, "a session record in Redis is incomplete")
        }
        let sessionID = fields["id"] ?? id ?? ""
        return SessionRecord(
            id: sessionID,
            userID: userID,
            clientID: clientID,
            userAgent: fields["a"],
            createdAt: try date("ca"),
            lastUsedAt: try date("lu"),
            expiresAt: try date("ea"),
            refreshExpiresAt: try date("rea"),
            rotatedAt: try date("ra"),
            currentTokenID: current,
            previousTokenID: fields["pj"],
            revokedAt: try fields["rv"].map { _ in try date("rv") },
            revocationReason: fields["rr"].map(RevocationReason.init(rawValue:))
        )
    }
}
