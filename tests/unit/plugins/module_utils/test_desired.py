# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The desired state: built from module parameters, checked before any request, merged across blocks."""

from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    check_request,
    group_workspaces,
    request_from_batch,
    request_from_single,
)

WS1 = "a1b2c3d4-0001-4000-8000-000000000001"
N101 = "b1b2c3d4-0001-4000-8000-000000000101"


def batch(workspaces, **options):
    params = dict(
        connector_template_ref="voice-messagebird:1",
        wait=True,
        wait_timeout=120,
        concurrency=32,
    )
    params.update(options)
    params["workspaces"] = workspaces
    return request_from_batch(params, check_mode=False)


def test_every_problem_is_found_and_named_by_its_field():
    req = batch(
        [
            {
                "workspace_id": "not-a-uuid",
                "numbers": [{"phone_number": "+31201230101"}],
            },
            {
                "workspace_id": WS1,
                "numbers": [
                    {"phone_number": "31201230101"},
                    {},
                    {"phone_number_id": "1234"},
                    {"phone_number": "+31201230102"},
                    {"phone_number": "+31201230102", "state": "gone"},
                    {"phone_number": "+31201230102"},
                    {"phone_number": "+31201230103", "name": "  "},
                ],
            },
        ]
    )
    errors = check_request(req)
    assert errors[0].startswith("workspaces[0].workspace_id must be a UUID")
    assert (
        "workspaces[1].numbers[0].phone_number must be an E.164" in errors[1]
        and "write it quoted" in errors[1]
    )
    assert (
        errors[2]
        == "workspaces[1].numbers[1]: give phone_number (E.164) or phone_number_id (UUID)"
    )
    assert errors[3].startswith(
        "workspaces[1].numbers[2].phone_number_id must be a UUID"
    )
    assert errors[4].startswith(
        "workspaces[1].numbers[4].state must be present or absent"
    )
    assert errors[5].startswith("workspaces[1].numbers[6].name must not be empty")
    assert len(errors) == 6


def test_the_same_number_twice_is_refused_once_the_entries_are_well_formed():
    req = batch(
        [
            {
                "workspace_id": WS1,
                "numbers": [
                    {"phone_number": "+31201230102"},
                    {"phone_number": "+31201230102"},
                ],
            }
        ]
    )
    assert check_request(req) == [
        "workspaces[0].numbers[1]: the same number (+31201230102) is also listed as workspaces[0].numbers[0]; "
        "list each number once"
    ]


def test_run_options_are_checked():
    errors = check_request(
        batch([], connector_template_ref="", wait_timeout=-1, concurrency=0)
    )
    assert [e.split(" ")[0] for e in errors] == [
        "connector_template_ref",
        "wait_timeout",
        "concurrency",
    ]
    errors = check_request(
        batch([{"workspace_id": WS1, "max_deletions": -1, "reads_per_second": 0}])
    )
    assert errors[0].startswith("workspaces[0].max_deletions must be 0 or more")
    assert errors[1].startswith(
        "workspaces[0].reads_per_second must be more than 0 (Bird's default is 50)"
    )


def test_workspace_ids_are_compared_case_insensitively():
    req = batch(
        [
            {
                "workspace_id": WS1.upper(),
                "numbers": [{"phone_number": "+31201230101"}],
            },
            {"workspace_id": WS1, "numbers": [{"phone_number": "+31201230102"}]},
        ]
    )
    assert check_request(req) == []
    groups, problems = group_workspaces(req)
    assert problems == [] and len(groups) == 1 and groups[0].workspace_id == WS1
    assert len(groups[0].numbers) == 2


def test_blocks_that_agree_on_a_number_are_merged():
    req = batch(
        [
            {"workspace_id": WS1, "numbers": [{"phone_number": "+31201230101"}]},
            {"workspace_id": WS1, "numbers": [{"phone_number": "+31201230101"}]},
        ]
    )
    groups, problems = group_workspaces(req)
    assert problems == []
    assert [len(listings) for listings in groups[0].numbers] == [2]


def test_blocks_that_conflict_on_a_number_are_refused_naming_both():
    req = batch(
        [
            {"workspace_id": WS1, "numbers": [{"phone_number": "+31201230101"}]},
            {
                "workspace_id": WS1,
                "numbers": [{"phone_number": "+31201230101", "state": "absent"}],
            },
        ]
    )
    assert check_request(req) == [
        "workspaces[1].numbers[0]: the same number (+31201230101) is also listed as workspaces[0].numbers[0]; "
        "state 'absent' here, 'present' there; list it the same way, or in one place only"
    ]


def test_blocks_of_one_workspace_must_agree_on_its_options():
    req = batch(
        [
            {"workspace_id": WS1, "exclusive": True, "max_deletions": 3},
            {"workspace_id": WS1},
        ]
    )
    assert check_request(req) == [
        "workspaces[0] and workspaces[1] name workspace %s with different exclusive, max_deletions: "
        "give the same in both" % WS1
    ]


def test_keep_takes_e164_numbers_and_ids_and_refuses_anything_else():
    req = batch(
        [
            {
                "workspace_id": WS1,
                "exclusive": True,
                "keep": ["+31201230101", N101.upper(), "31201230102"],
            }
        ]
    )
    assert check_request(req) == [
        "workspaces[0].keep[2] must be an E.164 number (+31201234567) or a phone number id (UUID), "
        "got '31201230102'"
    ]
    groups, dummy = group_workspaces(req)
    assert {"+31201230101", N101} <= groups[0].keep


def test_a_number_listed_absent_and_kept_is_refused():
    req = batch(
        [
            {
                "workspace_id": WS1,
                "keep": [N101],
                "numbers": [{"phone_number_id": N101, "state": "absent"}],
            }
        ]
    )
    (error,) = check_request(req)
    assert error.startswith(
        "workspaces[0].numbers[0]: the number (%s) is listed absent and also in keep"
        % N101
    )


def test_the_single_module_is_the_batch_with_one_entry():
    params = dict(
        workspace_id=WS1.upper(),
        phone_number=None,
        phone_number_id=N101.upper(),
        name="x",
        conversational=True,
        state="present",
        replace_failed=False,
        connector_template_ref="voice-messagebird:1",
        wait=False,
        wait_timeout=5,
    )
    req = request_from_single(params, check_mode=True)
    assert req.check_mode and not req.wait and req.wait_timeout == 5
    (block,) = req.workspaces
    (spec,) = block.numbers
    assert (block.workspace_id, spec.phone_number_id, spec.label) == (WS1, N101, "")
    assert check_request(req) == []


def test_both_forms_of_a_number_may_be_given():
    req = batch(
        [
            {
                "workspace_id": WS1,
                "numbers": [{"phone_number": "+31201230101", "phone_number_id": N101}],
            }
        ]
    )
    assert check_request(req) == []
