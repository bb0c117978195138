#!/usr/bin/env bash
# HTTP benchmarks with wrk (targets and results in docs/PERFORMANCE.md, "HTTP (wrk)"):
#
#   a. GET /api/me on one Hummingbird app (Sources/HTTPTarget), once with no auth and once
#      behind BearerAuthenticator, per signing algorithm, with the same wrk settings and the same
#      request bytes; reports req/s, p50, p99 and the ratio auth/none (target: ≥ 80 %).
#   b. POST /auth/refresh against a real `jwtauth serve` (release build), with the default
#      SQLite store and with Redis sessions (a redis-server started here on a free loopback
#      port); every connection chains its own refresh token (wrk/refresh.lua).
#   c. `jwtauth gateway` in front of an upstream (HTTPTarget --mode none), against the same
#      upstream reached directly: same wrk settings, same request bytes (a valid access token of
#      a `jwtauth serve`, whose JWKS and revocation feed the gateway follows); reports the ratio
#      gateway/direct (target: ≥ 50 %).
#
#   d. GET /api/me against a real `jwtauth serve`, once with `--metrics-listen` (Prometheus
#      metrics recorded on every request, scraped by curl once a second meanwhile) and once
#      without; reports the ratio on/off (target: ≥ 97 %). Opt-in: PARTS=metrics.
#
#   cd Benchmarks && ./http.sh            # builds both release products, then measures
#   cd Benchmarks && PARTS=metrics ./http.sh   # only d: the cost of the metrics
#
# Settings, from the environment (defaults in brackets):
#   DURATION [15s]  WARMUP [3s]           length of each measured run / of the warm-up before it
#   RUNS [2]                              measured runs per case (the spread is reported)
#   ALGS ["HS256 ES256 EdDSA"]            algorithms for part a (RS256 also works)
#   ME_THREADS [1]  ME_CONNECTIONS [32]   wrk -t / -c for part a
#   REFRESH_CONNECTIONS [8]               wrk -t N -c N for part b (one connection per thread)
#   REFRESH_ALG [ES256]  LOG_LEVEL [warning]   the token server's key and log level in part b
#   GATEWAY_CONNECTIONS [32]              wrk -t1 -c N for part c
#   STORES ["sqlite redis"]  PARTS ["me refresh gateway"; also "metrics"]  SKIP_BUILD [0]
#   LOGS [unset]                          a directory to keep wrk's full output and server logs in
#
# wrk and redis-server are installed with apt-get when missing (as root, else with sudo). Every
# process started here is stopped on exit, also on failure or Ctrl-C. On a 2-core machine wrk
# and the server share the cores: the numbers are for comparing, not absolute capacity.
set -euo pipefail
cd "$(dirname "$0")"
benchmarks=$PWD
root=$(cd .. && pwd)

DURATION=${DURATION:-15s}
WARMUP=${WARMUP:-3s}
RUNS=${RUNS:-2}
ALGS=${ALGS:-"HS256 ES256 EdDSA"}
ME_THREADS=${ME_THREADS:-1}
ME_CONNECTIONS=${ME_CONNECTIONS:-32}
REFRESH_CONNECTIONS=${REFRESH_CONNECTIONS:-8}
REFRESH_ALG=${REFRESH_ALG:-ES256}
LOG_LEVEL=${LOG_LEVEL:-warning}
STORES=${STORES:-"sqlite redis"}
PARTS=${PARTS:-"me refresh gateway"}
GATEWAY_CONNECTIONS=${GATEWAY_CONNECTIONS:-32}
SKIP_BUILD=${SKIP_BUILD:-0}
LOGS=${LOGS:-}

die() { echo "http.sh: $*" >&2; exit 1; }
note() { echo "== $*" >&2; }

# --- tools -------------------------------------------------------------------------------------

