# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connector manager (identity, planning, creation, deletion, waiting) against the simulator."""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._client import BirdAPIError, BirdClient
from ansible_collections.bird.engagements.plugins.module_utils._voice import (
    Entry,
    PlanError,
    VoiceConnectorManager,
    check_e164,
    number_has_voice,
    validate_entries,
)
from conftest import DEMO_KEY

WS1 = 'a1b2c3d4-0001-4000-8000-000000000001'
WS2 = 'a1b2c3d4-0002-4000-8000-000000000002'
N101 = 'b1b2c3d4-0001-4000-8000-000000000101'
N102 = 'b1b2c3d4-0001-4000-8000-000000000102'
SMS_ONLY = '+31201230199'


def manager(sim, **kwargs):
    client = BirdClient(sim.url, DEMO_KEY, timeout=5, retries=kwargs.pop('retries', 3))
    kwargs.setdefault('wait_timeout', 10)
    return VoiceConnectorManager(client, **kwargs)


def connectors_of(sim, workspace_id, number_id=None):
    found = sim.state()['workspaces'][workspace_id]['connectors']
    return [c for c in found if number_id is None or c['arguments'].get('phoneNumberId') == number_id]


def test_create_then_converged(simulator):
    sim = simulator(channel_delay=0.3)
    entry = Entry(WS1, phone_number='+31201230101')
    assert manager(sim).run([entry]) == []
    assert entry.changed and entry.action == 'create'
    assert entry.phone_number_id == N101 and entry.channel_id
    assert entry.connector['name'] == 'Voice +31201230101'
    again = Entry(WS1, phone_number_id=N101)
    sim.reset_stats()
    assert manager(sim).run([again]) == []
    assert not again.changed and again.channel_id == entry.channel_id
    assert sim.stats()['writes'] == 0
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_check_mode_predicts_and_writes_nothing(simulator):
    sim = simulator()
    entries = [Entry(WS1, phone_number='+31201230101'), Entry(WS1, phone_number_id=N102, state='absent')]
    assert manager(sim, check_mode=True).run(entries) == []
    assert [e.changed for e in entries] == [True, False]
    assert entries[0].channel_id is None and entries[0].connector is None
    assert sim.stats()['writes'] == 0


@pytest.mark.parametrize('ids', ['both', 'arguments', 'number', 'alternate'])
def test_identity_survives_list_items_with_one_id_field(simulator, ids):
    sim = simulator(list_item_ids=ids, page_size_max=1)
    for number in (N101, N102):
        sim.insert_connector(WS1, number)
    entries = [Entry(WS1, phone_number_id=N101), Entry(WS1, phone_number_id=N102)]
    assert manager(sim).run(entries) == []
    assert not any(e.changed for e in entries)
    assert sim.stats()['writes'] == 0


def test_other_templates_are_filtered_on_the_client(simulator):
    sim = simulator(template_filter_param='')
    sim.insert_connector(WS1, N101, template='sms-messagebird:1')
    entry = Entry(WS1, phone_number_id=N101)
    assert manager(sim).run([entry]) == []
    assert entry.changed
    templates = sorted(c['connectorTemplateRef'] for c in connectors_of(sim, WS1, N101))
    assert templates == ['sms-messagebird:1', 'voice-messagebird:1']


def test_several_connectors_for_one_number_fail_and_name_them(simulator):
    sim = simulator()
    first = sim.insert_connector(WS1, N101)
    second = sim.insert_connector(WS1, N101, force=True)
    with pytest.raises(PlanError) as info:
        manager(sim).run([Entry(WS1, phone_number_id=N101)])
    assert first['id'] in str(info.value) and second['id'] in str(info.value)
    assert sim.stats()['writes'] == 0


