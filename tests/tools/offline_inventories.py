# Copyright (c) Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write the fallback intersphinx inventories of an antsibull-docs docsite.

    python tests/tools/offline_inventories.py <site>/conf.py

The conf.py that `antsibull-docs sphinx-init` writes names, for every
intersphinx inventory, a local fallback file (``(None, '../python3.inv')``)
that Sphinx reads when it cannot download the real one (the path is relative to
the site's rst/ source directory). This project's
machines reach no documentation site, so without these files every strict
build (``-W``) fails on "failed to reach any of the inventories". This writes
each missing fallback file: empty for Python and Jinja2 (the generated pages
do not link to them), and for the Ansible docs the few labels that
antsibull-docs' own templates link to, with their real addresses. Online, as
in the GitHub docs workflow, Sphinx uses the real inventories and never reads
these files.
"""

from __future__ import annotations

import ast
import sys
import zlib
from pathlib import Path

# Labels that antsibull-docs' templates reference in the Ansible docs, and
# where they are (relative to the inventory's base URL).
ANSIBLE_LABELS = {
    "action_plugins": ("plugins/action.html#action-plugins", "Action plugins"),
    "ansible_configuration_settings": (
        "reference_appendices/config.html#ansible-configuration-settings",
        "Ansible Configuration Settings",
    ),
    "callback_plugins": ("plugins/callback.html#callback-plugins", "Callback plugins"),
    "collections_keyword": (
        "collections_guide/collections_using_playbooks.html#collections-keyword",
        "Simplifying module names with the collections keyword",
    ),
    "common_return_values": (
        "reference_appendices/common_return_values.html#common-return-values",
        "Return Values",
    ),
    "list_of_callback_plugins": (
        "collections/index_callback.html#list-of-callback-plugins",
        "Index of all Callback Plugins",
    ),
    "list_of_collections": (
        "collections/index.html#list-of-collections",
        "Collection Index",
    ),
}


def inventory(project: str, labels: dict[str, tuple[str, str]]) -> bytes:
    """A Sphinx inventory (version 2) with ``std:label`` entries."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {project}\n"
        "# Version: offline stand-in\n"
        "# The remainder of this file is compressed using zlib.\n"
    ).encode()
    body = "".join(
        f"{name} std:label -1 {uri} {title}\n"
        for name, (uri, title) in sorted(labels.items())
    )
    return header + zlib.compress(body.encode())


def intersphinx_mapping(conf_path: Path) -> dict:
    """The literal ``intersphinx_mapping = {...}`` of a conf.py."""
    for node in ast.parse(conf_path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "intersphinx_mapping"
            for target in node.targets
        ):
            return ast.literal_eval(node.value)
    return {}


def main(argv: list[str]) -> int:
    """Write the missing fallback inventories of the conf.py given."""
    if len(argv) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    conf_path = Path(argv[0])
    # Sphinx reads the fallback paths relative to the source directory, which
    # is rst/ next to conf.py (build.sh: sphinx-build -M html rst build -c .).
    source_dir = conf_path.parent / "rst"
    for name, (_url, locations) in intersphinx_mapping(conf_path).items():
        for location in locations if isinstance(locations, tuple) else (locations,):
            if not location or "://" in location:
                continue
            target = (source_dir / location).resolve()
            if target.exists():
                continue
            labels = ANSIBLE_LABELS if name.startswith("ansible") else {}
            target.write_bytes(inventory(name, labels))
            print(f"offline inventory for {name}: {target} ({len(labels)} labels)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
