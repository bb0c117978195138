-- wrk script for `http.sh`: POST /auth/refresh in an unbroken chain per connection.
--
-- Refresh tokens rotate, and presenting a rotated-away token revokes the whole session, so a
-- connection must always send the token its previous refresh returned. wrk calls `response()`
-- per thread without saying which connection it belongs to; with one connection per thread
-- (`wrk -t N -c N`) the thread's global `refresh_token` is that connection's chain.
--
-- The first token of each chain comes from a login done before the run (bcrypt would
-- otherwise show up in the latency): `REFRESH_TOKENS` names a file with one refresh token per
-- line, at least one per thread.
--
-- Prints the same RESULT line as report.lua, plus `refreshed=N failed=M`; http.sh fails the
-- run when M > 0 (the chain broke: every later request of that connection fails too).

local threads = {}
local tokens = {}

-- Runs in the main Lua state, once per thread, before the threads start.
function setup(thread)
    if #tokens == 0 then
        local path = os.getenv("REFRESH_TOKENS") or error("REFRESH_TOKENS is not set")
        for line in io.lines(path) do
            if line ~= "" then tokens[#tokens + 1] = line end
        end
    end
    local index = #threads + 1
    local token = tokens[index] or error("REFRESH_TOKENS has fewer tokens than wrk has threads")
    thread:set("refresh_token", token)
    threads[index] = thread
end

-- Runs in each thread's own Lua state, after setup() handed it its token.
function init(args)
    refreshed = 0
    failed = 0
    first_failure = ""
end

function request()
    return wrk.format("POST", "/auth/refresh", { ["Content-Type"] = "application/json" },
        '{"refresh_token":"' .. refresh_token .. '"}')
end

function response(status, headers, body)
    local token = status == 200 and body and body:match('"refresh_token":"([^"]+)"')
    if token then
        refresh_token = token
        refreshed = refreshed + 1
    else
        failed = failed + 1
        if first_failure == "" then
            first_failure = tostring(status) .. " " .. string.sub(body or "", 1, 200)
        end
    end
end

function done(summary, latency, requests)
    local refreshed, failed = 0, 0
    for _, thread in ipairs(threads) do
        refreshed = refreshed + thread:get("refreshed")
        failed = failed + thread:get("failed")
        local first = thread:get("first_failure")
        if first ~= "" then io.write("FIRST_FAILURE " .. first .. "\n") end
    end
    local errors = summary.errors
    io.write(string.format(
        "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d refreshed=%d failed=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), errors.status,
        errors.connect + errors.read + errors.write + errors.timeout, refreshed, failed))
end