def test_plan_problems_stop_every_write(simulator):
    sim = simulator()
    entries = [Entry(WS1, phone_number='+31201230101', label='a'),
               Entry(WS1, phone_number=SMS_ONLY, label='b'),
               Entry(WS2, phone_number='+31209999999', label='c'),
               Entry(WS2, phone_number_id='00000000-0000-4000-8000-000000000000', label='d')]
    with pytest.raises(PlanError) as info:
        manager(sim).run(entries)
    text = str(info.value)
    assert 'b: number +31201230199' in text and 'no voice capability' in text
    assert 'c: +31209999999 is not a number of workspace %s' % WS2 in text
    assert 'd: 00000000-0000-4000-8000-000000000000 is not a number' in text
    assert 'a:' not in text
    assert sim.stats()['writes'] == 0


def test_many_numbers_are_read_once_per_workspace(simulator):
    sim = simulator(page_size_max=2)
    entries = [Entry(WS1, phone_number='+3120123010%d' % i) for i in range(1, 5)]
    manager(sim, check_mode=True).run(entries)
    routes = sim.stats()['by_route']
    # 0 connectors -> 1 page; 5 numbers -> 3 pages of 2; no per-number search.
    assert routes == {'GET /workspaces/{ws}/connectors': 1, 'GET /workspaces/{ws}/numbers': 3}


@pytest.mark.parametrize('status', [409, 422])
def test_a_concurrent_install_is_returned_unchanged(simulator, status):
    sim = simulator(duplicate_status=status)
    mgr = manager(sim)
    entry = Entry(WS1, phone_number_id=N101)
    mgr.plan([entry])
    existing = sim.insert_connector(WS1, N101, name='installed by someone else')  # between plan and apply
    assert mgr.apply([entry]) == []
    assert not entry.changed
    assert entry.connector['id'] == existing['id']
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_a_real_validation_422_is_not_taken_for_a_duplicate(simulator):
    sim = simulator()
    sim.add_faults({'method': 'POST', 'path': '/connectors$', 'kind': 'status', 'status': 422,
                    'body': {'code': 'InvalidPayload', 'message': 'name too long'}, 'count': 1})
    entry = Entry(WS1, phone_number_id=N101)
    errors = manager(sim).run([entry])
    assert len(errors) == 1 and 'HTTP 422 InvalidPayload: name too long' in errors[0]
    assert not entry.changed


def test_a_lost_create_response_is_looked_up_not_resent(simulator):
    sim = simulator()
    sim.add_faults({'method': 'POST', 'path': '/connectors$', 'kind': 'drop_after_apply', 'count': 1})
    entry = Entry(WS1, phone_number_id=N101)
    assert manager(sim).run([entry]) == []
    assert entry.changed and entry.channel_id
    assert sim.stats()['by_route']['POST /workspaces/{ws}/connectors'] == 1
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_a_create_that_failed_unapplied_is_sent_again_after_a_lookup(simulator):
    sim = simulator()
    sim.add_faults({'method': 'POST', 'path': '/connectors$', 'kind': 'status', 'status': 503, 'count': 1})
    entry = Entry(WS1, phone_number_id=N101)
    assert manager(sim).run([entry]) == []
    assert entry.changed
    assert sim.stats()['by_route']['POST /workspaces/{ws}/connectors'] == 2
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_a_create_is_retried_after_429(simulator):
    sim = simulator()
    sim.add_faults({'method': 'POST', 'path': '/connectors$', 'kind': 'status', 'status': 429, 'count': 2})
    entry = Entry(WS1, phone_number_id=N101)
    assert manager(sim).run([entry]) == []
    assert entry.changed and len(connectors_of(sim, WS1, N101)) == 1


@pytest.mark.parametrize('pending', ['null', 'no_id', 'absent'])
def test_waits_for_the_channel_id(simulator, pending):
    sim = simulator(channel_delay=0.5, pending_channel=pending)
    entries = [Entry(WS1, phone_number_id=N101), Entry(WS1, phone_number_id=N102),
               Entry(WS2, phone_number='+31201230201')]
    assert manager(sim).run(entries) == []
    assert all(e.channel_id for e in entries)
    channels = {c['id'] for ws in sim.state()['workspaces'].values() for c in ws['channels']}
    assert {e.channel_id for e in entries} <= channels


