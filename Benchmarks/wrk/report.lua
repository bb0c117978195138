-- wrk script for `http.sh`: no request logic, only a machine-readable summary line, so the
-- shell does not have to parse wrk's human-readable units (us/ms/s, k/M).
--
--   RESULT requests=N seconds=S rps=R p50_us=A p99_us=B non2xx=C socket_errors=D
function done(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p99_us=%d non2xx=%d socket_errors=%d\n",
        summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
        latency:percentile(50), latency:percentile(99), errors.status,
        errors.connect + errors.read + errors.write + errors.timeout))
end
