# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The package's shape: small modules, relative imports, the standard library only (requests in transport.py alone)."""

from __future__ import annotations

import ast
import glob
import os
import subprocess
import sys

import pytest

from .helpers import SIMULATOR_DIR

MODULES = sorted(glob.glob(os.path.join(SIMULATOR_DIR, "*.py")))
PACKAGE_MODULES = [
    path for path in MODULES if os.path.basename(path) != "bird_simulator.py"
]
THIRD_PARTY = {"transport.py": {"requests"}, "tls.py": {"cryptography"}}


def _tree(path):
    with open(path, encoding="utf-8") as handle:
        return ast.parse(handle.read(), path, feature_version=(3, 9))


def _absolute_imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield (node.module or "").split(".")[0]


@pytest.mark.parametrize("path", MODULES, ids=os.path.basename)
def test_no_module_is_over_500_lines_and_each_parses_as_python_3_9(path):
    with open(path, encoding="utf-8") as handle:
        assert len(handle.readlines()) <= 500
    _tree(path)


@pytest.mark.skipif(
    not hasattr(sys, "stdlib_module_names"),
    reason="needs Python 3.10+ to know the standard library",
)
@pytest.mark.parametrize("path", PACKAGE_MODULES, ids=os.path.basename)
def test_package_modules_import_siblings_relatively_and_only_the_standard_library(path):
    allowed = (
        set(sys.stdlib_module_names)
        | {"__future__"}
        | THIRD_PARTY.get(os.path.basename(path), set())
    )
    assert sorted(set(_absolute_imports(_tree(path))) - allowed) == []


def test_importing_the_package_imports_neither_requests_nor_cryptography():
    code = 'import sys, bird_simulator; print(sorted(m for m in ("requests", "cryptography") if m in sys.modules))'
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=SIMULATOR_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.strip() == "[]"