def test_no_wait_returns_without_a_channel_id(simulator):
    sim = simulator(channel_delay=5)
    entry = Entry(WS1, phone_number_id=N101)
    assert manager(sim, wait=False).run([entry]) == []
    assert entry.changed and entry.channel_id is None and entry.connector['id']


def test_a_channel_that_never_comes_times_out_naming_the_connector(simulator):
    sim = simulator(channel_delay=-1)
    entry = Entry(WS1, phone_number_id=N101)
    errors = manager(sim, wait_timeout=1).run([entry])
    assert len(errors) == 1
    assert entry.connector['id'] in errors[0] and 'wait_timeout' in errors[0]
    assert entry.changed


@pytest.mark.parametrize('delete_status', [200, 204])
def test_delete(simulator, delete_status):
    sim = simulator(delete_status=delete_status)
    sim.insert_connector(WS1, N101)
    entry = Entry(WS1, phone_number='+31201230101', state='absent')
    assert manager(sim).run([entry]) == []
    assert entry.changed and connectors_of(sim, WS1, N101) == []
    again = Entry(WS1, phone_number='+31201230101', state='absent')
    sim.reset_stats()
    assert manager(sim).run([again]) == [] and not again.changed
    assert sim.stats()['writes'] == 0


def test_a_delete_that_finds_it_gone_is_not_a_change(simulator):
    sim = simulator()
    sim.insert_connector(WS1, N101)
    mgr = manager(sim)
    entry = Entry(WS1, phone_number_id=N101, state='absent')
    mgr.plan([entry])
    sim.reset()  # someone else removed it
    assert mgr.apply([entry]) == []
    assert not entry.changed


def test_a_lost_delete_response_still_counts_as_our_change(simulator):
    sim = simulator()
    sim.insert_connector(WS1, N101)
    sim.add_faults({'method': 'DELETE', 'path': '/connectors/', 'kind': 'drop_after_apply', 'count': 1})
    entry = Entry(WS1, phone_number_id=N101, state='absent')
    assert manager(sim).run([entry]) == []
    assert entry.changed and connectors_of(sim, WS1, N101) == []


def test_a_removed_number_can_still_be_made_absent_by_its_e164(simulator):
    sim = simulator()
    # A connector whose number is no longer in the workspace: matched on the echoed number.
    connector = sim.insert_connector(WS1, N101)
    sim.workspaces[WS1]['numbers'] = [n for n in sim.workspaces[WS1]['numbers'] if n['id'] != N101]
    entry = Entry(WS1, phone_number='+31201230101', state='absent')
    assert manager(sim).run([entry]) == []
    assert entry.changed and entry.connector['id'] == connector['id']


def test_validate_entries_names_the_field():
    entries = [
        Entry('not-a-uuid', phone_number='+31201230101', label='w[0].n[0]', workspace_label='w[0]'),
        Entry(WS1, phone_number='31201230101', label='w[1].n[0]'),
        Entry(WS1, label='w[1].n[1]'),
        Entry(WS1, phone_number='+31201230101', phone_number_id=N101, label='w[1].n[2]'),
        Entry(WS1, phone_number_id='1234', label='w[1].n[3]'),
        Entry(WS1, phone_number='+31201230102', label='w[1].n[4]'),
        Entry(WS1, phone_number='+31201230102', label='w[1].n[5]', state='gone'),
        Entry(WS1, phone_number='+31201230102', label='w[1].n[6]'),
        Entry(WS1, phone_number='+31201230103', label='w[1].n[7]', name='  '),
    ]
    errors = validate_entries(entries)
    assert errors[0].startswith('w[0].workspace_id must be a UUID')
    assert 'w[1].n[0].phone_number must be an E.164' in errors[1] and 'quote it' in errors[1]
    assert errors[2] == 'w[1].n[1]: give exactly one of phone_number (E.164) and phone_number_id (UUID)'
    assert errors[3].startswith('w[1].n[2]: give exactly one')
    assert errors[4].startswith('w[1].n[3].phone_number_id must be a UUID')
    assert errors[5].startswith('w[1].n[5].state must be present or absent')
    assert 'w[1].n[6]: the same number is already listed as w[1].n[4]' in errors[6]
    assert errors[7].startswith('w[1].n[7].name must not be empty')
    assert len(errors) == 8


