# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, table-driven, for the module and for the role.

Every invalid input must fail with an error that names the field (or the offending
value), and the API must receive no write at all; inputs that can be refused
without asking the API must send no request. Each case runs against its own
simulator, so its requests are counted alone. All cases of a table run in one
ansible-playbook (a task each for the module, a block each for the role), which
keeps the suite quick. The tables live in tests/support/bad_inputs.py and the
campaign (tests/reliability/run.py) tries them too.
"""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.tests.support import ansible_runs as runs
from ansible_collections.bird.engagements.tests.support.bad_inputs import (
    BAD_MODULE_INPUTS,
    BAD_ROLE_INPUTS,
    bad_input_playbook,
    judge_bad_input,
)
from ansible_collections.bird.engagements.tests.support.simulators import (
    WS1,
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    number_id,
    start_sim,
)


def _try_all(tmp, cases, role):
    sims = [start_sim() for dummy in cases]
    try:
        out = str(tmp / ("role.json" if role else "module.json"))
        path = bad_input_playbook(
            str(tmp / ("role-play.json" if role else "module-play.json")),
            out,
            cases,
            [s.url for s in sims],
            role=role,
        )
        run = runs.run_playbook(path, runs.ansible_env(), out_file=out)
        stats = dict((case["id"], sim.stats()) for case, sim in zip(cases, sims))
    finally:
        for sim in sims:
            sim.stop()
    return run, stats


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Both tables at once (one ansible-playbook each), every case against its own simulator."""
    tmp = tmp_path_factory.mktemp("bad-input")
    return runs.parallel(
        lambda role: _try_all(
            tmp, BAD_ROLE_INPUTS if role else BAD_MODULE_INPUTS, role
        ),
        [False, True],
    )


@pytest.fixture(scope="module")
def module_outcome(outcomes):
    return outcomes[0]


@pytest.fixture(scope="module")
def role_outcome(outcomes):
    return outcomes[1]


@pytest.mark.parametrize(
    "case", BAD_MODULE_INPUTS, ids=[c["id"] for c in BAD_MODULE_INPUTS]
)
def test_the_module_refuses_bad_input_before_any_write_naming_the_field(
    module_outcome, case
):
    run, stats = module_outcome
    assert isinstance(run.result, dict), run
    problems = judge_bad_input(case, run.result.get(case["id"]), stats[case["id"]])
    assert not problems, problems


@pytest.mark.parametrize(
    "case", BAD_ROLE_INPUTS, ids=[c["id"] for c in BAD_ROLE_INPUTS]
)
def test_the_role_refuses_bad_input_before_any_write_naming_the_entry(
    role_outcome, case
):
    run, stats = role_outcome
    assert isinstance(run.result, dict), run
    problems = judge_bad_input(case, run.result.get(case["id"]), stats[case["id"]])
    assert not problems, problems


def test_cases_that_need_the_api_really_asked_it(module_outcome, role_outcome):
    """The cases that need the API (unknown workspace, foreign or voiceless number) really asked it."""
    for (dummy, stats), cases in (
        (module_outcome, BAD_MODULE_INPUTS),
        (role_outcome, BAD_ROLE_INPUTS),
    ):
        for case in cases:
            if case["reads"]:
                assert stats[case["id"]]["by_method"]["GET"] > 0, case["id"]


def test_good_input_of_the_same_tables_is_accepted_and_both_forms_that_agree_too(
    tmp_path, simulator
):
    """The tables' base input is valid: without the fault, the module and the role create the connectors.

    A number given by both forms that agree with Bird is accepted, by the module and by the role.
    """
    sim = simulator()
    env = runs.ansible_env(sim)
    base = dict(BAD_MODULE_INPUTS[0]["args"], workspace_id=WS1)
    both = dict(
        base, phone_number=WS1_VOICE[1], phone_number_id=number_id(WS1_VOICE[1])
    )
    out = str(tmp_path / "role.json")
    role_vars = dict(BAD_ROLE_INPUTS[0]["args"])
    del role_vars["voice_channels_workspaces"]
    workspaces = [
        dict(
            workspace_id=WS2,
            numbers=[
                dict(phone_number=WS2_VOICE[0]),
                dict(phone_number=WS2_VOICE[1]),
                dict(
                    phone_number=WS2_VOICE[2], phone_number_id=number_id(WS2_VOICE[2])
                ),
            ],
        )
    ]
    play = runs.role_playbook(str(tmp_path / "role.yml"), out, workspaces, role_vars)
    single, by_both, role = runs.parallel(
        lambda job: job(),
        [
            lambda: runs.run_adhoc(base, env),
            lambda: runs.run_adhoc(both, env),
            lambda: runs.run_playbook(play, env, out_file=out),
        ],
    )
    assert (
        single.rc == 0 and single.result["changed"] and single.result["channel_id"]
    ), single
    assert (
        by_both.rc == 0 and by_both.result["changed"] and by_both.result["channel_id"]
    ), by_both
    assert by_both.result["phone_number"] == WS1_VOICE[1]
    assert by_both.result["phone_number_id"] == number_id(WS1_VOICE[1])
    assert role.rc == 0 and role.result["summary"]["created"] == 3, role
    assert sim.stats()["writes"] == 5