install_package() { # command package
    command -v "$1" >/dev/null && return
    local sudo=()
    if ((EUID != 0)); then
        command -v sudo >/dev/null || die "$1 is missing and neither root nor sudo is available: apt-get install $2"
        sudo=(sudo)
    fi
    note "installing $2"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null ||
        { "${sudo[@]}" apt-get update -q >/dev/null && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null; } ||
        die "could not install $2"
}
install_package wrk wrk
install_package curl curl
[[ " $PARTS " == *" refresh "* && " $STORES " == *" redis "* ]] && install_package redis-server redis-server

if [[ $SKIP_BUILD != 1 ]]; then
    note "building HTTPTarget (release)"
    swift build -c release --product HTTPTarget >&2
    note "building jwtauth (release)"
    (cd "$root" && swift build -c release --product jwtauth) >&2
fi
target=$benchmarks/.build/release/HTTPTarget
jwtauth=$root/.build/release/jwtauth
# The metrics part needs only jwtauth.
if [[ " $PARTS " == *" me "* || " $PARTS " == *" gateway "* ]]; then
    [[ -x $target ]] || die "missing $target (build it or unset SKIP_BUILD)"
fi
[[ -x $jwtauth ]] || die "missing $jwtauth (build it or unset SKIP_BUILD)"

# --- processes ---------------------------------------------------------------------------------

