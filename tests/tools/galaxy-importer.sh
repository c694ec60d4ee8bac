#!/usr/bin/env bash
# Build the collection artifact and run galaxy-importer on it, like Galaxy does
# on upload (minus ansible-test in a container; see galaxy-importer.cfg).
#
#   tests/tools/galaxy-importer.sh [<build-dir>]      (default: build)
#
# Needs ansible-galaxy, ansible-lint and python with galaxy_importer first on
# PATH (make importer puts .venv/bin there).
#
# galaxy-importer exits 0 even when it logged problems, so its log is checked:
# any "ERROR:" line fails, and so does any "WARNING:" line (ansible-lint
# findings, missing changelog, sanity ignore files, doc problems are all
# reported as warnings, and Galaxy would show them on the collection page).
# Set IMPORTER_ALLOW_WARNINGS=1 to only fail on errors.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/tools/lib.sh
source "$repo/tests/tools/lib.sh"
build_dir=${1:-build}
cd "$repo"
[[ "$build_dir" = /* ]] || build_dir="$repo/$build_dir"

namespace=$(sed -n 's/^namespace:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' galaxy.yml)
name=$(sed -n 's/^name:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' galaxy.yml)
version=$(sed -n "s/^version:[[:space:]]*['\"]\{0,1\}\([^'\" ]*\).*/\1/p" galaxy.yml)

mkdir -p "$build_dir"
rm -f "$build_dir/$namespace-$name-"*.tar.gz "$build_dir/importer_result.json" "$build_dir/importer.log"

# Build from a clean copy of what git would commit (see copy_git_tree).
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bird-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
copy_git_tree "$tmp"

ansible-galaxy collection build "$tmp" --output-path "$build_dir" --force
artifact="$build_dir/$namespace-$name-$version.tar.gz"
[[ -f "$artifact" ]] || { echo "ERROR: expected artifact $artifact was not built" >&2; exit 1; }
echo "Artifact contents:"
tar -tzf "$artifact" | sort | sed 's/^/  /'

export GALAXY_IMPORTER_CONFIG="$repo/tests/tools/galaxy-importer.cfg"
log="$build_dir/importer.log"
set +e
# Run inside build/: the importer writes importer_result.json to its cwd.
(cd "$build_dir" && python -m galaxy_importer.main "$artifact") 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e

if [[ $rc -ne 0 ]]; then
    echo "galaxy-importer FAILED (exit status $rc)" >&2
    exit 1
fi
if ! grep -q '^Importer processing completed successfully' "$log"; then
    echo "galaxy-importer FAILED: it did not report a successful import" >&2
    exit 1
fi
errors=$(grep -c '^ERROR:' "$log" || true)
warnings=$(grep -c '^WARNING:' "$log" || true)
if [[ $errors -ne 0 ]]; then
    echo "galaxy-importer FAILED: $errors error(s) logged (see above / $log)" >&2
    exit 1
fi
if [[ $warnings -ne 0 && -z "${IMPORTER_ALLOW_WARNINGS:-}" ]]; then
    echo "galaxy-importer FAILED: $warnings warning(s) logged (see above / $log);" \
         "IMPORTER_ALLOW_WARNINGS=1 tolerates them" >&2
    exit 1
fi
echo "galaxy-importer OK: $artifact ($warnings warning(s))"
