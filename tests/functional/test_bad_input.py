# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bad input, table-driven, for the module and for the role.

Every invalid input must fail with an error that names the field (or the offending
value), and the API must receive no write at all; inputs that can be refused
without asking the API must send no request. Each case runs against its own
simulator, so its requests are counted alone. All cases of a table run in one
ansible-playbook (a task each for the module, a block each for the role), which
keeps the suite quick. The tables live in tests/reliability/harness.py and the
campaign (tests/reliability/run.py) tries them too.
"""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'reliability'))

import harness  # noqa: E402  pylint: disable=wrong-import-position
from harness import BAD_MODULE_INPUTS, BAD_ROLE_INPUTS  # noqa: E402  pylint: disable=wrong-import-position


def _try_all(tmp, cases, role):
    sims = [harness.start_sim() for dummy in cases]
    try:
        out = str(tmp / ('role.json' if role else 'module.json'))
        path = harness.bad_input_playbook(str(tmp / ('role-play.json' if role else 'module-play.json')), out, cases,
                                          [s.url for s in sims], role=role)
        run = harness.run_playbook(path, harness.ansible_env(), out_file=out)
        stats = dict((case['id'], sim.stats()) for case, sim in zip(cases, sims))
    finally:
        for sim in sims:
            sim.stop()
    return run, stats


@pytest.fixture(scope='module')
def outcomes(tmp_path_factory):
    """Both tables at once (one ansible-playbook each), every case against its own simulator."""
    tmp = tmp_path_factory.mktemp('bad-input')
    return harness.parallel(lambda role: _try_all(tmp, BAD_ROLE_INPUTS if role else BAD_MODULE_INPUTS, role),
                            [False, True])


@pytest.fixture(scope='module')
def module_outcome(outcomes):
    return outcomes[0]


@pytest.fixture(scope='module')
def role_outcome(outcomes):
    return outcomes[1]


@pytest.mark.parametrize('case', BAD_MODULE_INPUTS, ids=[c['id'] for c in BAD_MODULE_INPUTS])
def test_module_refuses_bad_input(module_outcome, case):
    run, stats = module_outcome
    assert isinstance(run.result, dict), run
    problems = harness.judge_bad_input(case, run.result.get(case['id']), stats[case['id']])
    assert not problems, problems


@pytest.mark.parametrize('case', BAD_ROLE_INPUTS, ids=[c['id'] for c in BAD_ROLE_INPUTS])
def test_role_refuses_bad_input(role_outcome, case):
    run, stats = role_outcome
    assert isinstance(run.result, dict), run
    problems = harness.judge_bad_input(case, run.result.get(case['id']), stats[case['id']])
    assert not problems, problems


def test_the_tables_reach_the_api_checks(module_outcome, role_outcome):
    """The cases that need the API (unknown workspace, foreign or voiceless number) really asked it."""
    for (dummy, stats), cases in ((module_outcome, BAD_MODULE_INPUTS), (role_outcome, BAD_ROLE_INPUTS)):
        for case in cases:
            if case['reads']:
                assert stats[case['id']]['by_method']['GET'] > 0, case['id']


def test_good_input_of_the_same_tables_is_accepted(tmp_path, simulator):
    """The tables' base input is valid: without the fault, the module and the role create the connector."""
    sim = simulator()
    env = harness.ansible_env(sim)
    base = dict(BAD_MODULE_INPUTS[0]['args'], workspace_id=harness.WS1)
    run = harness.run_adhoc(base, env)
    assert run.rc == 0 and run.result['changed'] and run.result['channel_id'], run
    out = str(tmp_path / 'role.json')
    role_vars = dict(BAD_ROLE_INPUTS[0]['args'], voice_channels_workspaces=[
        dict(workspace_id=harness.WS2, numbers=[dict(phone_number=n) for n in harness.WS2_VOICE])])
    run = harness.run_playbook(harness.role_playbook(str(tmp_path / 'role.yml'), out,
                                                     role_vars.pop('voice_channels_workspaces'), role_vars), env,
                               out_file=out)
    assert run.rc == 0 and run.result['summary']['created'] == 3, run
    assert sim.stats()['writes'] == 4