scratch=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        # SIGTERM: the servers shut down gracefully and redis-server exits without saving.
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n $LOGS ]]; then
        mkdir -p "$LOGS"
        cp "$scratch"/*.wrk "$scratch"/*.err "$scratch"/*.tsv "$LOGS"/ 2>/dev/null || true
    fi
    rm -rf "$scratch"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started_pid= # set by start(): $(…) would run it in a subshell, whose children we could not wait for
start() { # name command... ; output in $scratch/name.out and .err
    local name=$1
    shift
    "$@" >"$scratch/$name.out" 2>"$scratch/$name.err" &
    started_pid=$!
    pids+=("$started_pid")
}

stop() { # pid
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
    local kept=() pid
    for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done
    pids=("${kept[@]}")
}

wait_for_line() { # name pid sed-expression -> the first match on stdout, within 30 s
    local name=$1 pid=$2 expression=$3 value i
    for ((i = 0; i < 300; i++)); do
        value=$(sed -n "$expression" "$scratch/$name.out" | head -n 1)
        [[ -n $value ]] && { echo "$value"; return; }
        kill -0 "$pid" 2>/dev/null || { cat "$scratch/$name.out" "$scratch/$name.err" >&2; die "$name exited before it listened"; }
        sleep 0.1
    done
    cat "$scratch/$name.err" >&2
    die "$name did not start within 30 s"
}

free_port() { # a loopback port nobody listens on (bash's /dev/tcp fails to connect there)
    local port
    for ((;;)); do
        port=$((20000 + RANDOM % 40000))
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
    done
}

# --- wrk ---------------------------------------------------------------------------------------

results=$scratch/results.tsv # part, case, run, rps, p50_us, p99_us, server CPU µs/request, wrk CPU µs/request
: >"$results"
ticks_per_second=$(getconf CLK_TCK)

cpu_ticks() { # pid... -> user + system CPU time of these processes so far, in clock ticks
    local pid total=0 fields
    for pid; do
        # Fields after the parenthesized command name: utime and stime are the 12th and 13th.
        read -r -a fields <<<"$(sed 's/.*) //' "/proc/$pid/stat")"
        total=$((total + fields[11] + fields[12]))
    done
    echo "$total"
}

run_wrk() { # log-name wrk-arguments... -> the RESULT line plus wrk_cpu_s=, after checking for errors
    local log=$scratch/$1.wrk
    shift
    wrk "$@" >"$log" 2>&1 || { cat "$log" >&2; die "wrk failed"; }
    # This runs in a $(…) subshell whose only child so far is wrk: its children's CPU time is
    # wrk's. (Redirected, `times` runs in this shell; inside another $(…) it would see nothing.)
    times >"$log.times"
    local line cpu
    line=$(grep '^RESULT ' "$log") || { cat "$log" >&2; die "wrk printed no RESULT line"; }
    # Any failed request makes the numbers meaningless (an error answers faster than success).
    if ! grep -q ' non2xx=0 socket_errors=0' <<<"$line" || grep -q ' failed=[1-9]' <<<"$line"; then
        cat "$log" >&2
        die "requests failed: $line"
    fi
    cpu=$(tail -n 1 "$log.times" | sed 's/\([0-9]*\)m\([0-9.]*\)s \([0-9]*\)m\([0-9.]*\)s/\1 \2 \3 \4/' | awk '{ print 60 * $1 + $2 + 60 * $3 + $4 }')
    echo "$line wrk_cpu_s=$cpu"
}

field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$2"; }

measure() { # part case run log-name "server pids" wrk-arguments... ; records one result
    local part=$1 case=$2 run=$3 name=$4 servers=$5 before after line requests server_us wrk_us
    shift 5
    # shellcheck disable=SC2086 # $servers is a list of pids
    before=$(cpu_ticks $servers)
    # An assignment of its own, so that a failure inside run_wrk stops the script (set -e
    # ignores a failed $(…) that is only an argument).
    line=$(run_wrk "$name" "$@")
    # shellcheck disable=SC2086
    after=$(cpu_ticks $servers)
    requests=$(field requests "$line")
    server_us=$(awk -v t=$((after - before)) -v hz="$ticks_per_second" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
    wrk_us=$(awk -v s="$(field wrk_cpu_s "$line")" -v n="$requests" 'BEGIN { printf "%.1f", s * 1e6 / n }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$part" "$case" "$run" "$(field rps "$line")" \
        "$(field p50_us "$line")" "$(field p99_us "$line")" "$server_us" "$wrk_us" >>"$results"
    printf '  %-8s %-14s run %s: %7.0f req/s  p50 %6d us  p99 %6d us  CPU/request: server %5.1f us, wrk %5.1f us\n' \
        "$part" "$case" "$run" "$(field rps "$line")" "$(field p50_us "$line")" "$(field p99_us "$line")" "$server_us" "$wrk_us" >&2
}

# --- a. GET /api/me: no auth against bearer auth --------------------------------------------------

measure_me() { # alg mode run
    local alg=$1 mode=$2 run=$3 pid port token name=target-$1-$2-$3
    start "$name" "$target" --mode "$mode" --alg "$alg" --port 0
    pid=$started_pid
    port=$(wait_for_line "$name" "$pid" 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p')
    token=$(head -n 1 "$scratch/$name.out")
    # Both modes get the same request: the same header, the same token length.
    local args=(-t "$ME_THREADS" -c "$ME_CONNECTIONS" --latency -s "$benchmarks/wrk/report.lua"
        -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/me")
    run_wrk "$name-warmup" -d "$WARMUP" "${args[@]}" >/dev/null
    measure me "$alg $mode" "$run" "$name" "$pid" -d "$DURATION" "${args[@]}"
    stop "$pid"
}

if [[ " $PARTS " == *" me "* ]]; then
    note "GET /api/me: wrk -t$ME_THREADS -c$ME_CONNECTIONS -d$DURATION --latency (after a $WARMUP warm-up)"
    for ((run = 1; run <= RUNS; run++)); do
        for alg in $ALGS; do
            # Back to back, so both modes of a pair see the same machine state.
            measure_me "$alg" none "$run"
            measure_me "$alg" auth "$run"
        done
    done
fi

# --- b. POST /auth/refresh against jwtauth serve --------------------------------------------------

login_tokens() { # port count -> file of refresh tokens, one per line
    local port=$1 count=$2 file=$scratch/tokens.$RANDOM i body token
    : >"$file"
    for ((i = 0; i < count; i++)); do
        body=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
            -d '{"username":"bench","password":"correct horse battery staple"}' \
            "http://127.0.0.1:$port/auth/login") || die "login failed: $body"
        token=$(sed -n 's/.*"refresh_token":"\([^"]*\)".*/\1/p' <<<"$body")
        [[ -n $token ]] || die "no refresh_token in the login response: $body"
        echo "$token" >>"$file"
    done
    echo "$file"
}

