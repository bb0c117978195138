import JWTAuthRESP

/// The Lua scripts of ``RedisSessionStore``. Each runs atomically on the node that owns the
/// user's hash slot; all the keys a script touches carry the user's `{u:<id>}` tag, so a Redis
/// Cluster keeps them in one slot.
///
/// A session is a hash: `id`, `u` user, `c` client, `a` user agent, `ca` created, `lu` last used,
/// `ea` absolute end, `rea` idle deadline, `ra` rotated at, `cj`/`pj` current and previous
/// refresh `jti`, `rv`/`rr` revoked at and why. Times are seconds since 1970 as decimal text.
/// Keys expire at the idle deadline (revoked: at once) plus the revocation retention.
/// The rules are those of `RotationRules` (JWTAuth), which the memory and SQL stores share;
/// the store conformance suite holds all of them to the same behaviour.
enum RedisSessionScripts {
    /// Shared helpers, prepended to each script.
    private static let prelude = """
        local function record(key)
          local flat = redis.call('HGETALL', key)
          local s = {}
          for i = 1, #flat, 2 do s[flat[i]] = flat[i + 1] end
          return s, flat
        end
        -- Expiry is set as a duration from the engine's "now" (the server's clock may differ).
        local function expire(key, seconds)
          redis.call('PEXPIRE', key, math.max(1, math.floor(seconds * 1000)))
        end
        local function revoke(key, sid, now, reason, retention, channel)
          redis.call('HSET', key, 'rv', now, 'rr', reason)
          expire(key, retention)
          redis.call('PUBLISH', channel, cjson.encode({kind = 'session', subject = sid, at = tonumber(now)}))
        end

        """

    /// KEYS: session, user index. ARGV: sid, uid, client, user agent ('' for none), created,
    /// last used, ends, idle deadline, rotated, current jti, max per user, retention seconds,
    /// channel, session key prefix. Returns the evicted sessions' hashes.
    static let create = RedisScript(
        source: prelude + """
            local fields = {'id', ARGV[1], 'u', ARGV[2], 'c', ARGV[3], 'ca', ARGV[5], 'lu', ARGV[6], 'ea', ARGV[7],
                            'rea', ARGV[8], 'ra', ARGV[9], 'cj', ARGV[10]}
            if ARGV[4] ~= '' then table.insert(fields, 'a'); table.insert(fields, ARGV[4]) end
            local retention = tonumber(ARGV[12])
            redis.call('DEL', KEYS[1])
            redis.call('HSET', KEYS[1], unpack(fields))
            expire(KEYS[1], tonumber(ARGV[8]) - tonumber(ARGV[5]) + retention)
            redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
            -- The index lives as long as the longest session in it.
            local indexTTL = math.floor((tonumber(ARGV[7]) - tonumber(ARGV[5]) + retention) * 1000)
            if redis.call('PTTL', KEYS[2]) < indexTTL then redis.call('PEXPIRE', KEYS[2], math.max(1, indexTTL)) end
            -- Newest first (ties: higher id first), keep max active sessions, evict the rest.
            local now = tonumber(ARGV[5])
            local maximum = tonumber(ARGV[11])
            local active = 0
            local evicted = {}
            for _, sid in ipairs(redis.call('ZREVRANGE', KEYS[2], 0, -1)) do
              local key = ARGV[14] .. sid
              local s = record(key)
              if not s.u then
                redis.call('ZREM', KEYS[2], sid)
              elseif not s.rv and now < tonumber(s.ea) and now < tonumber(s.rea) then
                active = active + 1
                if active > maximum then
                  revoke(key, sid, ARGV[5], 'evicted', retention, ARGV[13])
                  local _, flat = record(key)
                  table.insert(evicted, flat)
                end
              end
            end
            return evicted
            """
    )

    /// KEYS: session. ARGV: uid, presented jti, new jti, now, rotated (whole seconds), refresh
    /// lifetime seconds, reuse interval seconds, retention seconds, channel, sid.
    /// Returns {outcome, hash…} with outcome rotated, reissued, reuse, unknown, revoked, expired.
    static let rotate = RedisScript(
        source: prelude + """
            local s, flat = record(KEYS[1])
            if not s.u or s.u ~= ARGV[1] then return {'unknown'} end
            if s.rv then return {'revoked'} end
            local now = tonumber(ARGV[4])
            if now >= tonumber(s.ea) or now >= tonumber(s.rea) then return {'expired'} end
            local retention = tonumber(ARGV[8])
            if s.cj == ARGV[2] then
              local deadline = math.min(tonumber(ARGV[5]) + tonumber(ARGV[6]), tonumber(s.ea))
              redis.call('HSET', KEYS[1], 'pj', s.cj, 'cj', ARGV[3], 'ra', ARGV[5], 'lu', ARGV[4],
                         'rea', string.format('%.17g', deadline))
              expire(KEYS[1], deadline - now + retention)
              local _, rotated = record(KEYS[1])
              return {'rotated', unpack(rotated)}
            end
            local grace = tonumber(ARGV[7])
            if s.pj == ARGV[2] and grace > 0 and now - tonumber(s.ra) <= grace then
              return {'reissued', unpack(flat)}
            end
            revoke(KEYS[1], ARGV[10], ARGV[4], 'reuse_detected', retention, ARGV[9])
            local _, revoked = record(KEYS[1])
            return {'reuse', unpack(revoked)}
            """
    )

    /// KEYS: session. ARGV: uid, now, reason, retention seconds, channel, sid.
    /// Returns {none} or {revoked|already, hash…}.
    static let revokeSession = RedisScript(
        source: prelude + """
            local s, flat = record(KEYS[1])
            if not s.u or s.u ~= ARGV[1] then return {'none'} end
            if s.rv then return {'already', unpack(flat)} end
            revoke(KEYS[1], ARGV[6], ARGV[2], ARGV[3], tonumber(ARGV[4]), ARGV[5])
            local _, revoked = record(KEYS[1])
            return {'revoked', unpack(revoked)}
            """
    )

    /// KEYS: user index. ARGV: uid, now, reason, retention seconds, channel, session key
    /// prefix. Returns the ids of the sessions it revoked.
    static let revokeUser = RedisScript(
        source: prelude + """
            local retention = tonumber(ARGV[4])
            local revoked = {}
            for _, sid in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
              local key = ARGV[6] .. sid
              local s = record(key)
              if not s.u then
                redis.call('ZREM', KEYS[1], sid)
              elseif not s.rv then
                revoke(key, sid, ARGV[2], ARGV[3], retention, ARGV[5])
                table.insert(revoked, sid)
              end
            end
            redis.call('PUBLISH', ARGV[5], cjson.encode({kind = 'user', subject = ARGV[1], at = tonumber(ARGV[2])}))
            return revoked
            """
    )
}
