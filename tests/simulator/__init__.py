# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Bird API simulator.

A small, standard-library-only HTTP(S) server that behaves like the parts of the Bird channels API
(https://api.bird.com) that the bird.engagements collection drives: connectors, channels and numbers.
Every behaviour that Bird does not document (see the API notes, shared/bird-api.md: the points
marked "unverified") is a configuration key, so clients can be tested against every variant.

    from ansible_collections.bird.engagements.tests.simulator import run_simulator
    with run_simulator(seed='tests/simulator/demo_seed.json') as sim:
        print(sim.url, sim.stats())

Without a server: ``BirdSimulator(config).session()`` (see transport.py). The command line is
``python tests/simulator/bird_simulator.py --help``. See tests/simulator/README.md for the reference.
"""

from __future__ import annotations

from .capabilities import (
    CAPABILITY_FORMAT_CHOICES,
    CAPABILITY_FORMATS,
    render_capabilities,
)
from .cli import build_parser, config_from_args, main
from .config import (
    CONFIG_DEFAULTS,
    CONFIG_SPEC,
    IN_MEMORY_URL,
    SERVER_OPTIONS,
    validate_config,
)
from .faults import FAULT_KINDS, MALFORMED_MODES
from .seed import DEFAULT_TEMPLATE, GENERATED_NAMESPACE, generated_ids
from .simulator import BirdSimulator, run_simulator
from .tls import generate_self_signed_cert

__all__ = [
    "BirdSimulator",
    "CAPABILITY_FORMATS",
    "CAPABILITY_FORMAT_CHOICES",
    "CONFIG_DEFAULTS",
    "CONFIG_SPEC",
    "DEFAULT_TEMPLATE",
    "FAULT_KINDS",
    "GENERATED_NAMESPACE",
    "IN_MEMORY_URL",
    "MALFORMED_MODES",
    "SERVER_OPTIONS",
    "build_parser",
    "config_from_args",
    "generate_self_signed_cert",
    "generated_ids",
    "main",
    "render_capabilities",
    "run_simulator",
    "validate_config",
]