measure_refresh() { # store
    local store=$1 data=$scratch/data-$1 pid port redis_pid=''
    local flags=()
    if [[ $store == redis ]]; then
        local redis_port
        redis_port=$(free_port)
        # No persistence: the benchmark measures the session store, not the disk.
        start redis redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no
        redis_pid=$started_pid
        wait_for_line redis "$redis_pid" '/Ready to accept connections/p' >/dev/null
        flags=(--sessions "redis://127.0.0.1:$redis_port")
    fi
    start "serve-$store" "$jwtauth" serve --port 0 --data-dir "$data" --alg "$REFRESH_ALG" \
        --bcrypt-cost 10 --max-sessions 100000 --log-level "$LOG_LEVEL" "${flags[@]}"
    pid=$started_pid
    port=$(wait_for_line "serve-$store" "$pid" 's|^jwtauth listening on http://127.0.0.1:\([0-9]*\).*|\1|p')
    curl -sS --fail-with-body -H 'Content-Type: application/json' \
        -d '{"username":"bench","password":"correct horse battery staple"}' \
        "http://127.0.0.1:$port/auth/register" >/dev/null || die "register failed"

    local args=(-t "$REFRESH_CONNECTIONS" -c "$REFRESH_CONNECTIONS" --latency -s "$benchmarks/wrk/refresh.lua"
        "http://127.0.0.1:$port")
    # Fresh sessions for every wrk run: the last refresh of a run may be cut off after the
    # server committed it, which leaves that chain's token rotated away.
    REFRESH_TOKENS=$(login_tokens "$port" "$REFRESH_CONNECTIONS")
    export REFRESH_TOKENS
    run_wrk "refresh-$store-warmup" -d "$WARMUP" "${args[@]}" >/dev/null
    for ((run = 1; run <= RUNS; run++)); do
        REFRESH_TOKENS=$(login_tokens "$port" "$REFRESH_CONNECTIONS")
        # The server's CPU includes redis-server's.
        measure refresh "$store" "$run" "refresh-$store-$run" "$pid $redis_pid" -d "$DURATION" "${args[@]}"
    done
    stop "$pid"
    [[ -n $redis_pid ]] && stop "$redis_pid"
    return 0
}

if [[ " $PARTS " == *" refresh "* ]]; then
    note "POST /auth/refresh: wrk -t$REFRESH_CONNECTIONS -c$REFRESH_CONNECTIONS -d$DURATION --latency, jwtauth serve --alg $REFRESH_ALG --log-level $LOG_LEVEL"
    for store in $STORES; do measure_refresh "$store"; done
fi

# --- c. jwtauth gateway against the upstream reached directly --------------------------------------

