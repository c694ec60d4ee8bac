# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of what the modules share (module_utils/_module.py)."""

from __future__ import annotations

import pytest

from ansible.module_utils.basic import AnsibleFallbackNotFound

from ansible_collections.bird.engagements.plugins.module_utils._module import connection_argument_spec, env_fallback


def test_an_empty_environment_variable_counts_as_unset(monkeypatch):
    # AWX injects "" for an optional credential field left blank.
    monkeypatch.setenv('BIRD_API_URL', '')
    with pytest.raises(AnsibleFallbackNotFound):
        env_fallback('BIRD_API_URL')
    monkeypatch.setenv('BIRD_API_URL', 'https://bird.example')
    assert env_fallback('BIRD_API_URL') == 'https://bird.example'


def test_the_access_key_is_no_log_and_falls_back_to_the_environment():
    spec = connection_argument_spec()
    assert spec['access_key']['no_log'] is True
    assert spec['access_key']['fallback'] == (env_fallback, ['BIRD_ACCESS_KEY'])
    assert spec['api_url']['fallback'] == (env_fallback, ['BIRD_API_URL'])
