# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the unit tests (the helpers themselves are in tests/unit/helpers.py).

Outside ``ansible-test units``, which does the same itself, Ansible's collection finder is
installed first, over the tree this checkout is imported from, so that plugins load by
their collection names (``bird.engagements.voice_channel_id``) as they do under Ansible.
"""

import os
import sys

import pytest
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder


def _install_collection_finder():
    if any(isinstance(finder, _AnsibleCollectionFinder) for finder in sys.meta_path):
        return
    for entry in sys.path:
        if os.path.isdir(
            os.path.join(entry, "ansible_collections", "bird", "engagements")
        ):
            finder = _AnsibleCollectionFinder(paths=[entry])
            finder._install()  # pylint: disable=protected-access  # as ansible-test does
            return


_install_collection_finder()

from ansible_collections.bird.engagements.tests.unit import (  # noqa: E402  pylint: disable=wrong-import-position
    helpers,
)


@pytest.fixture
def module_env(monkeypatch):
    """A module run by ``helpers.run_module``: the in-memory simulator answers, credentials from the environment."""

    def start(**config):
        sim = helpers.simulator(**config)
        helpers.use_simulator(monkeypatch, sim)
        for name in ("BIRD_ACCESS_KEY", "BIRD_API_URL", "BIRD_WORKSPACE_ID"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("BIRD_ACCESS_KEY", helpers.DEMO_KEY)
        monkeypatch.setenv("BIRD_API_URL", helpers.IN_MEMORY_URL)
        return sim

    return start