def test_e164_and_capabilities_helpers():
    assert check_e164('+31201234567', 'f') is None
    assert check_e164('+0201234567', 'f') and check_e164('+31 20 123', 'f') and check_e164('+3120', 'f')
    assert number_has_voice({'capabilities': ['sms', 'voice']}) is True
    assert number_has_voice({'capabilities': ['sms']}) is False
    assert number_has_voice({'capabilities': {'voice': True, 'sms': False}}) is True
    assert number_has_voice({'capabilities': {'voice': False}}) is False
    assert number_has_voice({'capabilities': [{'name': 'Voice'}]}) is True
    assert number_has_voice({}) is None


def test_api_errors_during_plan_fail_before_writes(simulator):
    sim = simulator()
    bad = BirdClient(sim.url, 'wrong-key', retries=0)
    with pytest.raises(PlanError) as info:
        VoiceConnectorManager(bad).run([Entry(WS1, phone_number_id=N101)])
    assert 'HTTP 401' in str(info.value) and 'wrong-key' not in str(info.value)
    sim.add_faults({'method': 'GET', 'path': '/connectors$', 'kind': 'status', 'status': 503})
    with pytest.raises(PlanError, match='HTTP 503'):
        manager(sim, retries=1).run([Entry(WS1, phone_number_id=N101)])
    assert sim.stats()['writes'] == 0


def test_bird_api_error_is_raised_for_one_workspace_only(simulator):
    sim = simulator()
    entries = [Entry(WS1, phone_number_id=N101), Entry('a1b2c3d4-0009-4000-8000-000000000009', phone_number_id=N102)]
    with pytest.raises(PlanError) as info:
        manager(sim).run(entries)
    assert info.value.errors[0].startswith('workspace a1b2c3d4-0009-4000-8000-000000000009: ')
    assert 'HTTP 404' in info.value.errors[0]
    assert not isinstance(info.value, BirdAPIError)


def test_a_read_failure_while_waiting_is_reported_as_such(simulator):
    sim = simulator(channel_delay=1)
    sim.add_faults({'method': 'GET', 'path': '/connectors$', 'kind': 'status', 'status': 503, 'skip': 1})
    entries = [Entry(WS1, phone_number_id=N101), Entry(WS1, phone_number_id=N102),
               Entry(WS1, phone_number='+31201230103')]
    errors = manager(sim, retries=1).run(entries)
    assert len(errors) == 3
    assert all('while waiting for the channel id of connector' in e and 'HTTP 503' in e for e in errors)
    assert all(e.changed for e in entries)


def test_a_409_without_a_listed_connector_explains_itself(simulator):
    sim = simulator()
    sim.add_faults({'method': 'POST', 'path': '/connectors$', 'kind': 'status', 'status': 409})
    mgr = manager(sim)
    mgr.sleep = lambda seconds: None
    errors = mgr.run([Entry(WS1, phone_number_id=N101)])
    assert len(errors) == 1 and 'HTTP 409' in errors[0] and 'another template' in errors[0]


# -- answers that do not follow the API notes, and uncertain outcomes ------------------

def test_a_failed_lookup_after_an_uncertain_create_reports_a_change_and_says_why(simulator):
    sim = simulator()
    sim.add_faults([{'method': 'POST', 'path': '/connectors$', 'kind': 'drop_after_apply', 'count': 1},
                    {'method': 'GET', 'path': '/connectors$', 'kind': 'status', 'status': 503, 'skip': 1}])
    entry = Entry(WS1, phone_number_id=N101)
    errors = manager(sim, retries=1).run([entry])
    assert len(errors) == 1 and 'may have been applied' in errors[0] and 'HTTP 503' in errors[0]
    assert entry.changed
    assert len(connectors_of(sim, WS1, N101)) == 1


