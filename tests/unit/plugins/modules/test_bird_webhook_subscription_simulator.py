# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_webhook_subscription and its _info module against the in-memory simulator: the cycle in check mode and
for real, updates in place, the key rules with the simulator echoing keys and not (``echo_signing_key``),
absent and a 404 on delete, several matches, refused URLs and a malformed list, nothing ever showing a key.
"""

import pytest

from ansible_collections.bird.engagements.plugins.modules import (
    bird_webhook_subscription,
    bird_webhook_subscription_info,
)
from ansible_collections.bird.engagements.tests.simulator import IN_MEMORY_URL
from ansible_collections.bird.engagements.tests.support.in_process import run_module
from ansible_collections.bird.engagements.tests.unit.helpers import (
    DEMO_KEY,
    WS1,
    writes,
)

KEY = "whsec-sim-3c9e1f0a7b2d4e6f"
URL = "https://eda.example.com/bird"
ROUTE = "/organizations/{org}/workspaces/{ws}/webhook-subscriptions"


@pytest.fixture
def sim_env(module_env, monkeypatch):
    """``sim_env(**config)``: the in-memory simulator, credentials and the organization from the environment."""

    def start(**config):
        sim = module_env(**config)
        monkeypatch.setenv("BIRD_ORGANIZATION_ID", sim.organization_id)
        monkeypatch.setenv("BIRD_WORKSPACE_ID", WS1)
        return sim

    return start


def args(**extra):
    value = dict(service="channels", event="channel.updated", url=URL)
    value.update(extra)
    return value


def run(arguments, **kwargs):
    return run_module(bird_webhook_subscription.main, arguments, **kwargs)


def info(**arguments):
    return run_module(bird_webhook_subscription_info.main, arguments)


def held(sim):
    """The workspace's subscriptions as the simulator holds them (keys included: never print this)."""
    return sim.state()["workspaces"][WS1]["subscriptions"]


def routed(sim, method, item=True):
    return sim.stats()["by_route"].get(
        "%s %s%s" % (method, ROUTE, "/{id}" if item else ""), 0
    )


