#!/usr/bin/env bash
# Interoperability (PyJWT, joserfc) and CLI-level tests of the jwtauth binary.
#
#   Tests/Interop/run.sh [pytest arguments...]
#
# Environment:
#   JWTAUTH_BIN           the binary under test (default: <repo>/.build/debug/jwtauth)
#   JWTAUTH_INTEROP_VENV  the virtualenv to create or reuse (default: <repo>/.venv-interop,
#                         ignored by git through `.venv*/`)
#   PYTHON                the interpreter to build it from (default: python3, >= 3.10)
#   JWTAUTH_VECTORS_DIR   the RFC vectors (default: ../shared/vectors beside the repo; the
#                         vector tests are skipped, saying so, when it is absent)
#
# Needs PyPI (pip) and nothing else from outside. Exits non-zero when any test fails.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
venv=${JWTAUTH_INTEROP_VENV:-$repo/.venv-interop}
bin=${JWTAUTH_BIN:-$repo/.build/debug/jwtauth}

if [ ! -x "$bin" ]; then
    echo "interop: no jwtauth binary at $bin; build it (swift build --product jwtauth) or set JWTAUTH_BIN" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/jwtauth-interop.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Test a snapshot of the binary, so that a rebuild while the tests run cannot swap it out
# half-way (or fail an exec with ETXTBSY).
cp "$bin" "$work/jwtauth"
export JWTAUTH_BIN="$work/jwtauth"

# --- Python environment ---------------------------------------------------------------------
# shellcheck source=../../scripts/lib/python-env.sh
. "$repo/scripts/lib/python-env.sh"
python_env interop "$here/requirements.txt" "$venv" "$work"

# --- Tests ----------------------------------------------------------------------------------
cd "$here"
export PYTHONDONTWRITEBYTECODE=1
"${run_python[@]}" -m pytest -p no:cacheprovider -ra --basetemp="$work/pytest" \
    test_interop.py test_cli_vectors.py test_cli_clients.py test_cli_keys.py test_cli_admin.py test_serve_process.py test_trace_export.py "$@"
