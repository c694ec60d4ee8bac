# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the functional tests; the helpers themselves are in tests/support.

The collection is imported by its name, ``ansible_collections.bird.engagements``, from the
collections path that ``PYTHONPATH`` names (``.cache/collections``, a link to this checkout);
the same path is every ansible process's ``ANSIBLE_COLLECTIONS_PATH``.
"""

from __future__ import annotations

import pytest

try:
    from ansible_collections.bird.engagements.tests.support.simulators import start_sim
except ImportError as exc:  # pragma: no cover - say how to run it, in one line
    IMPORT_ERROR = exc
else:
    IMPORT_ERROR = None  # type: ignore[assignment]


def pytest_configure(config):  # pylint: disable=unused-argument
    if IMPORT_ERROR is not None:
        raise pytest.UsageError(
            "ansible_collections.bird.engagements is not importable (%s): run `make functional`, or from the "
            "repository root with the link .cache/collections/ansible_collections/bird/engagements -> ../../../.. "
            "and PYTHONPATH=.cache/collections" % IMPORT_ERROR
        )


@pytest.fixture
def simulator():
    """Factory: ``simulator(**config)`` starts a quiet in-process simulator (demo seed by default)."""
    started = []

    def start(**config):
        started.append(start_sim(**config))
        return started[-1]

    yield start
    for sim in started:
        sim.stop()