def test_a_created_answer_without_a_connector_is_looked_up(simulator):
    sim = simulator()
    # The create is answered 201 {} without being applied: nothing to find, a clear error.
    sim.add_faults({'method': 'POST', 'path': '/connectors$', 'kind': 'status', 'status': 201, 'body': {},
                    'count': 1})
    entry = Entry(WS1, phone_number_id=N101)
    errors = manager(sim).run([entry])
    assert len(errors) == 1 and 'returned no connector id' in errors[0]
    # Applied, but answered with a connector lacking its id: the lookup finds it.
    sim.clear_faults()
    sim.add_faults({'method': 'POST', 'path': '/connectors$', 'kind': 'status', 'status': 201,
                    'body': {'name': 'no id'}, 'count': 1})
    entry = Entry(WS1, phone_number_id=N102)
    mgr = manager(sim)
    mgr.plan([entry])
    existing = sim.insert_connector(WS1, N102)  # stands for what the 201 created
    assert mgr.apply([entry]) == []
    assert entry.changed and entry.connector['id'] == existing['id'] and entry.channel_id


@pytest.mark.parametrize('body,message', [
    ({'results': [{'connectorTemplateRef': 'voice-messagebird:1', 'arguments': {'phoneNumberId': N101}}]},
     'without an id'),
    ([{'id': 'x'}], 'expected a JSON object'),
    ({'results': {'id': 'x'}}, '"results" is not a list'),
])
def test_malformed_list_answers_fail_clearly_before_any_write(simulator, body, message):
    sim = simulator()
    sim.add_faults({'method': 'GET', 'path': '/connectors$', 'kind': 'status', 'status': 200, 'body': body})
    with pytest.raises(PlanError, match=message):
        manager(sim).run([Entry(WS1, phone_number_id=N101, state='absent')])
    assert sim.stats()['writes'] == 0


def test_a_delete_refused_with_429_then_found_gone_is_not_our_change(simulator):
    sim = simulator()
    sim.insert_connector(WS1, N101)
    mgr = manager(sim)
    entry = Entry(WS1, phone_number_id=N101, state='absent')
    mgr.plan([entry])
    sim.reset()  # someone else removes it meanwhile
    sim.add_faults({'method': 'DELETE', 'path': '/connectors/', 'kind': 'status', 'status': 429, 'count': 1})
    assert mgr.apply([entry]) == []
    assert not entry.changed


def test_the_create_body_carries_name_template_number_and_conversational_only_when_set(simulator):
    sim = simulator()
    mgr = manager(sim)
    bodies = []
    send = mgr.client.request

    def recording(method, path, **kwargs):
        if method == 'POST':
            bodies.append(kwargs['body'])
        return send(method, path, **kwargs)

    mgr.client.request = recording
    entries = [Entry(WS1, phone_number_id=N101, name='Support NL', conversational=True),
               Entry(WS1, phone_number_id=N102, conversational=False),
               Entry(WS1, phone_number='+31201230103')]
    assert mgr.run(entries) == []
    by_number = dict((b['arguments']['phoneNumberId'], b) for b in bodies)
    assert by_number[N101] == {'name': 'Support NL', 'connectorTemplateRef': 'voice-messagebird:1',
                               'arguments': {'phoneNumberId': N101}, 'channelConversationalStatusEnabled': True}
    assert by_number[N102]['channelConversationalStatusEnabled'] is False
    assert by_number[N102]['name'] == 'Voice +31201230102'
    third = by_number[entries[2].phone_number_id]
    assert third['name'] == 'Voice +31201230103' and 'channelConversationalStatusEnabled' not in third
