#!/usr/bin/env bash
# Create (or refresh) a virtual environment from a pinned requirements file.
#
#   tests/tools/mkvenv.sh <venv-dir> <python-interpreter> <requirements-file>
#
# Idempotent: a stamp file inside the venv records a hash of the requirements
# file contents plus the interpreter version. When both are unchanged (and the
# venv's python still runs) nothing is done, so `make venv` is fast when warm.
# When anything changed, the venv is recreated from scratch (--clear), so a
# removed or downgraded pin never lingers.
set -euo pipefail

if [[ $# -ne 3 ]]; then
    echo "usage: $0 <venv-dir> <python> <requirements-file>" >&2
    exit 2
fi
venv=$1
python=$2
req=$3

if [[ -z "$python" ]] || ! "$python" -c 'import sys' >/dev/null 2>&1; then
    echo "ERROR: no usable Python interpreter for $venv (got: '${python}')." >&2
    echo "       Pass one explicitly, e.g. make venv PY312=/path/to/python3.12 PY311=/path/to/python3.11" >&2
    exit 1
fi
[[ -f "$req" ]] || { echo "ERROR: requirements file $req not found" >&2; exit 1; }

pyver=$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
key=$( { echo "python=$pyver"; cat "$req"; } | sha256sum | cut -d' ' -f1)
stamp="$venv/.requirements-stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$key" ]] && "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "$venv is up to date (Python $pyver, $req)"
    exit 0
fi

echo ">>> creating $venv with Python $pyver ($python) from $req"
rm -f "$stamp"
"$python" -m venv --clear "$venv"
# Quiet but not silent: keep warnings and errors visible in CI logs.
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --requirement "$req"
echo "$key" > "$stamp"
echo ">>> $venv ready"
