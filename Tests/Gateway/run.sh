#!/usr/bin/env bash
# Black-box tests of remote verification and `jwtauth gateway`: a `jwtauth serve` behind a
# fault proxy (which counts and breaks JWKS answers and cuts or stalls the revocation feed),
# clients made with `jwtauth clients add`, two gateways in front of an echo upstream, and the
# checks of forwarding and header hygiene, refusals, client credentials, revocation at the
# gateways (latency, snapshot on restart, resume after a gap, failing closed past the stale
# limit), JWKS fetch discipline, rotation by hand under load, scheduled rotation with
# publish-ahead, key revocation, upstream faults, the gateway's start-up checks and its
# --metrics-listen listener.
#
#   Tests/Gateway/run.sh [pytest arguments...]
#
# Environment:
#   JWTAUTH_BIN              the binary under test (default: <repo>/.build/debug/jwtauth)
#   JWTAUTH_GATEWAY_VENV     the virtualenv to create or reuse (default: <repo>/.venv-gateway,
#                            ignored by git through `.venv*/`)
#   PYTHON                   the interpreter to build it from (default: python3, >= 3.10)
#   JWTAUTH_GATEWAY_TRIALS   revocation-latency trials per kind of revocation (default 50)
#   JWTAUTH_GATEWAY_RESULTS  where the latency reports go (default: Tests/Gateway/results)
#
# Needs PyPI (pip) for pytest and nothing else from outside: every server runs on 127.0.0.1
# and free ports, and every process the tests start is stopped afterwards (this script stops
# whatever is left if the tests die). Exits non-zero when any test fails; then the logs of the
# token servers and gateways are copied to Tests/Gateway/results/logs.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
venv=${JWTAUTH_GATEWAY_VENV:-$repo/.venv-gateway}
bin=${JWTAUTH_BIN:-$repo/.build/debug/jwtauth}
results=${JWTAUTH_GATEWAY_RESULTS:-$here/results}

if [ ! -x "$bin" ]; then
    echo "gateway: no jwtauth binary at $bin; build it (swift build --product jwtauth) or set JWTAUTH_BIN" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/jwtauth-gateway.XXXXXX")
mkdir -p "$work/pids" "$results"
export JWTAUTH_GATEWAY_WORK="$work" JWTAUTH_GATEWAY_RESULTS="$results"

cleanup() {
    local status=$?
    # Whatever the tests could not stop themselves (they normally do).
    for pidfile in "$work"/pids/*.pid; do
        [ -f "$pidfile" ] || continue
        kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    done
    if [ "$status" != 0 ]; then
        rm -rf "$results/logs"
        mkdir -p "$results/logs"
        (cd "$work" && find . -name '*.log' -exec cp --parents {} "$results/logs/" \;) 2>/dev/null || true
        echo "gateway: logs of the token servers and gateways are in $results/logs" >&2
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
python_env gateway "$here/requirements.txt" "$venv" "$work"

# --- Tests ----------------------------------------------------------------------------------
cd "$here"
export PYTHONDONTWRITEBYTECODE=1
export PYTHONPATH="$repo/Tests/python${PYTHONPATH:+:$PYTHONPATH}"
"${run_python[@]}" -m pytest -p no:cacheprovider -ra -s --durations=0 --basetemp="$work/pytest" \
    test_forwarding.py test_client_credentials.py test_revocation.py test_jwks.py test_keys.py test_metrics.py "$@"
