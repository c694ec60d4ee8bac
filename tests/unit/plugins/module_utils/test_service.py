# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service end to end (check, plan, apply, wait) against the simulator in memory."""

import threading

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._service import run
from ansible_collections.bird.engagements.tests.unit import helpers
from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    SMS_ONLY,
    UNKNOWN_WS,
    WS1,
    WS2,
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


def test_a_number_gets_its_connector_and_a_rerun_changes_nothing():
    sim = simulator(channel_delay=0.3)
    report = execute(sim, one(WS1, [{"phone_number": "+31201230101"}]))
    assert not report.failed and report.changed
    (outcome,) = report.outcomes
    assert (
        outcome.step.action == "create"
        and outcome.step.phone_number_id == N101
        and outcome.channel_id
    )
    assert outcome.connector["name"] == "Voice +31201230101"
    sim.reset_stats()
    again = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    assert not again.changed and again.outcomes[0].channel_id == outcome.channel_id
    assert writes(sim) == 0
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_check_mode_predicts_the_same_changes_and_writes_nothing():
    sim = simulator()
    report = execute(
        sim,
        one(
            WS1,
            [
                {"phone_number": "+31201230101"},
                {"phone_number_id": N102, "state": "absent"},
            ],
            check_mode=True,
        ),
    )
    assert [o.changed for o in report.outcomes] == [True, False]
    assert (
        report.outcomes[0].channel_id is None and report.outcomes[0].connector is None
    )
    assert writes(sim) == 0


def test_problems_found_while_planning_stop_every_write_and_name_each_entry():
    sim = simulator()
    report = execute(
        sim,
        batch(
            [
                {
                    "workspace_id": WS1,
                    "numbers": [
                        {"phone_number": "+31201230101"},
                        {"phone_number": SMS_ONLY},
                    ],
                },
                {
                    "workspace_id": WS2,
                    "numbers": [
                        {"phone_number": "+31209999999"},
                        {"phone_number_id": "00000000-0000-4000-8000-000000000000"},
                    ],
                },
            ]
        ),
    )
    assert report.failed and report.stopped
    text = report.message()
    assert text.startswith("nothing was changed: 3 problems: ")
    assert (
        "workspaces[0].numbers[1]: number +31201230199" in text
        and "no voice capability" in text
    )
    assert (
        "workspaces[1].numbers[0]: +31209999999 is not a number of workspace %s" % WS2
        in text
    )
    assert (
        "workspaces[1].numbers[1]: 00000000-0000-4000-8000-000000000000 is not a number"
        in text
    )
    assert "workspaces[0].numbers[0]" not in text
    assert writes(sim) == 0


def test_an_unknown_workspace_fails_the_run_before_any_write_with_birds_answer():
    sim = simulator()
    report = execute(
        sim,
        batch(
            [
                {"workspace_id": WS1, "numbers": [{"phone_number_id": N101}]},
                {"workspace_id": UNKNOWN_WS, "numbers": [{"phone_number_id": N102}]},
            ]
        ),
    )
    assert report.stopped
    (problem,) = report.problems
    assert (
        problem.message.startswith("workspace %s: " % UNKNOWN_WS)
        and "HTTP 404" in problem.message
    )
    assert problem.api_error.status == 404 and problem.api_error.request_id
    assert writes(sim) == 0
    # Neither workspace's lines read like a healthy run: nothing was done, and they say why.
    assert report.summary() == dict(
        created=0, deleted=0, replaced=0, unchanged=0, failed=0, not_carried_out=2
    )
    assert [w["text"] for w in report.workspaces()] == [
        "%s: 0 created, 0 deleted, 0 unchanged, 0 failed, 1 not carried out (the run stopped "
        "before any write)" % WS1,
        "%s: 0 created, 0 deleted, 0 unchanged, 0 failed, 1 not carried out (the workspace "
        "could not be read)" % UNKNOWN_WS,
    ]
    assert [r["msg"] for r in report.rows()] == [
        "not carried out: the run stopped before any write",
        "not carried out: the workspace could not be read",
    ]


