import JWTAuthRESP

/// The Lua scripts of the failed-login limits in Redis (``RedisSessionStore`` as a
/// `LoginLimitStore`). A limit key has two sorted sets under one hash tag `{l:<key>}`, so a
/// Redis Cluster keeps them in one slot and one script sees both:
/// `…:f` the failures (score: when it failed) and `…:p` the attempts in progress (score: when
/// it stops counting). Each set expires with its newest entry. Times are seconds since 1970
/// from the engine's clock, as decimal text; the rules are those of the memory store, and the
/// login limit conformance suite holds both to the same behaviour.
enum RedisLoginLimitScripts {
    /// KEYS: failures, in progress. ARGV: attempt id, now, window start (now - window),
    /// attempts allowed, in progress until. Returns `{1}` when the attempt was recorded;
    /// `{0, score}` when refused with at least `attempts` failures in the window (the score of
    /// the `attempts`-th newest), `{0}` when attempts in progress fill the limit.
    static let begin = RedisScript(
        source: """
            redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
            local failures = redis.call('ZCARD', KEYS[1])
            local attempts = tonumber(ARGV[4])
            if failures + redis.call('ZCARD', KEYS[2]) < attempts then
              redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
              redis.call('PEXPIRE', KEYS[2], math.max(1, math.ceil((tonumber(ARGV[5]) - tonumber(ARGV[2])) * 1000)))
              return {1}
            end
            if attempts > 0 and failures >= attempts then
              local counted = redis.call('ZRANGE', KEYS[1], failures - attempts, failures - attempts, 'WITHSCORES')
              return {0, counted[2]}
            end
            return {0}
            """
    )

    /// KEYS: failures, in progress. ARGV: attempt id, '1' when it failed, now, window seconds,
    /// attempts allowed. Only the newest `attempts` failures are kept: no others can matter.
    static let finish = RedisScript(
        source: """
            redis.call('ZREM', KEYS[2], ARGV[1])
            if ARGV[2] == '1' then
              redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
              redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[5]) + 1))
              redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(tonumber(ARGV[4]) * 1000)))
            end
            return 1
            """
    )
}
