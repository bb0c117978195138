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
# A virtualenv, rebuilt when requirements.txt changes. `python -m venv` needs ensurepip, which
# Debian ships separately (python3-venv); without it, fall back to `pip install --target`.
requirements="$here/requirements.txt"
stamp=$(cksum <"$requirements" | cut -d' ' -f1)
pip_flags=(--quiet --disable-pip-version-check --no-input)
run_python=()
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements-stamp" 2>/dev/null)" = "$stamp" ]; then
    run_python=("$venv/bin/python")
else
    rm -rf "$venv"
    if "$python" -m venv "$venv" >"$work/venv.log" 2>&1; then
        "$venv/bin/python" -m pip install "${pip_flags[@]}" -r "$requirements"
        echo "$stamp" >"$venv/.requirements-stamp"
        run_python=("$venv/bin/python")
    else
        rm -rf "$venv"
        echo "interop: '$python -m venv' failed (on Debian: apt-get install python3-venv);" \
             "installing the requirements with 'pip install --target' instead" >&2
        if ! "$python" -m pip --version >/dev/null 2>&1; then
            cat "$work/venv.log" >&2
            echo "interop: no venv and no pip for $python: install python3-venv (or python3-pip)" >&2
            exit 2
        fi
        "$python" -m pip install "${pip_flags[@]}" --target "$work/site" -r "$requirements"
        export PYTHONPATH="$work/site${PYTHONPATH:+:$PYTHONPATH}"
        run_python=("$python")
    fi
fi

# --- Tests ----------------------------------------------------------------------------------
cd "$here"
export PYTHONDONTWRITEBYTECODE=1
"${run_python[@]}" -m pytest -p no:cacheprovider -ra --basetemp="$work/pytest" \
    test_interop.py test_cli_vectors.py "$@"