def test_a_stopped_run_counts_what_it_did_not_do_apart_from_what_is_unchanged():
    sim = simulator()
    sim.insert_connector(WS1, N101)
    report = execute(
        sim,
        one(
            WS1,
            [
                {"phone_number_id": N101},
                {"phone_number_id": N102},
                {"phone_number": SMS_ONLY},
            ],
        ),
    )
    assert report.stopped and writes(sim) == 0
    assert report.summary() == dict(
        created=0, deleted=0, replaced=0, unchanged=1, failed=1, not_carried_out=1
    )
    msgs = [r["msg"] for r in report.rows()]
    assert msgs[:2] == [
        "unchanged",
        "not carried out: the run stopped before any write",
    ]
    assert report.workspaces()[0]["text"] == (
        "%s: 0 created, 0 deleted, 1 unchanged, 1 failed, 1 not carried out (the run "
        "stopped before any write)" % WS1
    )


def test_a_wrong_key_fails_the_plan_and_the_key_is_not_in_the_message():
    sim = simulator()
    report = execute(
        sim, one(WS1, [{"phone_number_id": N101}]), key="wrong-key", retries=0
    )
    assert "HTTP 401" in report.message() and "wrong-key" not in report.message()


def test_many_numbers_are_read_with_one_pass_over_the_number_list():
    sim = simulator(page_size_max=2)
    execute(
        sim,
        one(
            WS1,
            [{"phone_number": "+3120123010%d" % i} for i in range(1, 5)],
            check_mode=True,
        ),
    )
    # 0 connectors: 1 page; 5 numbers: 3 pages of 2; no per-number search.
    assert sim.stats()["by_route"] == {
        "GET /workspaces/{ws}/connectors": 1,
        "GET /workspaces/{ws}/numbers": 3,
    }


def test_a_converged_run_reads_the_connector_pages_and_one_channels_list():
    sim = simulator()
    numbers = [
        {"phone_number": "+31201230101"},
        {"phone_number_id": N102},
        {"phone_number": "+31201230103"},
    ]
    execute(sim, one(WS1, numbers))
    sim.reset_stats()
    report = execute(sim, one(WS1, numbers))
    assert not report.changed and not report.failed
    assert [o.channel_status for o in report.outcomes] == ["active"] * 3
    assert sim.stats()["by_route"] == {
        "GET /workspaces/{ws}/connectors": 1,
        "GET /workspaces/{ws}/channels": 1,
    }


def test_a_run_of_new_numbers_reads_no_channel_before_creating():
    sim = simulator()
    sim.add_faults(
        {"method": "POST", "path": "/connectors$", "kind": "status", "status": 403}
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    assert report.failed
    assert "GET /workspaces/{ws}/channels" not in sim.stats()["by_route"]


def test_the_create_body_carries_name_template_number_and_conversational_only_when_set():
    sim = simulator()
    execute(
        sim,
        one(
            WS1,
            [
                {"phone_number_id": N101, "name": "Support NL", "conversational": True},
                {"phone_number_id": N102, "conversational": False},
                {"phone_number": "+31201230103"},
            ],
        ),
    )
    by_number = {c["arguments"]["phoneNumberId"]: c for c in connectors_of(sim, WS1)}
    assert by_number[N101]["name"] == "Support NL"
    assert by_number[N102]["name"] == "Voice +31201230102"
    assert (
        by_number["b1b2c3d4-0001-4000-8000-000000000103"]["name"]
        == "Voice +31201230103"
    )


def test_one_failed_write_does_not_stop_the_others_and_keeps_birds_words():
    sim = simulator()
    sim.add_faults(
        {
            "method": "POST",
            "path": "/connectors$",
            "kind": "status",
            "status": 403,
            "body": {"code": "Forbidden", "message": "policy says no"},
            "count": 1,
        }
    )
    report = execute(
        sim,
        one(WS1, [{"phone_number_id": N101}, {"phone_number_id": N102}], concurrency=1),
    )
    failed = report.failures
    assert len(failed) == 1 and report.summary() == dict(
        created=1, deleted=0, replaced=0, unchanged=0, failed=1, not_carried_out=0
    )
    error = failed[0].failure.api_error
    assert (error.status, error.code, error.api_message) == (
        403,
        "Forbidden",
        "policy says no",
    )
    assert error.request_id
    # The entry and its number, then the call and Bird's words.
    assert report.message().startswith(
        "1 of 2 numbers failed: workspaces[0].numbers[0]: number +31201230101: POST "
    )
    rows = report.rows()
    assert [r["failed"] for r in rows] == [True, False]
    assert (
        rows[0]["status"] == 403
        and rows[0]["request_id"] == error.request_id
        and rows[1]["msg"] == "created"
    )


@pytest.mark.parametrize("delete_status", [200, 204])
def test_absent_deletes_and_a_rerun_changes_nothing(delete_status):
    sim = simulator(delete_status=delete_status)
    sim.insert_connector(WS1, N101)
    report = execute(
        sim, one(WS1, [{"phone_number": "+31201230101", "state": "absent"}])
    )
    assert report.changed and connectors_of(sim, WS1, N101) == []
    sim.reset_stats()
    again = execute(
        sim, one(WS1, [{"phone_number": "+31201230101", "state": "absent"}])
    )
    assert not again.changed and writes(sim) == 0


def test_a_lost_delete_response_still_counts_as_our_change():
    sim = simulator()
    sim.insert_connector(WS1, N101)
    sim.add_faults(
        {
            "method": "DELETE",
            "path": "/connectors/",
            "kind": "drop_after_apply",
            "count": 1,
        }
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N101, "state": "absent"}]))
    assert report.changed and not report.failed and connectors_of(sim, WS1, N101) == []