measure_gateway() {
    local data=$scratch/data-gateway serve_pid serve_port upstream_pid upstream_port gateway_pid gateway_port
    start serve-gateway "$jwtauth" serve --port 0 --data-dir "$data" --bcrypt-cost 10 --log-level "$LOG_LEVEL"
    serve_pid=$started_pid
    serve_port=$(wait_for_line serve-gateway "$serve_pid" 's|^jwtauth listening on http://127.0.0.1:\([0-9]*\).*|\1|p')
    local issuer=http://127.0.0.1:$serve_port
    curl -sS --fail-with-body -H 'Content-Type: application/json' \
        -d '{"username":"bench","password":"correct horse battery staple"}' "$issuer/auth/register" >/dev/null || die "register failed"
    local body token client client_id
    body=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
        -d '{"username":"bench","password":"correct horse battery staple"}' "$issuer/auth/login") || die "login failed: $body"
    token=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$body")
    client=$("$jwtauth" clients add gateway-bench --scope revocations:read --data-dir "$data") || die "clients add failed"
    client_id=$(sed -n 's/.*"client_id":"\([^"]*\)".*/\1/p' <<<"$client")
    sed -n 's/.*"client_secret":"\([^"]*\)".*/\1/p' <<<"$client" >"$scratch/gateway.secret"

    start upstream "$target" --mode none --port 0
    upstream_pid=$started_pid
    upstream_port=$(wait_for_line upstream "$upstream_pid" 's|^listening on http://127.0.0.1:\([0-9]*\).*|\1|p')
    start gateway "$jwtauth" gateway --issuer "$issuer" --upstream "http://127.0.0.1:$upstream_port" --port 0 \
        --client-id "$client_id" --client-secret-file "$scratch/gateway.secret" --log-level "$LOG_LEVEL"
    gateway_pid=$started_pid
    gateway_port=$(wait_for_line gateway "$gateway_pid" 's|^jwtauth gateway listening on http://127.0.0.1:\([0-9]*\).*|\1|p')
    local i
    for ((i = 0; i < 300; i++)); do
        curl -sf "http://127.0.0.1:$gateway_port/health" >/dev/null && break
        sleep 0.1
    done
    curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$gateway_port/api/me" >/dev/null || die "the gateway refused the token"

    local common=(-t 1 -c "$GATEWAY_CONNECTIONS" --latency -s "$benchmarks/wrk/report.lua" -H "Authorization: Bearer $token")
    run_wrk gateway-warmup -d "$WARMUP" "${common[@]}" "http://127.0.0.1:$gateway_port/api/me" >/dev/null
    run_wrk direct-warmup -d "$WARMUP" "${common[@]}" "http://127.0.0.1:$upstream_port/api/me" >/dev/null
    for ((run = 1; run <= RUNS; run++)); do
        measure gateway direct "$run" "direct-$run" "$upstream_pid" -d "$DURATION" "${common[@]}" "http://127.0.0.1:$upstream_port/api/me"
        # The gateway's CPU and the upstream's behind it.
        measure gateway "via gateway" "$run" "gateway-$run" "$gateway_pid $upstream_pid" -d "$DURATION" "${common[@]}" "http://127.0.0.1:$gateway_port/api/me"
    done
    stop "$gateway_pid"
    stop "$upstream_pid"
    stop "$serve_pid"
}

if [[ " $PARTS " == *" gateway "* ]]; then
    note "jwtauth gateway: wrk -t1 -c$GATEWAY_CONNECTIONS -d$DURATION --latency, direct and through the gateway"
    measure_gateway
fi

# --- d. GET /api/me on jwtauth serve, metrics on against off ----------------------------------------

