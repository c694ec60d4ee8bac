# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which number an entry names, at the edges: both forms that disagree, one number listed by two
hosts in two forms, a page of connectors answered twice.

The modules run in this process (their real ``main()``, against a started simulator): no ansible
process is needed to show these. Each of them failed before 28c7879 and 4837b27 (see "Problems
this suite found" in docs/reliability.md).
"""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.tests.support.in_process import run_in_process
from ansible_collections.bird.engagements.tests.support.simulators import (
    DEMO_KEY,
    WS1,
    WS1_VOICE,
    connectors_by_number,
    number_id,
)

ASKED, OTHER = (
    WS1_VOICE[0],
    WS1_VOICE[1],
)  # the E.164 given, and the number whose id is given


def module(sim, **args):
    return run_in_process(
        "bird_voice_connector",
        dict(
            args,
            workspace_id=WS1,
            api_url=sim.url,
            access_key=DEMO_KEY,
            retries=1,
            wait_timeout=10,
        ),
    )[0]


def batch(sim, *workspaces):
    return run_in_process(
        "bird_voice_connectors",
        dict(api_url=sim.url, access_key=DEMO_KEY, workspaces=list(workspaces)),
    )[0]


@pytest.mark.parametrize(
    "state,has_connector",
    [("present", False), ("present", True), ("absent", True), ("absent", False)],
)
def test_both_forms_that_disagree_fail_before_any_write_whatever_the_plan(
    simulator, state, has_connector
):
    """Whether the id's number has a connector (whose echoed number is compared) or not (the number itself is)."""
    sim = simulator()
    if has_connector:
        sim.insert_connector(WS1, number_id(OTHER))
    before = connectors_by_number(sim.state())
    result = module(
        sim, phone_number=ASKED, phone_number_id=number_id(OTHER), state=state
    )
    assert sim.stats()["writes"] == 0 and connectors_by_number(sim.state()) == before
    assert result.get("failed") and result["msg"].startswith(
        "nothing was changed: "
    ), result
    assert (
        "phone_number %s does not match phone_number_id %s" % (ASKED, number_id(OTHER))
        in result["msg"]
    ), result


def test_two_entries_may_list_one_number_one_by_e164_the_other_by_its_id(simulator):
    sim = simulator()
    result = batch(
        sim,
        dict(workspace_id=WS1, numbers=[dict(phone_number=OTHER)]),
        dict(workspace_id=WS1, numbers=[dict(phone_number_id=number_id(OTHER))]),
    )
    assert not result.get("failed"), result["msg"]
    assert [r["changed"] for r in result["results"]] == [True, True]
    assert len(set(r["connector_id"] for r in result["results"])) == 1
    assert sim.stats()["writes_applied"] == 1


def test_one_host_listing_one_number_in_both_forms_is_refused_before_any_write(
    simulator,
):
    sim = simulator()
    result = batch(
        sim,
        dict(
            workspace_id=WS1,
            numbers=[dict(phone_number=OTHER), dict(phone_number_id=number_id(OTHER))],
        ),
    )
    assert result["failed"] and result["msg"].startswith(
        "nothing was changed: "
    ), result
    assert (
        "workspaces[0].numbers[1]: it is the same number (id %s) as workspaces[0].numbers[0]; list each number "
        "once" % number_id(OTHER)
    ) in result["msg"], result["msg"]
    assert sim.stats()["writes"] == 0


def test_a_page_answered_twice_does_not_make_one_connector_look_like_two(simulator):
    """A token leading back to a page already read, once: the items seen before are the same connectors."""
    sim = simulator()
    connector = sim.insert_connector(WS1, number_id(ASKED))
    sim.add_faults(
        {
            "method": "GET",
            "path": "/connectors$",
            "kind": "malformed",
            "malformed": "token_loop",
            "count": 1,
        }
    )
    result = module(sim, phone_number=ASKED)
    assert sim.stats()["faults_fired"]["malformed"] == 1
    assert not result.get("failed"), result["msg"]
    assert (
        result["changed"] is False and result["connector_id"] == connector["id"]
    ), result
    assert sim.stats()["writes"] == 0