def test_a_removed_number_can_still_be_made_absent_by_its_e164():
    sim = simulator()
    # A connector whose number is no longer in the workspace: matched on the number it echoes.
    connector = sim.insert_connector(WS1, N101)
    sim.workspaces[WS1]["numbers"] = [
        n for n in sim.workspaces[WS1]["numbers"] if n["id"] != N101
    ]
    report = execute(
        sim, one(WS1, [{"phone_number": "+31201230101", "state": "absent"}])
    )
    assert report.changed and report.outcomes[0].connector["id"] == connector["id"]


def test_several_connectors_for_one_number_fail_and_name_them():
    sim = simulator()
    first = sim.insert_connector(WS1, N101)
    second = sim.insert_connector(WS1, N101, force=True)
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    assert first["id"] in report.message() and second["id"] in report.message()
    assert writes(sim) == 0


def test_the_same_number_given_by_e164_and_by_id_is_refused():
    sim = simulator()
    report = execute(
        sim, one(WS1, [{"phone_number": "+31201230101"}, {"phone_number_id": N101}])
    )
    assert (
        "workspaces[0].numbers[1]: it is the same number (id %s) as workspaces[0].numbers[0]"
        % N101
        in messages(report)[0]
    )
    assert writes(sim) == 0


def test_both_forms_of_a_number_must_agree():
    sim = simulator()
    report = execute(
        sim, one(WS1, [{"phone_number": "+31201230102", "phone_number_id": N101}])
    )
    assert (
        "phone_number +31201230102 does not match phone_number_id %s, which is +31201230101"
        % N101
        in report.message()
    )
    ok = execute(
        sim, one(WS1, [{"phone_number": "+31201230101", "phone_number_id": N101}])
    )
    assert ok.changed and not ok.failed


def test_two_blocks_naming_one_number_in_two_forms_share_one_create():
    sim = simulator()
    report = execute(
        sim,
        batch(
            [
                {"workspace_id": WS1, "numbers": [{"phone_number": "+31201230101"}]},
                {"workspace_id": WS1, "numbers": [{"phone_number_id": N101}]},
            ]
        ),
    )
    assert not report.failed and len(report.outcomes) == 1
    assert [r["changed"] for r in report.rows()] == [True, True]
    assert sim.stats()["by_route"]["POST /workspaces/{ws}/connectors"] == 1


def test_two_blocks_naming_one_number_in_two_forms_must_agree():
    sim = simulator()
    report = execute(
        sim,
        batch(
            [
                {"workspace_id": WS1, "numbers": [{"phone_number": "+31201230101"}]},
                {
                    "workspace_id": WS1,
                    "numbers": [{"phone_number_id": N101, "state": "absent"}],
                },
            ]
        ),
    )
    assert report.stopped and writes(sim) == 0
    assert messages(report) == [
        "workspaces[1].numbers[0]: it is the same number (id %s) as workspaces[0].numbers[0]; "
        "state 'absent' here, 'present' there; list it the same way, or in one place only"
        % N101
    ]


@pytest.mark.parametrize("state", ["present", "absent"])
def test_both_forms_that_disagree_fail_before_any_write_also_when_the_number_has_a_connector(
    state,
):
    sim = simulator()
    sim.insert_connector(WS1, N101)
    report = execute(
        sim,
        one(
            WS1,
            [{"phone_number": "+31201230102", "phone_number_id": N101, "state": state}],
        ),
    )
    assert (
        report.stopped and writes(sim) == 0 and len(connectors_of(sim, WS1, N101)) == 1
    )
    assert (
        "phone_number +31201230102 does not match phone_number_id %s, which is +31201230101"
        % N101
        in report.message()
    )


