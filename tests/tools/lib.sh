#!/usr/bin/env bash
# Shared helpers for the scripts in tests/tools (source it; it defines functions only).

# copy_git_tree DEST: copy what git would commit (tracked files still in the
# work tree, plus untracked files that are not ignored) from the current
# directory into DEST, as real files. Stray local files (caches, test output,
# venvs) can neither leak into a build nor hide a missing `git add`.
copy_git_tree() {
    local dest=$1
    git ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do
            if [[ -e "$f" || -L "$f" ]]; then printf '%s\0' "$f"; fi
        done \
        | tar --null --no-recursion -T - -cf - \
        | tar -xf - -C "$dest"
}
