# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Channels that work: a new channel is awaited until active, a failed one fails its entry, an
existing broken one is never a silent "ok" (replace_failed replaces it within max_deletions),
degraded and unknown statuses are warnings, and the statuses are read cheaply."""

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    verdict,
)
from ansible_collections.bird.engagements.plugins.module_utils._info import (
    voice_connectors,
)
from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    N103,
    WS1,
    client,
    connectors_of,
    simulator,
    writes,
)
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.service_helpers import (
    batch,
    execute,
    messages,
    one,
)


def channel_of(sim, connector):
    return connector["channel"]["channelId"]


def test_a_new_channel_is_awaited_through_pending_and_setting_up_until_active():
    sim = simulator(channel_delay=0.1, channel_setup_seconds=0.6)
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    (outcome,) = report.outcomes
    assert not report.failed and outcome.channel_status == "active"
    assert outcome.channel_id == channel_of(sim, connectors_of(sim, WS1, N101)[0])
    # Several polls of the channels list saw it setting up first.
    polls = sim.stats()["by_route"]["GET /workspaces/{ws}/channels"]
    assert polls >= 3


def test_a_channel_that_ends_failed_fails_its_entry_and_the_others_carry_on():
    sim = simulator(
        channel_delay=0.1,
        channel_setup_seconds=0.2,
        channel_final_status_by_number={"+31201230102": "failed"},
    )
    report = execute(
        sim, one(WS1, [{"phone_number_id": N101}, {"phone_number_id": N102}])
    )
    ok, bad = report.outcomes
    assert ok.failure is None and ok.channel_status == "active"
    (connector,) = connectors_of(sim, WS1, N102)
    message = bad.failure.message
    assert bad.channel_status == "failed" and bad.changed
    for part in (
        "number +31201230102",
        "Voice channel %s" % channel_of(sim, connector),
        "(connector %s)" % connector["id"],
        "'failed'",
        "replace_failed",
    ):
        assert part in message, message
    assert report.summary()["failed"] == 1 and report.summary()["created"] == 1


@pytest.mark.parametrize("status", ["inactive", "warning", "suspended"])
def test_a_channel_that_ends_degraded_or_unknown_is_a_warning(status):
    sim = simulator(channel_final_status=status)
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    (outcome,) = report.outcomes
    assert not report.failed and outcome.channel_status == status
    (warning,) = report.warnings
    assert "is %r" % status in warning and "calls may not work" in warning
    assert ("does not know" in warning) is (status == "suspended")


@pytest.mark.parametrize("wait_timeout, status", [(1, "pending"), (3, "setting-up")])
def test_a_channel_still_setting_up_at_wait_timeout_fails_naming_the_status(
    wait_timeout, status
):
    sim = simulator(channel_setup_seconds=4)  # pending for 2 s, then setting-up for 2 s
    req = one(WS1, [{"phone_number_id": N101}], wait_timeout=wait_timeout)
    (outcome,) = execute(sim, req).outcomes
    assert (
        "is still %r after %d seconds (wait_timeout)" % (status, wait_timeout)
        in outcome.failure.message
    )


@pytest.mark.parametrize("status", ["failed", "deleted"])
@pytest.mark.parametrize("check_mode", [True, False])
def test_an_existing_broken_channel_fails_its_entry_in_check_mode_too(
    status, check_mode
):
    sim = simulator()
    connector = sim.insert_connector(WS1, N101)
    sim.set_channel_status(channel_of(sim, connector), status)
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], check_mode=check_mode))
    (outcome,) = report.outcomes
    assert report.failed and report.stopped and writes(sim) == 0
    assert "is %r: it cannot carry calls" % status in outcome.failure.message
    assert outcome.channel_status == status


def test_replace_failed_replaces_a_broken_channel_with_a_new_one():
    sim = simulator()
    old = sim.insert_connector(WS1, N101)
    sim.set_channel_status(channel_of(sim, old), "failed")
    predicted = execute(
        sim, one(WS1, [{"phone_number_id": N101}], replace_failed=True, check_mode=True)
    )
    assert predicted.outcomes[0].changed and writes(sim) == 0
    assert predicted.rows()[0]["msg"] == "would be replaced (check mode)"
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], replace_failed=True))
    (outcome,) = report.outcomes
    (new,) = connectors_of(sim, WS1, N101)
    assert not report.failed and outcome.changed and outcome.step.action == "replace"
    assert new["id"] != old["id"] and outcome.channel_id == channel_of(sim, new)
    assert outcome.channel_status == "active"
    assert report.summary()["replaced"] == 1
    assert "1 replaced" in report.workspaces()[0]["text"]
    again = execute(sim, one(WS1, [{"phone_number_id": N101}], replace_failed=True))
    assert not again.changed


def test_replacements_count_against_max_deletions():
    sim = simulator()
    for number in (N101, N102):
        connector = sim.insert_connector(WS1, number)
        sim.set_channel_status(channel_of(sim, connector), "failed")
    numbers = [{"phone_number_id": N101}, {"phone_number_id": N102}]
    report = execute(sim, one(WS1, numbers, replace_failed=True, max_deletions=1))
    assert report.stopped and writes(sim) == 0
    assert messages(report)[0].startswith(
        "max_deletions: replace_failed would replace 2 Voice connectors"
    )


@pytest.mark.parametrize("status", ["inactive", "warning", "a-later-status"])
def test_an_existing_degraded_channel_is_kept_with_a_warning(status):
    sim = simulator()
    connector = sim.insert_connector(WS1, N101)
    sim.set_channel_status(channel_of(sim, connector), status)
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    assert not report.failed and not report.changed
    assert report.outcomes[0].channel_status == status
    assert any(status in w for w in report.warnings)


def test_an_existing_channel_still_setting_up_is_awaited():
    sim = simulator()
    connector = sim.insert_connector(WS1, N101)
    sim.set_channel_status(channel_of(sim, connector), "setting-up")
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], wait_timeout=2))
    assert "is still 'setting-up'" in report.outcomes[0].failure.message
    assert not report.outcomes[0].changed


def test_statuses_are_passed_through_and_only_known_ones_decide():
    assert verdict("active") == "usable" and verdict("failed") == "broken"
    assert verdict("setting-up") == verdict("pending") == "not yet"
    assert verdict("suspended") == verdict("inactive") == verdict(None) == "degraded"


def test_a_converged_workspace_of_100_numbers_reads_at_most_three_pages():
    sim = simulator(
        seed={}, generate_workspaces=1, numbers_per_workspace=100, page_size=10
    )
    (ws,) = list(sim.state()["workspaces"])
    numbers = [{"phone_number_id": n["id"]} for n in sim.workspaces[ws]["numbers"]]
    key = list(sim.access_keys)[0]
    execute(sim, one(ws, numbers), key=key)
    sim.reset_stats()
    report = execute(sim, one(ws, numbers), key=key)
    assert not report.changed and not report.failed
    reads = sim.stats()["by_workspace_route"][ws]
    assert sum(reads.values()) <= 3 and set(reads) == {
        "GET /workspaces/{ws}/connectors",
        "GET /workspaces/{ws}/channels",
    }, reads


@pytest.mark.parametrize("style", ["bird", "binary"])
def test_opaque_page_tokens_and_strict_limits(style):
    # One item a page: every list is followed token by token; binary tokens hold +, / and =.
    sim = simulator(limit_above_max="reject", page_token_style=style, page_size_max=1)
    for number in (N101, N102):
        sim.insert_connector(WS1, number)
    numbers = [
        {"phone_number_id": N101},
        {"phone_number": "+31201230102"},
        {"phone_number": "+31201230103"},
        {"phone_number": "+31201230104"},
    ]
    report = execute(sim, one(WS1, numbers))
    assert not report.failed, messages(report)
    assert "400" not in sim.stats()["by_status"]
    tokens = [r["query"] for r in sim.requests(1000) if "pageToken=" in r["query"]]
    assert tokens and all("%3D" in q for q in tokens)
    if style == "binary":
        assert all("%2B" in q and "%2F" in q for q in tokens)
    assert len(connectors_of(sim, WS1)) == 4


def test_connectors_that_name_no_number_are_found_through_their_channel():
    sim = simulator(list_item_ids="null", get_item_ids="null")
    sim.insert_connector(WS1, N101)
    for number in ({"phone_number": "+31201230101"}, {"phone_number_id": N101}):
        report = execute(sim, one(WS1, [number]))
        assert not report.failed and not report.changed, messages(report)
        assert report.outcomes[0].channel_status == "active"
    assert writes(sim) == 0 and len(connectors_of(sim, WS1)) == 1


def test_a_connector_that_nothing_identifies_blocks_a_create_naming_it():
    sim = simulator(list_item_ids="null", get_item_ids="null")
    connector = sim.insert_connector(WS1, N101, channel_delay=-1)
    report = execute(sim, one(WS1, [{"phone_number_id": N102}]))
    assert report.stopped and writes(sim) == 0
    (message,) = messages(report)
    assert connector["id"] in message and "names no number" in message


@pytest.mark.parametrize("status", [200, 202, 204])
def test_every_delete_answer_is_a_delete(status):
    sim = simulator(delete_status=status)
    sim.insert_connector(WS1, N101)
    report = execute(sim, one(WS1, [{"phone_number_id": N101, "state": "absent"}]))
    assert not report.failed and report.changed
    assert connectors_of(sim, WS1, N101) == []


def test_a_404_on_delete_means_already_gone():
    sim = simulator()
    connector = sim.insert_connector(WS1, N101)
    sim.add_faults(
        {
            "method": "DELETE",
            "path": "/connectors/",
            "kind": "status",
            "status": 404,
            "count": 1,
        }
    )
    sim.delete_connector(WS1, connector["id"])
    report = execute(sim, one(WS1, [{"phone_number_id": N101, "state": "absent"}]))
    assert not report.failed


def test_an_unknown_workspace_is_named_as_not_found():
    sim = simulator()
    unknown = "a1b2c3d4-0009-4000-8000-000000000009"
    report = execute(sim, one(unknown, [{"phone_number_id": N101}]))
    (message,) = messages(report)
    assert message.startswith("workspace %s: " % unknown) and "HTTP 404" in message
    assert "Bird does not know this workspace: check workspace_id" in message


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateways_html_error_is_retried_and_named_by_its_status(status):
    sim = simulator()
    gateway = {
        "method": "GET",
        "path": "/connectors$",
        "kind": "gateway",
        "status": status,
    }
    sim.add_faults(dict(gateway, count=1))
    assert not execute(sim, one(WS1, [{"phone_number_id": N101}])).failed
    sim.add_faults(gateway)
    report = execute(sim, one(WS1, [{"phone_number_id": N102}]), retries=1)
    (message,) = messages(report)
    assert "HTTP %d" % status in message and "HTML page" in message
    assert "<html" not in message.lower() and "Traceback" not in message


@pytest.mark.parametrize("refused", [True, False])
def test_a_lost_create_listed_late_ends_in_exactly_one_connector(refused):
    sim = simulator(list_delay=3.0, duplicate_refusal=refused)
    sim.add_faults(
        {
            "method": "POST",
            "path": "/connectors$",
            "kind": "drop_after_apply",
            "count": 1,
        }
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N103}], wait_timeout=60))
    assert not report.failed and report.changed, messages(report)
    assert len(connectors_of(sim, WS1, N103)) == 1
    assert sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 1


def test_non_ascii_names_are_kept_exactly_and_idempotent():
    sim = simulator()
    name = "Support Zürich – 日本 ☎"
    numbers = [{"phone_number_id": N101, "name": name}]
    report = execute(sim, one(WS1, numbers))
    assert report.outcomes[0].connector["name"] == name
    assert connectors_of(sim, WS1, N101)[0]["name"] == name
    again = execute(sim, one(WS1, numbers))
    assert not again.changed and again.warnings == []


def test_a_voice_entry_with_both_directions_null_is_no_voice():
    sim = simulator(capabilities_format="endpoint")
    sim.add_number(WS1, "+31201230151", capabilities=["sms", "voice-none"])
    sim.add_number(WS1, "+31201230152", capabilities=["sms", "voice-inbound"])
    report = execute(
        sim,
        batch(
            [
                {
                    "workspace_id": WS1,
                    "numbers": [
                        {"phone_number": "+31201230151"},
                        {"phone_number": "+31201230152"},
                    ],
                }
            ]
        ),
    )
    assert report.stopped and writes(sim) == 0
    (message,) = messages(report)
    assert "+31201230151" in message and "has no voice capability" in message


def test_absent_finds_a_connector_that_names_no_number_through_its_channel():
    sim = simulator(list_item_ids="null", get_item_ids="null")
    sim.insert_connector(WS1, N103)
    report = execute(sim, one(WS1, [{"phone_number_id": N103, "state": "absent"}]))
    assert not report.failed and report.changed, messages(report)
    assert connectors_of(sim, WS1, N103) == []


def test_a_lost_create_of_a_connector_that_names_no_number_is_found_through_its_channel():
    sim = simulator(
        list_item_ids="null",
        get_item_ids="null",
        list_delay=2.0,
        duplicate_refusal=False,
    )
    sim.add_faults(
        {
            "method": "POST",
            "path": "/connectors$",
            "kind": "drop_after_apply",
            "count": 1,
        }
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N103}], wait_timeout=60))
    assert not report.failed and report.changed, messages(report)
    assert len(connectors_of(sim, WS1, N103)) == 1


def test_a_connector_gone_between_the_list_and_its_own_read_is_gone():
    # A delete that takes effect a moment later: still listed (naming no number), then 404 on its GET.
    sim = simulator(list_item_ids="none")
    sim.insert_connector(WS1, N103)
    sim.add_faults(
        {"method": "GET", "path": "/connectors/[^/]+$", "kind": "status", "status": 404}
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N103, "state": "absent"}]))
    assert not report.failed and not report.changed, messages(report)
    assert writes(sim) == 0


def test_the_info_module_finds_by_id_a_connector_known_only_through_its_channel():
    sim = simulator(list_item_ids="null", get_item_ids="null")
    connector = sim.insert_connector(WS1, N101)
    rows = voice_connectors(
        client(sim), WS1, "voice-messagebird:1", phone_number_id=N101
    )
    assert [r["connector_id"] for r in rows] == [connector["id"]]
    assert rows[0]["phone_number"] == "+31201230101"
