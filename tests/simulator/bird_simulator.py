# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Bird API simulator: the command line.

    python tests/simulator/bird_simulator.py --seed tests/simulator/demo_seed.json --port 0 --url-file /tmp/bird.url

The simulator itself is the package in this directory; import it as
``ansible_collections.bird.engagements.tests.simulator``. This file loads that package from its
directory (under a private name, without touching sys.path) and runs its command line.

For the transition it also re-exports the package's public API, so code that puts this directory on
sys.path and does ``import bird_simulator`` keeps working.
"""

from __future__ import annotations

import importlib.util
import os
import sys

_PACKAGE_NAME = "_bird_engagements_simulator"


def _load_package():
    """The simulator package of this directory (loaded once per process under _PACKAGE_NAME)."""
    package = sys.modules.get(_PACKAGE_NAME)
    if package is None:
        directory = os.path.dirname(os.path.abspath(__file__))
        spec = importlib.util.spec_from_file_location(
            _PACKAGE_NAME,
            os.path.join(directory, "__init__.py"),
            submodule_search_locations=[directory],
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE_NAME] = package
        try:
            spec.loader.exec_module(package)
        except BaseException:
            del sys.modules[_PACKAGE_NAME]
            raise
    return package


_package = _load_package()

BirdSimulator = _package.BirdSimulator
CONFIG_DEFAULTS = _package.CONFIG_DEFAULTS
DEFAULT_TEMPLATE = _package.DEFAULT_TEMPLATE
GENERATED_NAMESPACE = _package.GENERATED_NAMESPACE
IN_MEMORY_URL = _package.IN_MEMORY_URL
generate_self_signed_cert = _package.generate_self_signed_cert
generated_ids = _package.generated_ids
main = _package.main
run_simulator = _package.run_simulator

__all__ = [
    "BirdSimulator",
    "CONFIG_DEFAULTS",
    "DEFAULT_TEMPLATE",
    "GENERATED_NAMESPACE",
    "IN_MEMORY_URL",
    "generate_self_signed_cert",
    "generated_ids",
    "main",
    "run_simulator",
]

if __name__ == "__main__":
    sys.exit(main())