def create_directly(sim, **body):
    """A subscription made behind the module's back, through the API."""
    answer = sim.session(DEMO_KEY).post(
        "%s/organizations/%s/workspaces/%s/webhook-subscriptions"
        % (IN_MEMORY_URL, sim.organization_id, WS1),
        json=dict(dict(service="channels", event="channel.updated", url=URL), **body),
        timeout=5,
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


@pytest.mark.parametrize("echo", [True, False])
def test_check_apply_check_apply_writes_once(sim_env, echo):
    sim = sim_env(echo_signing_key=echo)
    given = args(
        event_filters=[dict(key="platformId", value="voice-messagebird")],
        signing_key=KEY,
    )
    checked = run(given, check=True, diff=True)
    assert checked["changed"] and checked["subscription"] == {} and writes(sim) == 0
    applied = run(given, diff=True)
    assert applied["changed"] and applied["diff"] == checked["diff"]
    (made,) = held(sim)
    assert made["id"] == applied["subscription"]["id"] and made["signingKey"] == KEY
    assert made["organizationId"] == sim.organization_id
    for check in (True, False):
        again = run(given, check=check, diff=True)
        assert not again["changed"], again
        assert again["subscription"]["id"] == made["id"]
    assert writes(sim) == 1
    for result in (checked, applied, again):
        assert KEY not in str(result) and "signingKey" not in str(result)


def test_a_changed_filter_is_patched_in_place(sim_env):
    sim = sim_env()
    first = run(args(event_filters=[dict(key="platformId", value="voice-messagebird")]))
    changed = run(
        args(
            event_filters=[
                dict(key="channelStatus", value="failed"),
                dict(key="platformId", value="voice-messagebird"),
            ]
        ),
        diff=True,
    )
    assert changed["changed"]
    assert changed["subscription"]["id"] == first["subscription"]["id"]
    assert sorted(f["key"] for f in changed["subscription"]["eventFilters"]) == [
        "channelStatus",
        "platformId",
    ]
    assert (
        routed(sim, "POST", item=False),
        routed(sim, "PATCH"),
        routed(sim, "DELETE"),
    ) == (1, 1, 0)
    assert (
        changed["diff"]["before"]["event_filters"]
        != changed["diff"]["after"]["event_filters"]
    )
    # The same filters in another order: nothing to do.
    same = run(
        args(
            event_filters=[
                dict(key="platformId", value="voice-messagebird"),
                dict(key="channelStatus", value="failed"),
            ]
        )
    )
    assert not same["changed"] and writes(sim) == 2
    paused = run(args(status="inactive"))
    assert paused["changed"] and paused["subscription"]["status"] == "inactive"
    assert len(held(sim)) == 1 and held(sim)[0]["status"] == "inactive"


def test_a_key_the_simulator_echoes_is_compared(sim_env):
    sim = sim_env(echo_signing_key=True)
    run(args(signing_key="first-key-0123456789"))
    rotated = run(args(signing_key=KEY), diff=True)
    assert rotated["changed"] and rotated["diff"]["after"]["signing_key"] == "updated"
    assert held(sim)[0]["signingKey"] == KEY and routed(sim, "PATCH") == 1
    assert not run(args(signing_key=KEY))["changed"]
    assert "first-key-0123456789" not in str(rotated) and KEY not in str(rotated)


def test_a_key_the_simulator_keeps_to_itself_is_sent_only_as_asked(sim_env):
    sim = sim_env(echo_signing_key=False)
    run(args(signing_key="first-key-0123456789"))
    kept = run(args(signing_key=KEY), diff=True)
    assert not kept["changed"] and held(sim)[0]["signingKey"] == "first-key-0123456789"
    assert kept["diff"]["before"]["signing_key"] == "not returned by Bird"
    checked = run(args(signing_key=KEY, update_signing_key="always"), check=True)
    assert checked["changed"] and routed(sim, "PATCH") == 0
    for dummy in range(2):
        sent = run(args(signing_key=KEY, update_signing_key="always"))
        assert sent["changed"] and KEY not in str(sent)
    assert held(sim)[0]["signingKey"] == KEY and routed(sim, "PATCH") == 2


def test_absent_removes_it_and_a_404_on_delete_is_gone_already(sim_env):
    sim = sim_env()
    other = create_directly(sim, event="channel.created")
    target = create_directly(sim, signingKey=KEY)
    checked = run(args(state="absent"), check=True)
    assert checked["changed"] and len(held(sim)) == 2
    removed = run(args(state="absent"))
    assert removed["changed"] and removed["subscription"]["id"] == target
    assert [s["id"] for s in held(sim)] == [other] and KEY not in str(removed)
    assert not run(args(state="absent"))["changed"] and routed(sim, "DELETE") == 1
    create_directly(sim)
    sim.add_faults(
        {
            "method": "DELETE",
            "path": "/webhook-subscriptions/",
            "kind": "status",
            "status": 404,
        }
    )
    raced = run(args(state="absent"))
    assert not raced["changed"] and not raced.get("failed"), raced


def test_several_matching_subscriptions_fail_naming_them_and_change_nothing(sim_env):
    sim = sim_env()
    ids = [create_directly(sim), create_directly(sim, template="other")]
    before = writes(sim)
    for state in ("present", "absent"):
        result = run(args(state=state, template="x"))
        assert result["failed"] and all(i in result["msg"] for i in ids), result
    assert writes(sim) == before and len(held(sim)) == 2


def test_refused_input_sends_nothing(sim_env):
    sim = sim_env()
    for url in (
        "http://eda.example.com/bird",
        "https://127.0.0.1/bird",
        "https://eda.local:8443/x",
    ):
        result = run(args(url=url))
        assert result["failed"] and result["msg"].startswith(
            "url %r is not a URL Bird accepts" % url
        )
    assert sim.stats()["total"] == 0


def test_an_unknown_organization_and_a_malformed_list_fail_clearly(sim_env):
    sim = sim_env()
    wrong = run(args(organization_id="c1b2c3d4-0000-4000-8000-00000000dead"))
    assert wrong["failed"] and wrong["status"] == 404
    assert "Check organization_id and workspace_id" in wrong["msg"]
    sim.add_faults(
        {
            "method": "GET",
            "path": "/webhook-subscriptions",
            "kind": "malformed",
            "malformed": "no_results",
        }
    )
    result = run(args())
    assert result["failed"] and "malformed answer" in result["msg"] and writes(sim) == 0


@pytest.mark.parametrize("echo", [True, False])
def test_the_info_module_lists_without_keys(sim_env, echo):
    sim = sim_env(echo_signing_key=echo, page_size_max=2)
    ids = [create_directly(sim, signingKey=KEY, template=str(n)) for n in range(3)]
    ids.append(create_directly(sim, event="channel.created"))
    listed = info()
    assert [s["id"] for s in listed["subscriptions"]] == ids
    assert routed(sim, "GET", item=False) == 2  # two pages of two
    expected = [True, True, True, False] if echo else [None] * 4
    assert [s["has_signing_key"] for s in listed["subscriptions"]] == expected
    assert KEY not in str(listed)
    only = info(event="channel.created")
    assert [s["id"] for s in only["subscriptions"]] == ids[3:]
