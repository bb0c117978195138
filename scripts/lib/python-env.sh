# Sourced by Tests/*/run.sh: a Python environment with a test suite's requirements.
#
#   python_env LABEL REQUIREMENTS VENV WORK
#
# Sets the array `run_python` to the interpreter to run pytest with. The virtualenv VENV is
# reused while REQUIREMENTS is unchanged and rebuilt when it changes. `python -m venv` needs
# ensurepip, which Debian ships separately (python3-venv); without it the requirements go into
# WORK/site with `pip install --target` and PYTHONPATH points there. $python is the interpreter
# to start from. LABEL prefixes the messages.
python_env() {
    local label=$1 requirements=$2 venv=$3 work=$4
    local stamp
    stamp=$(cksum <"$requirements" | cut -d' ' -f1)
    local pip_flags=(--quiet --disable-pip-version-check --no-input)
    run_python=()
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements-stamp" 2>/dev/null)" = "$stamp" ]; then
        run_python=("$venv/bin/python")
        return
    fi
    rm -rf "$venv"
    if "$python" -m venv "$venv" >"$work/venv.log" 2>&1; then
        "$venv/bin/python" -m pip install "${pip_flags[@]}" -r "$requirements"
        echo "$stamp" >"$venv/.requirements-stamp"
        run_python=("$venv/bin/python")
        return
    fi
    rm -rf "$venv"
    echo "$label: '$python -m venv' failed (on Debian: apt-get install python3-venv);" \
         "installing the requirements with 'pip install --target' instead" >&2
    if ! "$python" -m pip --version >/dev/null 2>&1; then
        cat "$work/venv.log" >&2
        echo "$label: no venv and no pip for $python: install python3-venv (or python3-pip)" >&2
        exit 2
    fi
    "$python" -m pip install "${pip_flags[@]}" --target "$work/site" -r "$requirements"
    export PYTHONPATH="$work/site${PYTHONPATH:+:$PYTHONPATH}"
    run_python=("$python")
}