def test_both_forms_that_disagree_are_checked_with_the_number_when_no_connector_echoes_it():
    sim = simulator()
    connector = sim.insert_connector(WS1, N101)
    sim.add_faults(
        {
            "method": "GET",
            "path": "/connectors$",
            "kind": "status",
            "status": 200,
            "body": {
                "results": [
                    {
                        "id": connector["id"],
                        "connectorTemplateRef": "voice-messagebird:1",
                        "arguments": {"phoneNumberId": N101},
                    }
                ]
            },
        }
    )
    sim.reset_stats()
    report = execute(
        sim,
        one(
            WS1,
            [
                {
                    "phone_number": "+31201230102",
                    "phone_number_id": N101,
                    "state": "absent",
                }
            ],
        ),
    )
    assert report.stopped and "does not match" in report.message() and writes(sim) == 0
    assert sim.stats()["by_route"]["GET /workspaces/{ws}/numbers/{id}"] == 1
    agreeing = execute(
        sim,
        one(
            WS1,
            [
                {
                    "phone_number": "+31201230101",
                    "phone_number_id": N101,
                    "state": "absent",
                }
            ],
        ),
    )
    assert agreeing.changed and connectors_of(sim, WS1, N101) == []


def test_with_both_forms_a_number_id_of_another_workspace_is_named_by_its_id():
    sim = simulator()
    other = "b1b2c3d4-0002-4000-8000-000000000201"
    report = execute(
        sim, one(WS1, [{"phone_number": "+31201230101", "phone_number_id": other}])
    )
    assert (
        "%s is not a number of workspace %s" % (other, WS1) in report.message()
        and writes(sim) == 0
    )


def test_threads_stay_within_concurrency_over_64_workspaces_whose_connectors_name_no_number():
    """64 workspaces read at once, each then reading its connectors one by one (list items name no
    number): every read, nested or not, shares the run's one pool of ``concurrency`` threads.
    """
    sim = simulator(
        seed={"workspaces": []},
        generate_workspaces=64,
        numbers_per_workspace=3,
        access_key=helpers.DEMO_KEY,
    )
    workspaces = [
        {
            "workspace_id": ws,
            "numbers": [{"phone_number_id": n["id"]} for n in w["numbers"]],
        }
        for ws, w in sim.workspaces.items()
    ]
    assert not execute(sim, batch(workspaces)).failed
    sim.update_config(list_item_ids="null")
    bird = helpers.client(sim)
    send, peak = bird.request, []

    def counted(*args, **kwargs):
        peak.append(threading.active_count())
        return send(*args, **kwargs)

    bird.request = counted
    before = threading.active_count()
    report = run(bird, batch(workspaces, concurrency=8), sleep=helpers.quick_sleep)
    assert not report.failed and not report.changed
    assert len(peak) > 64 * 3  # every connector was read on its own
    assert max(peak) <= before + 8, (before, max(peak))


@pytest.mark.parametrize("refused", [False, True])
def test_an_exclusive_swap_deletes_the_old_connector_only_after_the_new_one_works(
    refused,
):
    """Number A (N101, with its connector) swapped for B (N102) with exclusive: B is created
    first; when Bird refuses B, A keeps its connector and its entry says why."""
    sim = simulator(channel_delay=0.05)
    old = sim.insert_connector(WS1, N101)
    if refused:
        sim.add_faults(
            {"method": "POST", "path": "/connectors$", "kind": "status", "status": 403}
        )
    report = execute(sim, one(WS1, [{"phone_number_id": N102}], exclusive=True))
    rows = dict((r["phone_number_id"], r) for r in report.rows())
    posts = [r for r in sim.requests(200) if r["method"] in ("POST", "DELETE")]
    if not refused:
        assert [r["method"] for r in posts] == ["POST", "DELETE"], posts
        assert connectors_of(sim, WS1, N101) == [] and connectors_of(sim, WS1, N102)
        assert rows[N101]["action"] == "delete" and rows[N101]["changed"]
        return
    assert [r["method"] for r in posts] == ["POST"], posts
    assert [c["id"] for c in connectors_of(sim, WS1, N101)] == [old["id"]]
    assert rows[N102]["failed"] and rows[N102]["status"] == 403
    assert not rows[N101]["changed"] and not rows[N101]["failed"]
    assert rows[N101]["msg"] == (
        "not carried out: a create in this workspace did not succeed, so nothing in it was deleted"
    )
