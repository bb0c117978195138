#!/usr/bin/env bash
# Multi-instance tests: three `jwtauth serve` processes on one PostgreSQL and one Redis (and
# then a Redis Cluster, then PostgreSQL alone): cross-instance refresh, replay, revocation and
# failed-login limits, revocation latency, Redis and PostgreSQL outages under load.
#
#   Tests/Cluster/run.sh [pytest arguments...]
#
# Environment:
#   JWTAUTH_BIN              the binary under test (default: <repo>/.build/debug/jwtauth)
#   JWTAUTH_CLUSTER_VENV     the virtualenv to create or reuse (default: <repo>/.venv-cluster,
#                            ignored by git through `.venv*/`)
#   PYTHON                   the interpreter to build it from (default: python3, >= 3.10)
#   JWTAUTH_CLUSTER_TRIALS   revocation-latency trials (default 200)
#   JWTAUTH_CLUSTER_RESULTS  where revocation_latency.json goes (default: Tests/Cluster/results)
#   JWTAUTH_PGBIN            PostgreSQL's bin directory (default: initdb's on PATH, else the
#                            newest /usr/lib/postgresql/*/bin)
#
# Needs redis-server and redis-cli (Debian: redis-server, redis-tools), PostgreSQL (initdb,
# pg_ctl, psql; `runuser` when run as root) and PyPI for pytest. The tests start their own
# Redis, Redis Cluster and PostgreSQL on 127.0.0.1 and free ports and stop them afterwards;
# this script stops whatever is left if the tests die. Exits non-zero when any test fails;
# then the servers' logs are copied to Tests/Cluster/results/logs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
venv=${JWTAUTH_CLUSTER_VENV:-$repo/.venv-cluster}
bin=${JWTAUTH_BIN:-$repo/.build/debug/jwtauth}
results=${JWTAUTH_CLUSTER_RESULTS:-$here/results}

if [ ! -x "$bin" ]; then
    echo "cluster: no jwtauth binary at $bin; build it (swift build --product jwtauth) or set JWTAUTH_BIN" >&2
    exit 2
fi
for tool in redis-server redis-cli; do
    if ! command -v "$tool" >/dev/null; then
        echo "cluster: $tool not found (apt-get install redis-server redis-tools)" >&2
        exit 2
    fi
done
if ! command -v initdb >/dev/null && [ -z "${JWTAUTH_PGBIN:-}" ] && ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
    echo "cluster: PostgreSQL not found (apt-get install postgresql)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/jwtauth-cluster.XXXXXX")
mkdir -p "$work/pids" "$results"
export JWTAUTH_CLUSTER_WORK="$work" JWTAUTH_CLUSTER_RESULTS="$results"

cleanup() {
    local status=$?
    # Whatever the tests could not stop themselves (they normally do).
    for pidfile in "$work"/pids/*.pid; do
        [ -f "$pidfile" ] || continue
        kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    done
    if [ -f "$work/pgdata" ]; then
        pgbin=$(sed -n 1p "$work/pgdata"); pgdata=$(sed -n 2p "$work/pgdata")
        if [ -f "$pgdata/postmaster.pid" ]; then
            if [ "$(id -u)" = 0 ]; then
                runuser -u postgres -- "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
            else
                "$pgbin/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
            fi
        fi
        rm -rf "$(dirname "$pgdata")"
    fi
    if [ "$status" != 0 ]; then
        rm -rf "$results/logs"
        mkdir -p "$results/logs"
        (cd "$work" && find . -name '*.log' -exec cp --parents {} "$results/logs/" \;) 2>/dev/null || true
        echo "cluster: logs of the instances and servers are in $results/logs" >&2
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Test a snapshot of the binary, so that a rebuild while the tests run cannot swap it out.
cp "$bin" "$work/jwtauth"
export JWTAUTH_BIN="$work/jwtauth"

# --- Python environment ---------------------------------------------------------------------
# shellcheck source=../../scripts/lib/python-env.sh
. "$repo/scripts/lib/python-env.sh"
python_env cluster "$here/requirements.txt" "$venv" "$work"

# --- Tests ----------------------------------------------------------------------------------
cd "$here"
export PYTHONDONTWRITEBYTECODE=1
# The helpers the Python suites share (Tests/python/jwtauth_testing.py).
export PYTHONPATH="$repo/Tests/python${PYTHONPATH:+:$PYTHONPATH}"
"${run_python[@]}" -m pytest -p no:cacheprovider -ra -s --durations=0 --basetemp="$work/pytest" \
    test_multi_instance.py "$@"
