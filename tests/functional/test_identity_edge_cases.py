# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which number an entry names, at the edges: both forms that disagree, one number listed by two
hosts in two forms, a page of connectors answered twice.

The modules run in this process (their real ``main()``, against a started simulator): no ansible
process is needed to show these. Each test marked ``xfail(strict=True)`` shows a problem of the
plugins that is reported and not fixed yet; it starts to fail (XPASS) once it is fixed, so that the
mark is removed with the fix. The property-based test (tests/support/stateful.py) does not draw
these inputs until then.
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

ASKED, OTHER = WS1_VOICE[0], WS1_VOICE[1]   # the E.164 given, and the number whose id is given

# The known problems, as the strict xfails below say them.
FORMS_COMPARED_ONLY_WHEN_READ = (
    'bug: with both forms, the E.164 form is compared with Bird only when the number is looked up (present, no '
    'connector yet); when the id\'s number has a connector, or for state=absent, a disagreeing E.164 form is '
    'ignored: absent deletes the id\'s connector, present reports it unchanged with the wrong E.164')
SECOND_LISTING_REFUSED = (
    'bug: _plan.Planner._merge_same_numbers refuses every second listing of a number found to be the same by its '
    'id, also when the listings are of different owners and agree, which group_workspaces accepts when both use '
    'the same form')
PAGE_READ_TWICE = (
    'problem: a connector page answered twice (a nextPageToken leading back to a page already read, once) lists '
    'its connectors twice; the plan then says "more than one connector exists for number X: C, C; delete the extra '
    'ones" naming one connector twice (safe: nothing is written)')


def module(sim, **args):
    return run_in_process('bird_voice_connector', dict(args, workspace_id=WS1, api_url=sim.url, access_key=DEMO_KEY,
                                                       retries=1, wait_timeout=10))[0]


def batch(sim, *workspaces):
    return run_in_process('bird_voice_connectors', dict(api_url=sim.url, access_key=DEMO_KEY,
                                                        workspaces=list(workspaces)))[0]


def test_both_forms_that_disagree_fail_before_any_write_when_the_number_has_no_connector(simulator):
    sim = simulator()
    result = module(sim, phone_number=ASKED, phone_number_id=number_id(OTHER))
    assert result['failed'] and result['msg'].startswith('nothing was changed: '), result
    assert 'phone_number %s does not match phone_number_id %s, which is %s' % (ASKED, number_id(OTHER), OTHER) \
        in result['msg']
    assert sim.stats()['writes'] == 0


@pytest.mark.xfail(strict=True, reason=FORMS_COMPARED_ONLY_WHEN_READ)
@pytest.mark.parametrize('state,has_connector', [('present', True), ('absent', True), ('absent', False)])
def test_both_forms_that_disagree_always_fail_before_any_write(simulator, state, has_connector):
    sim = simulator()
    if has_connector:
        sim.insert_connector(WS1, number_id(OTHER))
    before = connectors_by_number(sim.state())
    result = module(sim, phone_number=ASKED, phone_number_id=number_id(OTHER), state=state)
    assert sim.stats()['writes'] == 0 and connectors_by_number(sim.state()) == before
    assert result.get('failed') and 'does not match' in result.get('msg', ''), result


@pytest.mark.xfail(strict=True, reason=SECOND_LISTING_REFUSED)
def test_two_hosts_may_list_one_number_one_by_e164_the_other_by_its_id(simulator):
    sim = simulator()
    result = batch(sim, dict(workspace_id=WS1, owner='host-a', numbers=[dict(phone_number=OTHER)]),
                   dict(workspace_id=WS1, owner='host-b', numbers=[dict(phone_number_id=number_id(OTHER))]))
    assert not result.get('failed'), result['msg']
    assert [(r['owner'], r['changed']) for r in result['results']] == [('host-a', True), ('host-b', True)]
    assert sim.stats()['writes_applied'] == 1


def test_one_host_listing_one_number_in_both_forms_is_refused_before_any_write(simulator):
    sim = simulator()
    result = batch(sim, dict(workspace_id=WS1, numbers=[dict(phone_number=OTHER), dict(phone_number_id=number_id(OTHER))]))
    assert result['failed'] and result['msg'].startswith('nothing was changed: '), result
    assert 'it is the same number (id %s) as workspaces[0].numbers[0]' % number_id(OTHER) in result['msg']
    assert sim.stats()['writes'] == 0


@pytest.mark.xfail(strict=True, reason=PAGE_READ_TWICE)
def test_a_page_answered_twice_does_not_make_one_connector_look_like_two(simulator):
    sim = simulator()
    sim.insert_connector(WS1, number_id(ASKED))
    sim.add_faults({'method': 'GET', 'path': '/connectors$', 'kind': 'malformed', 'malformed': 'token_loop',
                    'count': 1})
    result = module(sim, phone_number=ASKED)
    assert sim.stats()['writes'] == 0
    assert 'more than one' not in result['msg'], result['msg']
