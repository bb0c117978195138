#!/usr/bin/env bash
# Browser test of the sign-in page: headless Chromium against a live `jwtauth serve` with
# short token lifetimes (see test_browser.py for what it checks).
#
#   Tests/Browser/run.sh [--screenshots] [pytest arguments...]
#
#   --screenshots            also save the signed-in page to docs/screenshot.png (1200×800);
#                            the same as JWTAUTH_SCREENSHOTS=1
#
# Environment:
#   JWTAUTH_BIN              the binary under test (default: <repo>/.build/debug/jwtauth)
#   JWTAUTH_BROWSER_VENV     the virtualenv to create or reuse (default: <repo>/.venv-browser,
#                            ignored by git through `.venv*/`)
#   PYTHON                   the interpreter to build it from (default: python3, >= 3.10)
#   CHROMIUM, CHROMEDRIVER   the browser and driver (default: chromium and chromedriver on PATH;
#                            Debian's chromium and chromium-driver are installed when missing)
#   JWTAUTH_SCREENSHOT_DIR   where screenshots go (default: <repo>/docs)
#
# Needs apt (once, for chromium and chromium-driver; about 115 packages) and PyPI (pip).
# The test starts its own server on 127.0.0.1 and a free port with a scratch data directory,
# and stops it. Exits non-zero when any test fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
venv=${JWTAUTH_BROWSER_VENV:-$repo/.venv-browser}
bin=${JWTAUTH_BIN:-$repo/.build/debug/jwtauth}

pytest_args=()
for arg in "$@"; do
    case "$arg" in
        --screenshots) export JWTAUTH_SCREENSHOTS=1 ;;
        *) pytest_args+=("$arg") ;;
    esac
done

if [ -z "${JWTAUTH_BROWSER_URL:-}" ] && [ ! -x "$bin" ]; then
    echo "browser: no jwtauth binary at $bin; build it (swift build --product jwtauth) or set JWTAUTH_BIN" >&2
    exit 2
fi

# --- Chromium and chromedriver from Debian --------------------------------------------------
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi
}
need_browser=0
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null; then need_browser=1; fi
if [ -z "${CHROMEDRIVER:-}" ] && ! command -v chromedriver >/dev/null; then need_browser=1; fi
if [ "$need_browser" = 1 ]; then
    echo "browser: installing chromium and chromium-driver (apt-get)" >&2
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq chromium chromium-driver >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/jwtauth-browser.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Test a snapshot of the binary, so that a rebuild while the tests run cannot swap it out —
# with its resource bundles (the page's files), which it looks for beside itself first.
if [ -z "${JWTAUTH_BROWSER_URL:-}" ]; then
    cp "$bin" "$work/jwtauth"
    for bundle in "$(dirname "$bin")"/*.resources; do
        [ -d "$bundle" ] && cp -RL "$bundle" "$work/"
    done
    export JWTAUTH_BIN="$work/jwtauth"
fi

# --- Python environment ---------------------------------------------------------------------
# shellcheck source=../../scripts/lib/python-env.sh
. "$repo/scripts/lib/python-env.sh"
python_env browser "$here/requirements.txt" "$venv" "$work"

# --- Tests ----------------------------------------------------------------------------------
cd "$here"
export PYTHONDONTWRITEBYTECODE=1
# The helpers the Python suites share (Tests/python/jwtauth_testing.py).
export PYTHONPATH="$repo/Tests/python${PYTHONPATH:+:$PYTHONPATH}"
# Selenium Manager is never needed (browser and driver are given by path); keep it offline.
export SE_OFFLINE=true SE_AVOID_STATS=true
"${run_python[@]}" -m pytest -p no:cacheprovider -ra --basetemp="$work/pytest" \
    test_browser.py ${pytest_args[@]+"${pytest_args[@]}"}
