# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Planning against every shape Bird documents: identity across template versions, list items that
do not name their number or template, capabilities, malformed lists, every voice number, exclusive.
"""

import pytest

from ansible_collections.bird.engagements.plugins.module_utils import _http
from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    N103,
    N104,
    N199,
    SMS_ONLY,
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

CAPABILITY_FORMATS = ["list", "dict", "string", "objects", "endpoint"]


# -- identity ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ids", ["both", "arguments", "number", "alternate", "none", "mixed"]
)
def test_connectors_are_found_whatever_number_ids_list_items_carry(ids):
    sim = simulator(list_item_ids=ids, page_size_max=1)
    for number in (N101, N102, N103):
        sim.insert_connector(WS1, number)
    present = execute(
        sim, one(WS1, [{"phone_number_id": N101}, {"phone_number": "+31201230102"}])
    )
    assert not present.changed and not present.failed and writes(sim) == 0
    absent = execute(sim, one(WS1, [{"phone_number_id": N103, "state": "absent"}]))
    assert absent.changed and connectors_of(sim, WS1, N103) == []


@pytest.mark.parametrize("template", ["ref", "slug", "none"])
def test_connectors_are_found_whatever_template_fields_list_items_carry(template):
    sim = simulator(list_item_template=template)
    sim.insert_connector(WS1, N101)
    sim.insert_connector(WS1, N102, template="sms-messagebird:1")
    report = execute(
        sim, one(WS1, [{"phone_number_id": N101}, {"phone_number_id": N102}])
    )
    assert [o.changed for o in report.outcomes] == [False, True] and not report.failed
    assert sorted(c["connectorTemplateRef"] for c in connectors_of(sim, WS1, N102)) == [
        "sms-messagebird:1",
        "voice-messagebird:1",
    ]


def test_a_connector_of_another_version_is_the_numbers_voice_connector():
    sim = simulator()
    other = sim.insert_connector(WS1, N101, template="voice-messagebird:2")
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    assert not report.changed and report.outcomes[0].connector["id"] == other["id"]
    (warning,) = report.warnings
    assert (
        "voice-messagebird:2" in warning
        and "voice-messagebird:1" in warning
        and other["id"] in warning
    )
    assert writes(sim) == 0
    gone = execute(sim, one(WS1, [{"phone_number_id": N101, "state": "absent"}]))
    assert gone.changed and connectors_of(sim, WS1, N101) == []


@pytest.mark.parametrize("template_fields", ["full", "ref", "slug", "none"])
def test_of_connectors_of_two_versions_on_one_number_the_one_asked_for_is_its_own(
    template_fields,
):
    # Bird is taken to refuse a second connector of one platform on a number (unverified); where it
    # does not (duplicate_scope: template), a number may have one of each version. List items that
    # give only the template's slug are read on their own, since the version decides.
    sim = simulator(duplicate_scope="template", list_item_template=template_fields)
    one_ = sim.insert_connector(WS1, N101)
    two = sim.insert_connector(WS1, N101, template="voice-messagebird:2")
    for template, mine, other in (
        ("voice-messagebird:1", one_, two),
        ("voice-messagebird:2", two, one_),
    ):
        sim.reset_stats()
        report = execute(
            sim,
            one(
                WS1,
                [{"phone_number": "+31201230101"}],
                connector_template_ref=template,
            ),
        )
        assert not report.failed and not report.changed and writes(sim) == 0
        assert report.outcomes[0].connector["id"] == mine["id"]
        # The connectors echo the number: its id comes from them, not from the number list.
        assert report.outcomes[0].step.phone_number_id == N101
        assert "GET /workspaces/{ws}/numbers" not in sim.stats()["by_route"]
        (warning,) = report.warnings
        assert other["id"] in warning and "kept as it is" in warning
        assert "(%s)" % other["connectorTemplateRef"] in warning
    # Of a third version, neither is the one asked for.
    third = execute(
        sim,
        one(
            WS1,
            [{"phone_number_id": N101}],
            connector_template_ref="voice-messagebird:3",
        ),
    )
    assert third.stopped and writes(sim) == 0
    (message,) = messages(third)
    assert "more than one voice-messagebird connector" in message
    assert one_["id"] in message and two["id"] in message


@pytest.mark.parametrize("check_mode", [True, False])
def test_a_number_to_be_absent_loses_every_voice_connector_it_has(check_mode):
    sim = simulator(duplicate_scope="template")
    ids = {
        sim.insert_connector(WS1, N101)["id"],
        sim.insert_connector(WS1, N101, template="voice-messagebird:2")["id"],
    }
    report = execute(
        sim,
        one(
            WS1,
            [{"phone_number": "+31201230101", "state": "absent"}],
            check_mode=check_mode,
        ),
    )
    assert not report.failed and report.changed
    assert {o.connector["id"] for o in report.outcomes} == ids
    assert all(o.changed and o.step.action == "delete" for o in report.outcomes)
    assert report.summary()["deleted"] == 2
    assert len(connectors_of(sim, WS1, N101)) == (2 if check_mode else 0)
    # Both rows are the one listed entry's.
    assert {r["msg"] for r in report.rows()} == {
        "would be deleted (check mode)" if check_mode else "deleted"
    }


def test_other_platforms_are_told_apart_without_a_template_filter():
    sim = simulator(template_filter_param="")
    sim.insert_connector(WS1, N101, template="sms-messagebird:1")
    report = execute(sim, one(WS1, [{"phone_number_id": N101}]))
    assert report.changed
    assert sorted(c["connectorTemplateRef"] for c in connectors_of(sim, WS1, N101)) == [
        "sms-messagebird:1",
        "voice-messagebird:1",
    ]


# -- capabilities ------------------------------------------------------------------------


@pytest.mark.parametrize("shape", CAPABILITY_FORMATS)
def test_a_number_without_voice_fails_before_any_write_in_every_shape(shape):
    sim = simulator(capabilities_format=shape)
    report = execute(
        sim, one(WS1, [{"phone_number": "+31201230101"}, {"phone_number_id": N199}])
    )
    assert report.stopped and writes(sim) == 0
    (message,) = messages(report)
    assert message.startswith(
        "workspaces[0].numbers[1]: number %s (%s) has no voice capability"
        % (SMS_ONLY, N199)
    )


@pytest.mark.parametrize("shape", CAPABILITY_FORMATS + ["absent"])
def test_a_voice_number_is_created_in_every_shape(shape):
    sim = simulator(capabilities_format=shape)
    report = execute(
        sim, one(WS1, [{"phone_number": "+31201230101"}, {"phone_number_id": N102}])
    )
    assert not report.failed and report.summary()["created"] == 2


def test_when_the_list_does_not_say_the_numbers_own_endpoint_may():
    sim = simulator(capabilities_format="absent", number_capabilities_format="endpoint")
    report = execute(sim, one(WS1, [], all_voice_numbers=True, check_mode=True))
    assert sorted(o.step.phone_number for o in report.outcomes if o.changed) == [
        "+31201230101",
        "+31201230102",
        "+31201230103",
        "+31201230104",
    ]


# -- malformed answers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "no_results",
        "empty_object",
        "results_not_list",
        "not_object",
        "token_loop",
        "endless",
        "items_without_id",
    ],
)
@pytest.mark.parametrize("state", ["present", "absent"])
def test_a_malformed_connector_list_is_an_error_never_no_connectors(
    kind, state, monkeypatch
):
    monkeypatch.setattr(
        _http, "MAX_PAGES", 20
    )  # an endless list ends at the cap: keep it short here
    sim = simulator()
    sim.insert_connector(WS1, N101)
    sim.add_faults(
        {
            "method": "GET",
            "path": "/connectors$",
            "kind": "malformed",
            "malformed": kind,
        }
    )
    report = execute(sim, one(WS1, [{"phone_number_id": N101, "state": state}]))
    assert report.stopped and writes(sim) == 0
    (problem,) = report.problems
    assert "GET /workspaces/%s/connectors: malformed answer" % WS1 in problem.message
    assert "request id: " in problem.message
    assert len(connectors_of(sim, WS1, N101)) == 1


@pytest.mark.parametrize("kind", ["no_results", "items_without_id"])
def test_a_malformed_number_list_is_an_error_too(kind):
    # Never a create for a number whose id the list did not give.
    sim = simulator()
    sim.add_faults(
        {
            "method": "GET",
            "path": "/numbers$",
            "kind": "malformed",
            "malformed": kind,
        }
    )
    report = execute(sim, one(WS1, [{"phone_number": "+31201230101"}]))
    assert (
        report.stopped
        and "numbers: malformed answer" in report.message()
        and writes(sim) == 0
    )


# -- every voice number --------------------------------------------------------------------


def test_every_voice_number_gets_a_connector_and_numbers_without_voice_are_skipped():
    sim = simulator()
    report = execute(
        sim,
        one(
            WS1,
            [
                {"phone_number": "+31201230102", "name": "Named"},
                {"phone_number": "+31201230103", "state": "absent"},
            ],
            all_voice_numbers=True,
        ),
    )
    assert not report.failed
    created = {
        c["arguments"]["phoneNumberId"]: c["name"] for c in connectors_of(sim, WS1)
    }
    assert created == {
        N101: "Voice +31201230101",
        N102: "Named",
        N104: "Voice +31201230104",
    }
    origins = [(o.step.phone_number, o.step.origin) for o in report.outcomes]
    assert origins == [
        ("+31201230102", "listed"),
        ("+31201230103", "listed"),
        ("+31201230101", "all_voice_numbers"),
        ("+31201230104", "all_voice_numbers"),
    ]
    sim.reset_stats()
    again = execute(
        sim,
        one(
            WS1,
            [
                {"phone_number": "+31201230102", "name": "Named"},
                {"phone_number": "+31201230103", "state": "absent"},
            ],
            all_voice_numbers=True,
        ),
    )
    assert not again.changed and writes(sim) == 0


# -- exclusive -----------------------------------------------------------------------------


def test_exclusive_deletes_every_other_voice_connector_and_leaves_other_platforms():
    sim = simulator()
    keep = sim.insert_connector(WS1, N101)
    stray = sim.insert_connector(WS1, N102)
    old = sim.insert_connector(WS1, N103, template="voice-messagebird:2")
    sms = sim.insert_connector(WS1, N104, template="sms-messagebird:1")
    predicted = execute(
        sim, one(WS1, [{"phone_number_id": N101}], exclusive=True, check_mode=True)
    )
    assert writes(sim) == 0
    deleted = [
        (o.step.origin, o.step.state, o.changed, o.connector["id"])
        for o in predicted.outcomes[1:]
    ]
    assert deleted == [
        ("exclusive", "absent", True, stray["id"]),
        ("exclusive", "absent", True, old["id"]),
    ]
    report = execute(sim, one(WS1, [{"phone_number_id": N101}], exclusive=True))
    assert [o.changed for o in report.outcomes] == [
        o.changed for o in predicted.outcomes
    ]
    assert sorted(c["id"] for c in connectors_of(sim, WS1)) == sorted(
        [keep["id"], sms["id"]]
    )
    sim.reset_stats()
    assert (
        not execute(sim, one(WS1, [{"phone_number_id": N101}], exclusive=True)).changed
        and writes(sim) == 0
    )


def test_the_deletion_guard_alone_stops_the_run_and_says_so_per_workspace_and_entry():
    sim = simulator()
    for number in (N102, N103, N104):
        sim.insert_connector(WS1, number)
    report = execute(
        sim,
        batch(
            [
                {
                    "workspace_id": WS1,
                    "exclusive": True,
                    "max_deletions": 2,
                    "numbers": [{"phone_number": "+31201230101"}],
                },
                {"workspace_id": WS2, "numbers": [{"phone_number": "+31201230201"}]},
            ]
        ),
    )
    # Every entry is well formed and every number exists: the guard is the one reason.
    assert report.stopped and writes(sim) == 0 and report.failures == []
    (problem,) = report.problems
    assert problem.message.startswith(
        "max_deletions: exclusive would delete 3 Voice connectors of workspace %s, more than "
        "max_deletions (2): +31201230102, +31201230103, +31201230104" % WS1
    )
    lines = [w["text"] for w in report.workspaces()]
    assert lines[0] == (
        "%s: 0 created, 0 deleted, 0 unchanged, 0 failed, 4 not carried out (max_deletions: exclusive "
        "would delete 3 Voice connectors of workspace %s, more than max_deletions (2); the run stopped "
        "before any write)" % (WS1, WS1)
    )
    assert lines[1].endswith("1 not carried out (the run stopped before any write)")
    rows = report.rows()
    assert [r["msg"].split(":")[0:2] for r in rows if r["origin"] == "exclusive"] == [
        ["not carried out", " max_deletions"]
    ] * 3


def test_the_guard_counts_only_what_exclusive_deletes():
    sim = simulator()
    for number in (N102, N103):
        sim.insert_connector(WS1, number)
    report = execute(
        sim,
        one(
            WS1,
            [{"phone_number_id": N103, "state": "absent"}],
            exclusive=True,
            max_deletions=1,
        ),
    )
    assert not report.failed and report.summary()["deleted"] == 2


def test_exclusive_leaves_kept_numbers_alone_by_id_and_by_e164():
    sim = simulator(
        list_item_ids="arguments"
    )  # list items do not echo the E.164 number
    for number in (N102, N103, N104):
        sim.insert_connector(WS1, number)
    report = execute(
        sim,
        one(
            WS1,
            [{"phone_number_id": N101}],
            exclusive=True,
            keep=["+31201230102", N103],
        ),
    )
    assert not report.failed
    assert [
        r["phone_number_id"] for r in report.rows() if r["origin"] == "exclusive"
    ] == [N104]
    assert [c["arguments"]["phoneNumberId"] for c in connectors_of(sim, WS1)] == [
        N102,
        N103,
        N101,
    ]


def test_every_voice_number_skips_kept_numbers():
    sim = simulator()
    report = execute(
        sim, one(WS1, [], all_voice_numbers=True, keep=["+31201230102", N103])
    )
    assert not report.failed
    assert sorted(r["phone_number_id"] for r in report.rows()) == [N101, N104]


def test_exclusive_with_every_voice_number_keeps_them_all():
    sim = simulator()
    sim.insert_connector(WS1, N101)
    report = execute(sim, one(WS1, [], exclusive=True, all_voice_numbers=True))
    assert not report.failed and report.summary()["deleted"] == 0
    assert len(connectors_of(sim, WS1)) == 4
