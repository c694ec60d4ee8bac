#!/usr/bin/env bash
# Run pytest from a virtual environment, from the repository root.
#
#   tests/tools/pytest.sh <venv-dir> <pytest args...>
#
# pytest exits 5 when it collects no test. That is accepted only while the
# test directories given hold no test_*.py / *_test.py file at all (a fresh
# skeleton); once tests exist, collecting none of them is a failure.
set -euo pipefail

if [[ $# -lt 1 ]]; then
    echo "usage: $0 <venv-dir> <pytest args...>" >&2
    exit 2
fi
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=$1
shift
[[ "$venv" = /* ]] || venv="$repo/$venv"
cd "$repo"

set +e
"$venv/bin/python" -m pytest "$@"
rc=$?
set -e

if [[ $rc -eq 5 ]]; then
    dirs=()
    for arg in "$@"; do
        if [[ "$arg" != -* && -d "$arg" ]]; then dirs+=("$arg"); fi
    done
    if [[ ${#dirs[@]} -gt 0 ]] \
        && [[ -z "$(find "${dirs[@]}" \( -name 'test_*.py' -o -name '*_test.py' \) -print -quit 2>/dev/null)" ]]; then
        echo "WARNING: no test files under ${dirs[*]} yet; nothing to run."
        exit 0
    fi
fi
exit "$rc"
