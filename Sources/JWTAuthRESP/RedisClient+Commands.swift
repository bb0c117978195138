extension RedisClient {
    /// Runs a Lua script by its SHA-1 (`EVALSHA`); a server that has not cached it yet answers
    /// `NOSCRIPT`, and the script is sent whole with `EVAL`, which also caches it there. In a
    /// Cluster the script runs on the node serving `keys[0]`; all keys must share its slot.
    package func evaluate(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RESPValue {
        let tail = [String(keys.count)] + keys + arguments
        do {
            return try await send(["EVALSHA", script.sha1] + tail, routingKey: keys.first)
        } catch let error as RedisError where error.serverErrorCode == "NOSCRIPT" {
            // NOSCRIPT means nothing ran, so sending the source is safe even for a write.
            return try await send(["EVAL", script.source] + tail, routingKey: keys.first)
        }
    }

    /// Publishes `message`; returns how many subscribers received it (in a Cluster, on the node
    /// that took it).
    @discardableResult
    package func publish(channel: String, message: String) async throws -> Int64 {
        try await send(["PUBLISH", channel, message]).int ?? 0
    }

    /// Succeeds when a server answers `PONG`; for health checks.
    package func ping() async throws {
        let reply = try await send(["PING"])
        guard reply.string == "PONG" else { throw RedisError.protocolError("PING was not answered with PONG") }
    }
}
