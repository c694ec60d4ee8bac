# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The property-based test, bounded profile: random runs of the modules and the role, changes behind
the collection's back and faults, against the simulator, each run checked against every property
(tests/support/stateful.py says which). Derandomized, so every run of the suite tries the same
sequences; tests/reliability/stateful.py runs the same machine for hundreds of steps.
"""

from __future__ import annotations

import pytest

pytest.importorskip(
    "hypothesis",
    reason="the property-based test needs hypothesis (pin it in tests/dev-requirements.txt)",
)

from ansible_collections.bird.engagements.tests.support import (  # noqa: E402  pylint: disable=wrong-import-position
    stateful,
)


class TestEveryRunKeepsTheCollectionsPromises(
    stateful.machine_with(role_runs=1).TestCase  # type: ignore[misc]  # made at run time
):
    """Up to 6 sequences of 20 steps; at most one ansible-playbook role run in each."""

    settings = stateful.BOUNDED
