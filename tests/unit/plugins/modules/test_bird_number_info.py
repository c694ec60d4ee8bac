# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_number_info: every page of numbers, with ids, E.164 and voice; filters."""

from ansible_collections.bird.engagements.plugins.modules import bird_number_info
from ansible_collections.bird.engagements.tests.support.in_process import run_module
from ansible_collections.bird.engagements.tests.unit.helpers import N101, N199, WS1


def test_every_page_of_numbers_with_their_voice_capability(module_env):
    module_env(page_size_max=2, capabilities_format="objects")
    result = run_module(bird_number_info.main, dict(workspace_id=WS1))
    assert not result["changed"]
    assert [(n["phone_number"], n["voice"]) for n in result["numbers"]] == [
        ("+31201230101", True),
        ("+31201230102", True),
        ("+31201230103", True),
        ("+31201230104", True),
        ("+31201230199", False),
    ]
    assert (
        result["numbers"][0]["id"] == N101
        and result["numbers"][0]["number"]["id"] == N101
    )


def test_filters_by_exact_number_and_by_voice(module_env):
    module_env()
    one = run_module(
        bird_number_info.main, dict(workspace_id=WS1, phone_number="+31201230101")
    )
    assert [n["id"] for n in one["numbers"]] == [N101]
    without = run_module(bird_number_info.main, dict(workspace_id=WS1, voice=False))
    assert [n["id"] for n in without["numbers"]] == [N199]
    none = run_module(
        bird_number_info.main, dict(workspace_id=WS1, phone_number="+31201230100")
    )
    assert none["numbers"] == []
