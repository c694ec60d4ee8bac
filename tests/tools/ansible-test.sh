#!/usr/bin/env bash
# Run ansible-test from a given virtual environment against this collection.
#
#   tests/tools/ansible-test.sh <venv-dir> <ansible-test args...>
#   e.g. tests/tools/ansible-test.sh .venv sanity --requirements --python 3.12
#        tests/tools/ansible-test.sh .venv-oldest sanity --test validate-modules --python 3.11
#
# ansible-test only runs inside .../ansible_collections/<namespace>/<name>/,
# while this repository's root *is* the collection root. So the collection is
# copied (real files, not symlinks) into a temporary
# <tmp>/ansible_collections/bird/engagements/ tree: the git-tracked files plus
# untracked files that are not ignored (git ls-files -co --exclude-standard),
# i.e. exactly what would be committed, and ansible-test runs there.
# ansible-test's results (tests/output/) are copied back to the repository's
# tests/output/ (git-ignored) so failures can be inspected.
#
# Offline pip bootstrap: ansible-test downloads get-pip.py from a host this
# project cannot reach unless ~/.ansible/test/cache/get_pip_<version>.py
# exists; tests/tools/get_pip_standin.py is installed there for every pip
# version this ansible-test release may ask for, only where no file exists
# (or where an older copy of our own stand-in sits).
#
# Environment:
#   KEEP_TEST_TREE=1   keep the temporary tree (its path is printed)
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 <venv-dir> <ansible-test args...>" >&2
    exit 2
fi

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/tools/lib.sh
source "$repo/tests/tools/lib.sh"
venv=$1
shift
[[ "$venv" = /* ]] || venv="$repo/$venv"
ansible_test="$venv/bin/ansible-test"
if [[ ! -x "$ansible_test" ]]; then
    echo "ERROR: $ansible_test not found; run 'make venv' first." >&2
    exit 1
fi

namespace=$(sed -n 's/^namespace:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' "$repo/galaxy.yml")
name=$(sed -n 's/^name:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' "$repo/galaxy.yml")
: "${namespace:?cannot read namespace from galaxy.yml}" "${name:?cannot read name from galaxy.yml}"

# --- offline get-pip.py stand-in ------------------------------------------
standin="$repo/tests/tools/get_pip_standin.py"
marker='bird-engagements get_pip stand-in'
cache_dir="$HOME/.ansible/test/cache"
ansible_test_dir=$("$venv/bin/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
# Every pip version pinned in this ansible-test's get_venv_packages() (the
# default plus per-Python overrides); only the matching one is used per run.
pip_versions=$(grep -oE "pip='[0-9][0-9.]*'" "$ansible_test_dir/_internal/python_requirements.py" \
    | grep -oE "[0-9][0-9.]*" | sort -u || true)
if [[ -z "$pip_versions" ]]; then
    echo "WARNING: could not find the pip version(s) this ansible-test bootstraps; get-pip stand-in not installed" >&2
fi
mkdir -p "$cache_dir"
for version in $pip_versions; do
    target="$cache_dir/get_pip_${version//./_}.py"
    if [[ ! -e "$target" ]] || { grep -q "$marker" "$target" && ! cmp -s "$standin" "$target"; }; then
        # copy + rename: atomic for a concurrent ansible-test run reading it
        cp "$standin" "$target.$$.tmp"
        mv -f "$target.$$.tmp" "$target"
    fi
done

# --- temporary collection tree --------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bird-ansible-test.XXXXXX")
tree="$tmp/ansible_collections/$namespace/$name"
mkdir -p "$tree"

trap 'rm -rf "$tmp"' EXIT

cd "$repo"
copy_git_tree "$tree"

cd "$tree"
# The venv's bin first: ansible-test and the plugins it runs use the venv's
# python/ansible; ANSIBLE_COLLECTIONS_PATH is handled by ansible-test itself.
export PATH="$venv/bin:$PATH"
echo ">>> ansible-test $* (ansible-core $("$venv/bin/python" -c 'import ansible.release as r; print(r.__version__)'), in $tree)"
set +e
"$ansible_test" "$@"
rc=$?
set -e

# Keep ansible-test's results (junit/json reports, coverage, ...) in the repo.
if [[ -d "$tree/tests/output" ]]; then
    mkdir -p "$repo/tests/output"
    cp -a "$tree/tests/output/." "$repo/tests/output/" || true
fi
if [[ -n "${KEEP_TEST_TREE:-}" ]]; then
    trap - EXIT
    echo "ansible-test tree kept at $tree" >&2
fi
exit "$rc"