measure_metrics() { # mode(on|off) run
    local mode=$1 run=$2 data=$scratch/data-metrics-$1-$2 pid port body token scraper=''
    local flags=()
    [[ $mode == on ]] && flags=(--metrics-listen "127.0.0.1:$(free_port)")
    start "serve-metrics-$mode-$run" "$jwtauth" serve --port 0 --data-dir "$data" --bcrypt-cost 10 \
        --access-ttl 1h --log-level "$LOG_LEVEL" "${flags[@]}"
    pid=$started_pid
    port=$(wait_for_line "serve-metrics-$mode-$run" "$pid" 's|^jwtauth listening on http://127.0.0.1:\([0-9]*\).*|\1|p')
    curl -sS --fail-with-body -H 'Content-Type: application/json' \
        -d '{"username":"bench","password":"correct horse battery staple"}' \
        "http://127.0.0.1:$port/auth/register" >/dev/null || die "register failed"
    body=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
        -d '{"username":"bench","password":"correct horse battery staple"}' \
        "http://127.0.0.1:$port/auth/login") || die "login failed: $body"
    token=$(sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p' <<<"$body")
    [[ -n $token ]] || die "no access_token in the login response"
    if [[ $mode == on ]]; then
        # A Prometheus scraping every second, as in production (far more often than usual).
        start "scraper-$run" bash -c "while curl -sf -o /dev/null 'http://${flags[1]}/metrics'; do sleep 1; done"
        scraper=$started_pid
    fi
    local args=(-t "$ME_THREADS" -c "$ME_CONNECTIONS" --latency -s "$benchmarks/wrk/report.lua"
        -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/me")
    run_wrk "metrics-$mode-$run-warmup" -d "$WARMUP" "${args[@]}" >/dev/null
    measure metrics "$mode" "$run" "metrics-$mode-$run" "$pid" -d "$DURATION" "${args[@]}"
    [[ -n $scraper ]] && stop "$scraper"
    stop "$pid"
    return 0
}

if [[ " $PARTS " == *" metrics "* ]]; then
    note "GET /api/me on jwtauth serve, --metrics-listen on and off: wrk -t$ME_THREADS -c$ME_CONNECTIONS -d$DURATION --latency"
    for ((run = 1; run <= RUNS; run++)); do
        # Back to back, so both modes of a pair see the same machine state.
        measure_metrics off "$run"
        measure_metrics on "$run"
    done
fi

# --- summary -----------------------------------------------------------------------------------

echo
echo "machine: $(nproc) cores shared by wrk and the server; $(date -u '+%Y-%m-%d %H:%M UTC'); load before the summary: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "CPU µs per request: the server process (with redis-server for the redis store) and wrk"
printf '%-8s %-14s %4s %10s %9s %9s %11s %8s\n' part case run req/s p50_us p99_us server_cpu wrk_cpu
sort -t$'\t' -k1,1 -k2,2 -k3,3n "$results" | while IFS=$'\t' read -r part case run rps p50 p99 server wrk; do
    printf '%-8s %-14s %4s %10.0f %9d %9d %11.1f %8.1f\n' "$part" "$case" "$run" "$rps" "$p50" "$p99" "$server" "$wrk"
done
if [[ " $PARTS " == *" gateway "* ]]; then
    echo
    awk -F'\t' -v runs="$RUNS" '
        $1 == "gateway" && $2 == "direct" { direct[$3] = $4 }
        $1 == "gateway" && $2 == "via gateway" { via[$3] = $4 }
        END {
            line = "gateway/direct req/s (target ≥ 50 %):"
            for (run = 1; run <= runs; run++)
                if (run in direct && run in via) line = line sprintf("  run %d: %.1f %%", run, 100 * via[run] / direct[run])
            print line
        }' "$results"
fi
if [[ " $PARTS " == *" metrics "* ]]; then
    echo
    awk -F'\t' -v runs="$RUNS" '
        $1 == "metrics" && $2 == "off" { off[$3] = $4 }
        $1 == "metrics" && $2 == "on" { on[$3] = $4 }
        END {
            line = "metrics on/off req/s for /api/me (target ≥ 97 %):"
            for (run = 1; run <= runs; run++)
                if (run in off && run in on) line = line sprintf("  run %d: %.1f %%", run, 100 * on[run] / off[run])
            print line
        }' "$results"
fi
if [[ " $PARTS " == *" me "* ]]; then
    echo
    echo "auth/none req/s per run (target ≥ 80 %):"
    for alg in $ALGS; do
        awk -F'\t' -v alg="$alg" -v runs="$RUNS" '
            $1 == "me" && $2 == alg " none" { none[$3] = $4 }
            $1 == "me" && $2 == alg " auth" { auth[$3] = $4 }
            END {
                line = sprintf("  %-6s", alg)
                for (run = 1; run <= runs; run++)
                    if (run in none && run in auth) line = line sprintf("  run %d: %.1f %%", run, 100 * auth[run] / none[run])
                print line
            }' "$results"
    done
fi
