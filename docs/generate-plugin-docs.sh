#!/usr/bin/env bash
# Regenerate the plugin and role reference in docs/plugins/ with antsibull-docs:
# RST for a Sphinx docsite (see `antsibull-docs sphinx-init`), one page per
# module and role, from this checkout. Runs offline.
#
#   docs/generate-plugin-docs.sh           rewrite docs/plugins/
#   docs/generate-plugin-docs.sh --check   exit 1 if docs/plugins/ is out of date
#
# Needs ansible-core and antsibull-docs: from $VENV (default .venv) when it has
# them, else from PATH.
set -euo pipefail

mode="write"
case "${1:-}" in
    '') ;;
    --check) mode="check" ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
if [[ -x "$venv/bin/antsibull-docs" ]]; then
    PATH="$venv/bin:$PATH"
fi
if ! command -v antsibull-docs >/dev/null || ! command -v ansible-doc >/dev/null; then
    echo "ERROR: antsibull-docs and ansible-doc are needed: run 'make venv', or put them on PATH" >&2
    exit 1
fi

namespace=$(sed -n 's/^namespace:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' "$root/galaxy.yml")
name=$(sed -n 's/^name:[[:space:]]*\([A-Za-z0-9_]*\).*/\1/p' "$root/galaxy.yml")
: "${namespace:?cannot read namespace from galaxy.yml}" "${name:?cannot read name from galaxy.yml}"

work=$(mktemp -d "${TMPDIR:-/tmp}/bird-plugin-docs.XXXXXX")
trap 'rm -rf "$work"' EXIT

# ansible-core (which antsibull-docs asks) finds the collection as
# ansible_collections/<namespace>/<name> on the collections path.
mkdir -p "$work/collections/ansible_collections/$namespace"
ln -s "$root" "$work/collections/ansible_collections/$namespace/$name"
# antsibull-docs wants a destination that only its owner can write to.
mkdir -m 0755 "$work/out"

ANSIBLE_COLLECTIONS_PATH="$work/collections" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false \
    antsibull-docs collection --use-current --squash-hierarchy --fail-on-error \
    --no-add-antsibull-docs-version --dest-dir "$work/out" "$namespace.$name"

if [[ $mode == check ]]; then
    if ! diff -ru "$root/docs/plugins" "$work/out"; then
        echo "docs/plugins/ is out of date: run docs/generate-plugin-docs.sh" >&2
        exit 1
    fi
    echo "docs/plugins/ is up to date"
else
    rm -rf "$root/docs/plugins"
    cp -R "$work/out" "$root/docs/plugins"
    echo "wrote $root/docs/plugins/"
fi
