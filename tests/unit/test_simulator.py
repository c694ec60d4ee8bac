# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Tests of the Bird API simulator (tests/simulator/bird_simulator.py)."""

from __future__ import annotations

import concurrent.futures
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests

SIMULATOR_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'simulator')
SIMULATOR_PATH = os.path.join(SIMULATOR_DIR, 'bird_simulator.py')
DEMO_SEED = os.path.join(SIMULATOR_DIR, 'demo_seed.json')


def _load_simulator():
    if 'bird_simulator' in sys.modules:
        return sys.modules['bird_simulator']
    spec = importlib.util.spec_from_file_location('bird_simulator', SIMULATOR_PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules['bird_simulator'] = module
    spec.loader.exec_module(module)
    return module


sim_module = _load_simulator()
run_simulator = sim_module.run_simulator

KEY = 'test-key'
READ_ONLY_KEY = 'read-only-key'
WS2_ONLY_KEY = 'ws2-only-key'
WS1 = '00000000-0000-4000-8000-000000000001'
WS2 = '00000000-0000-4000-8000-000000000002'
SMS_ONLY = '00000000-0000-4000-8000-0000000001ff'
SMS_CONNECTOR = '00000000-0000-4000-8000-00000000c001'
VOICE = 'voice-messagebird:1'


def _number_id(index):
    return f'00000000-0000-4000-8000-0000000001{index:02d}'


def _seed():
    numbers = [{'id': _number_id(i), 'number': f'+3120555{i:04d}', 'country': 'NL', 'capabilities': ['sms', 'voice']} for i in range(8)]
    numbers.append({'id': SMS_ONLY, 'number': '+31205559999', 'country': 'NL', 'capabilities': ['sms']})
    return {
        'access_keys': [
            {'key': KEY, 'workspaces': '*', 'write': True},
            {'key': READ_ONLY_KEY, 'workspaces': '*', 'write': False},
            {'key': WS2_ONLY_KEY, 'workspaces': [WS2], 'write': True},
        ],
        'workspaces': [
            {'id': WS1, 'name': 'one', 'numbers': numbers,
             'connectors': [{'id': SMS_CONNECTOR, 'name': 'sms', 'connectorTemplateRef': 'sms-messagebird:1', 'arguments': {'phoneNumberId': SMS_ONLY}}]},
            {'id': WS2, 'name': 'two', 'numbers': [{'id': '00000000-0000-4000-8000-000000000201', 'number': '+31205550201'}]},
        ],
    }


def _sim(**config):
    config.setdefault('seed', _seed())
    config.setdefault('rate_get', 0)
    config.setdefault('rate_post', 0)
    return run_simulator(**config)


class Client:
    def __init__(self, sim, key=KEY, workspace=WS1):
        self.sim = sim
        self.base = f'{sim.url}/workspaces/{workspace}'
        self.session = requests.Session()
        if key:
            self.session.headers['Authorization'] = f'AccessKey {key}'

    def get(self, path, **params):
        return self.session.get(self.base + path, params=params, timeout=10)

    def post(self, path, body):
        return self.session.post(self.base + path, json=body, timeout=10)

    def delete(self, path):
        return self.session.delete(self.base + path, timeout=10)

    def create(self, index=0, name=None, template=VOICE, number_id=None):
        body = {'name': name or f'voice {index}', 'connectorTemplateRef': template,
                'arguments': {'phoneNumberId': number_id or _number_id(index)}, 'channelConversationalStatusEnabled': True}
        return self.post('/connectors', body)

    def admin(self, method, path, body=None):
        response = self.session.request(method, f'{self.sim.url}/_sim{path}', json=body, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()


def _list_all(client, path, **params):
    items, pages, token = [], 0, None
    while True:
        query = dict(params)
        if token:
            query['pageToken'] = token
        response = client.get(path, **query)
        assert response.status_code == 200, response.text
        body = response.json()
        items.extend(body['results'])
        pages += 1
        token = body.get('nextPageToken')
        if not token:
            return items, pages, body


# --- auth and routing --------------------------------------------------------

def test_auth_and_routing():
    with _sim() as sim:
        anonymous = Client(sim, key=None)
        response = anonymous.get('/connectors')
        assert response.status_code == 401
        assert response.json()['code'] == 'Unauthorized'
        assert response.headers['Messagebird-Request-Id']
        assert Client(sim, key='wrong').get('/connectors').status_code == 401
        bearer = Client(sim, key=None)
        bearer.session.headers['Authorization'] = f'Bearer {KEY}'
        assert bearer.get('/connectors').status_code == 401

        response = Client(sim, key=WS2_ONLY_KEY).get('/connectors')
        assert response.status_code == 403
        assert response.json()['code'] == 'Forbidden'
        assert Client(sim, key=WS2_ONLY_KEY, workspace=WS2).get('/connectors').status_code == 200

        read_only = Client(sim, key=READ_ONLY_KEY)
        assert read_only.get('/connectors').status_code == 200
        response = read_only.create(0)
        assert response.status_code == 403
        assert response.json()['code'] == 'Forbidden'

        client = Client(sim)
        response = Client(sim, workspace='00000000-0000-4000-8000-00000000dead').get('/connectors')
        assert response.status_code == 404
        assert response.json()['code'] == 'NotFound'
        assert client.get('/bogus').status_code == 404
        assert client.session.get(f'{sim.url}/nothing', timeout=5).status_code == 404
        response = client.session.put(f'{client.base}/connectors/x', json={}, timeout=5)
        assert response.status_code == 405
        request_ids = {client.get('/connectors').headers['Messagebird-Request-Id'] for _attempt in range(3)}
        assert len(request_ids) == 3


# --- create / channel ---------------------------------------------------------

def test_create_returns_full_connector():
    with _sim() as sim:
        client = Client(sim)
        response = client.create(1, name='My Voice Channel')
        assert response.status_code == 201, response.text
        connector = response.json()
        assert connector['workspaceId'] == WS1
        assert connector['name'] == 'My Voice Channel'
        assert connector['region'] == 'eu-west-1'
        assert connector['connectorTemplateRef'] == VOICE
        assert connector['connectorTemplateSlug'] == 'voice-messagebird'
        assert connector['arguments'] == {'phoneNumberId': _number_id(1)}
        assert connector['channel']['platform'] == 'voice-messagebird'
        assert connector['number'] == {'numberId': _number_id(1), 'phoneNumber': '+31205550001', 'capabilities': ['sms', 'voice'], 'country': 'NL'}
        assert connector['createdAt'].endswith('Z') and connector['updatedAt'].endswith('Z')
        assert connector['extraUnknownField'] == {}
        assert 'status' not in connector
        channel = client.get(f'/channels/{connector["channel"]["channelId"]}').json()
        assert channel['platformId'] == 'voice-messagebird'
        assert channel['connectorId'] == connector['id']
        assert channel['identifier'] == '+31205550001'
        assert channel['status'] == 'active'
        assert channel['name'] == 'My Voice Channel'
        sim.update_config(extra_fields=False)
        assert 'extraUnknownField' not in client.get(f'/connectors/{connector["id"]}').json()


def test_channel_assigned_asynchronously():
    with _sim(channel_delay=0.3) as sim:
        client = Client(sim)
        connector = client.create(0).json()
        assert connector['channel'] is None
        assert client.get(f'/connectors/{connector["id"]}').json()['channel'] is None
        assert [c['platformId'] for c in client.get('/channels').json()['results']] == ['sms-messagebird']
        time.sleep(0.35)
        fetched = client.get(f'/connectors/{connector["id"]}').json()
        channel_id = fetched['channel']['channelId']
        assert fetched['channel']['platform'] == 'voice-messagebird'
        assert client.get(f'/channels/{channel_id}').status_code == 200
        voice = client.get('/channels', platform='voice-messagebird').json()['results']
        assert [c['id'] for c in voice] == [channel_id]


@pytest.mark.parametrize('mode, expected', [('null', None), ('no_id', {'platform': 'voice-messagebird'}), ('absent', KeyError)])
def test_pending_channel_shapes(mode, expected):
    with _sim(channel_delay=-1, pending_channel=mode) as sim:
        client = Client(sim)
        created = client.create(0).json()
        fetched = client.get(f'/connectors/{created["id"]}').json()
        listed = client.get('/connectors', templateRef=VOICE).json()['results'][0]
        for connector in (created, fetched, listed):
            if expected is KeyError:
                assert 'channel' not in connector
            else:
                assert connector['channel'] == expected


@pytest.mark.parametrize('status, code', [(409, 'ConnectorAlreadyExists'), (422, 'InvalidPayload')])
def test_duplicate_refused(status, code):
    with _sim(duplicate_status=status, duplicate_code=code) as sim:
        client = Client(sim)
        assert client.create(2).status_code == 201
        response = client.create(2, name='another name')
        assert response.status_code == status
        assert response.json()['code'] == code
        assert response.json()['message'] == 'connector already exists'
        assert len(sim.state()['workspaces'][WS1]['connectors']) == 2
        assert sim.stats()['writes'] == 2 and sim.stats()['writes_applied'] == 1


def test_create_validation():
    with _sim() as sim:
        client = Client(sim)
        good = {'name': 'x', 'connectorTemplateRef': VOICE, 'arguments': {'phoneNumberId': _number_id(0)}}
        response = client.post('/connectors', dict(good, unexpected=1, other=2))
        assert response.status_code == 422
        assert response.json()['code'] == 'InvalidPayload'
        assert set(response.json()['details']) == {'unexpected', 'other'}
        response = client.post('/connectors', {'connectorTemplateRef': VOICE, 'arguments': {'phoneNumberId': _number_id(0)}})
        assert response.status_code == 422 and 'name' in response.json()['details']
        response = client.post('/connectors', dict(good, name=''))
        assert response.status_code == 422 and 'name' in response.json()['details']
        response = client.post('/connectors', dict(good, arguments={}))
        assert response.status_code == 422 and 'arguments.phoneNumberId' in response.json()['details']
        response = client.post('/connectors', dict(good, arguments={'phoneNumberId': 'nope'}))
        assert response.status_code == 422 and 'arguments.phoneNumberId' in response.json()['details']
        response = client.create(name='sms only', number_id=SMS_ONLY)
        assert response.status_code == 422
        assert 'voice' in response.json()['details']['arguments.phoneNumberId'][0]
        response = client.session.post(client.base + '/connectors', data='{not json', headers={'Content-Type': 'application/json'}, timeout=5)
        assert response.status_code == 400 and response.json()['code'] == 'InvalidPayload'
        assert client.post('/connectors', [1, 2]).status_code == 422
        # the connection stays usable after errors (keep-alive, bodies fully read)
        assert client.post('/connectors', good).status_code == 201
        assert sim.stats()['writes_applied'] == 1


# --- lists ---------------------------------------------------------------------

@pytest.mark.parametrize('last_page_token', ['omit', 'empty'])
def test_pagination(last_page_token):
    with _sim(page_size=2, last_page_token=last_page_token) as sim:
        client = Client(sim)
        for index in range(5):
            assert client.create(index).status_code == 201
        items, pages, last = _list_all(client, '/connectors')
        assert len(items) == 6 and pages == 3
        assert len({item['id'] for item in items}) == 6
        if last_page_token == 'omit':
            assert 'nextPageToken' not in last
        else:
            assert last['nextPageToken'] == ''
        first = client.get('/connectors').json()
        assert len(first['results']) == 2 and first['nextPageToken']
        # a token survives deletion of already-seen items
        assert client.delete(f'/connectors/{first["results"][0]["id"]}').status_code == 204
        second = client.get('/connectors', pageToken=first['nextPageToken']).json()
        assert second['results'][0]['id'] == items[2]['id']
        response = client.get('/connectors', pageToken='garbage!')
        assert response.status_code == 400 and response.json()['code'] == 'InvalidPayload'
        assert client.get('/connectors', pageToken=client.get('/numbers', limit=1).json()['nextPageToken']).status_code == 400
        assert len(client.get('/connectors', limit=500).json()['results']) == 5
        assert client.get('/connectors', limit=0).status_code == 400
        sim.update_config(page_size_max=3)
        assert len(client.get('/connectors', limit=50).json()['results']) == 3


def test_template_filter():
    with _sim() as sim:
        client = Client(sim)
        client.create(0)
        client.create(1)
        all_items = client.get('/connectors').json()['results']
        assert {c['connectorTemplateRef'] for c in all_items} == {VOICE, 'sms-messagebird:1'}
        voice = client.get('/connectors', templateRef=VOICE).json()['results']
        assert [c['connectorTemplateRef'] for c in voice] == [VOICE, VOICE]
        sim.update_config(template_filter_param='')
        assert len(client.get('/connectors', templateRef=VOICE).json()['results']) == 3
        sim.update_config(template_filter_param='connectorTemplateRef')
        assert len(client.get('/connectors', templateRef=VOICE).json()['results']) == 3
        assert len(client.get('/connectors', connectorTemplateRef=VOICE).json()['results']) == 2


def test_list_item_ids_modes():
    with _sim() as sim:
        client = Client(sim)
        for index in range(4):
            client.create(index)
        for mode in ('both', 'arguments', 'number', 'alternate'):
            sim.update_config(list_item_ids=mode)
            items = client.get('/connectors', templateRef=VOICE).json()['results']
            has_args = ['phoneNumberId' in (c.get('arguments') or {}) for c in items]
            has_number = ['numberId' in c['number'] for c in items]
            if mode == 'both':
                assert all(has_args) and all(has_number)
            elif mode == 'arguments':
                assert all(has_args) and not any(has_number)
            elif mode == 'number':
                assert not any(has_args) and all(has_number)
            else:
                assert any(has_args) and any(has_number)
                assert all(a != n for a, n in zip(has_args, has_number))
            for item in items:
                single = client.get(f'/connectors/{item["id"]}').json()
                assert single['arguments']['phoneNumberId'] == single['number']['numberId']


@pytest.mark.parametrize('delete_status', [204, 200])
def test_delete(delete_status):
    with _sim(delete_status=delete_status) as sim:
        client = Client(sim)
        connector = client.create(0).json()
        response = client.delete(f'/connectors/{connector["id"]}')
        assert response.status_code == delete_status
        if delete_status == 200:
            assert response.json()['id'] == connector['id']
        else:
            assert response.content == b''
        assert client.get(f'/connectors/{connector["id"]}').status_code == 404
        assert client.get(f'/channels/{connector["channel"]["channelId"]}').status_code == 404
        response = client.delete(f'/connectors/{connector["id"]}')
        assert response.status_code == 404 and response.json()['code'] == 'NotFound'
        # the number is free again
        assert client.create(0).status_code == 201


# --- numbers ---------------------------------------------------------------------

def test_numbers():
    with _sim() as sim:
        client = Client(sim)
        results = client.get('/numbers', searchTerm='+31205550003').json()['results']
        assert [n['id'] for n in results] == [_number_id(3)]
        assert results[0] == {'id': _number_id(3), 'number': '+31205550003', 'country': 'NL', 'status': 'active', 'capabilities': ['sms', 'voice']}
        assert len(client.get('/numbers', searchTerm='31205550003').json()['results']) == 1
        assert len(client.get('/numbers', searchTerm='2055500').json()['results']) == 8
        assert client.get('/numbers', searchTerm='+49').json()['results'] == []
        items, pages, _last = _list_all(client, '/numbers', limit=4)
        assert len(items) == 9 and pages == 3
        assert client.get('/numbers', status='inactive').json()['results'] == []

        sim.update_config(number_field='phoneNumber', capabilities_format='dict')
        number = client.get(f'/numbers/{SMS_ONLY}').json()
        assert 'number' not in number and number['phoneNumber'] == '+31205559999'
        assert number['capabilities'] == {'sms': True, 'voice': False, 'mms': False}
        sim.update_config(number_field='both')
        number = client.get(f'/numbers/{SMS_ONLY}').json()
        assert number['number'] == number['phoneNumber'] == '+31205559999'
        assert client.get('/numbers/unknown').status_code == 404


def test_limit_validation():
    with _sim() as sim:
        client = Client(sim)
        for limit in (0, 100, 'x', -1):
            response = client.get('/numbers', limit=limit)
            assert response.status_code == 400, limit
            assert response.json()['code'] == 'InvalidPayload'
        assert client.get('/numbers', limit=99).status_code == 200
        assert client.get('/numbers', limit=1).status_code == 200
        assert client.get('/channels', limit=1001).status_code == 400
        assert client.get('/channels', limit=0).status_code == 400
        assert client.get('/channels', limit=1000).status_code == 200


# --- rate limits and faults ---------------------------------------------------------

def test_rate_limit_get_and_post():
    with _sim(rate_get=3, rate_post=2) as sim:
        client = Client(sim)
        codes = [client.get('/connectors').status_code for _attempt in range(4)]
        assert codes == [200, 200, 200, 429]
        response = client.get('/connectors')
        assert response.json()['code'] == 'TooManyRequests'
        assert 'Retry-After' not in response.headers
        # per workspace
        assert Client(sim, workspace=WS2).get('/connectors').status_code == 200
        assert [client.create(i).status_code for i in range(3)] == [201, 201, 429]
        assert len(sim.state()['workspaces'][WS1]['connectors']) == 3  # the 429 was not processed
        sim.update_config(retry_after_header=True)
        response = client.get('/connectors')
        assert response.status_code == 429
        assert int(response.headers['Retry-After']) >= 1
        time.sleep(1.05)
        assert client.get('/connectors').status_code == 200
        stats = sim.stats()
        assert stats['faults_fired']['rate_limited'] == 4
        assert stats['by_status']['429'] == 4


def test_rate_limit_share():
    with _sim(rate_limit_share=1.0, retry_after_header=True) as sim:
        client = Client(sim)
        response = client.create(0)
        assert response.status_code == 429 and response.headers['Retry-After'] == '1'
        assert sim.state()['workspaces'][WS1]['connectors'][0]['id'] == SMS_CONNECTOR
        sim.update_config(rate_limit_share=0.5, random_seed=7)
        codes = [client.get('/numbers').status_code for _attempt in range(40)]
        assert 5 < codes.count(429) < 35


def test_fault_status_with_count_and_skip():
    rule = {'method': 'POST', 'path': '/connectors$', 'kind': 'status', 'status': 503, 'count': 1, 'skip': 1, 'retry_after': 2}
    with _sim(faults=[rule]) as sim:
        client = Client(sim)
        assert client.create(0).status_code == 201
        response = client.create(1)
        assert response.status_code == 503
        assert response.json()['code'] == 'ServiceUnavailable'
        assert response.headers['Retry-After'] == '2'
        assert response.headers['Messagebird-Request-Id']
        assert client.create(1).status_code == 201
        assert client.get('/connectors').status_code == 200  # GET does not match
        stats = sim.stats()
        assert stats['faults_fired']['status'] == 1
        assert stats['writes'] == 3 and stats['writes_applied'] == 2
        assert sim.faults()[0]['fired'] == 1 and sim.faults()[0]['seen'] == 3


def test_fault_custom_body_and_probability():
    rule = {'method': '*', 'path': 'numbers', 'kind': 'status', 'status': 500, 'body': {'code': 'Boom', 'message': 'x'}, 'probability': 0.5}
    with _sim(faults=[rule], random_seed=3) as sim:
        client = Client(sim)
        responses = [client.get('/numbers') for _attempt in range(30)]
        codes = [response.status_code for response in responses]
        assert 3 < codes.count(500) < 27
        assert {json.dumps(r.json()) for r in responses if r.status_code == 500} == {json.dumps({'code': 'Boom', 'message': 'x'})}
        with _sim(faults=[rule], random_seed=3) as again:
            assert [Client(again).get('/numbers').status_code for _attempt in range(30)] == codes


def test_fault_drop():
    with _sim(faults=[{'method': 'GET', 'path': '/connectors', 'kind': 'drop', 'count': 1}]) as sim:
        client = Client(sim)
        with pytest.raises(requests.ConnectionError):
            client.get('/connectors')
        assert client.get('/connectors').status_code == 200
        stats = sim.stats()
        assert stats['faults_fired']['drop'] == 1
        assert stats['by_status'] == {'dropped': 1, '200': 1}
        with pytest.raises(requests.ConnectionError):
            sim.add_faults({'method': 'POST', 'kind': 'drop'})
            client.create(0)
        assert len(sim.state()['workspaces'][WS1]['connectors']) == 1


def test_fault_drop_after_apply():
    with _sim(faults={'method': 'POST', 'path': '/connectors', 'kind': 'drop_after_apply', 'count': 1}) as sim:
        client = Client(sim)
        with pytest.raises(requests.ConnectionError):
            client.create(4)
        connectors = sim.state()['workspaces'][WS1]['connectors']
        assert [c['arguments']['phoneNumberId'] for c in connectors] == [SMS_ONLY, _number_id(4)]
        assert client.create(4).status_code == 409
        stats = sim.stats()
        assert stats['writes_applied'] == 1 and stats['faults_fired']['drop_after_apply'] == 1
        assert sim.requests(5)[0]['dropped'] is True and sim.requests(5)[0]['applied'] is True


def test_fault_delay_and_latency():
    with _sim(faults=[{'method': 'GET', 'path': 'numbers', 'kind': 'delay', 'delay': 0.3, 'count': 1}]) as sim:
        client = Client(sim)
        started = time.monotonic()
        assert client.get('/numbers').status_code == 200
        assert time.monotonic() - started >= 0.3
        started = time.monotonic()
        client.get('/numbers')
        assert time.monotonic() - started < 0.25
        assert sim.stats()['faults_fired']['delay'] == 1
        sim.update_config(latency=0.2)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(lambda _index: requests.get(f'{client.base}/numbers', headers={'Authorization': f'AccessKey {KEY}'}, timeout=5).status_code,
                                  range(4)))
        assert codes == [200] * 4
        assert time.monotonic() - started < 0.6  # latency overlaps between requests


def test_fault_echo_headers():
    with _sim(faults=[{'kind': 'status', 'status': 500, 'echo_headers': True}]) as sim:
        response = Client(sim).get('/connectors')
        assert response.status_code == 500
        details = response.json()['details']
        assert details['Authorization'] == [f'AccessKey {KEY}']


def test_admin_faults_and_config_endpoints():
    with _sim() as sim:
        client = Client(sim)
        body = client.admin('POST', '/faults', [{'method': 'GET', 'path': 'numbers', 'kind': 'status', 'status': 502}])
        assert body['faults'][0]['status'] == 502
        assert client.get('/numbers').status_code == 502
        assert client.admin('DELETE', '/faults') == {'faults': []}
        assert client.get('/numbers').status_code == 200
        config = client.admin('POST', '/config', {'channel_delay': 2, 'duplicate_status': 422})
        assert config['channel_delay'] == 2.0 and config['duplicate_status'] == 422
        assert sim.config()['duplicate_status'] == 422
        assert client.session.post(f'{sim.url}/_sim/config', json={'nope': 1}, timeout=5).status_code == 400
        assert client.session.post(f'{sim.url}/_sim/config', json={'pending_channel': 'bad'}, timeout=5).status_code == 400
        assert client.session.post(f'{sim.url}/_sim/faults', json={'kind': 'explode'}, timeout=5).status_code == 400
        assert client.session.get(f'{sim.url}/_sim/nope', timeout=5).status_code == 404
        assert sim.stats()['total'] == 2  # admin calls are not counted


def test_admin_insert_connector_and_duplicates():
    with _sim() as sim:
        client = Client(sim)
        inserted = client.admin('POST', '/connectors', {'workspace_id': WS1, 'phone_number_id': _number_id(5), 'name': 'theirs'})
        assert inserted['channel']['channelId']
        assert client.create(5).status_code == 409
        response = client.session.post(f'{sim.url}/_sim/connectors', json={'workspace_id': WS1, 'phone_number_id': _number_id(5)}, timeout=5)
        assert response.status_code == 409
        client.admin('POST', '/connectors', {'workspace_id': WS1, 'phone_number_id': _number_id(5), 'force': True})
        voice = client.get('/connectors', templateRef=VOICE).json()['results']
        assert [c['number']['numberId'] for c in voice] == [_number_id(5)] * 2
        assert sim.stats()['writes_applied'] == 0
        response = client.session.post(f'{sim.url}/_sim/connectors', json={'workspace_id': 'nope', 'phone_number_id': 'x'}, timeout=5)
        assert response.status_code == 404


def test_admin_stats_shape():
    with _sim(rate_get=2) as sim:
        client = Client(sim)
        connector = client.create(0).json()
        client.create(0)
        client.get(f'/connectors/{connector["id"]}')
        client.get('/connectors')
        client.get('/numbers')
        client.delete(f'/connectors/{connector["id"]}')
        Client(sim, key='bad').get('/connectors')
        stats = client.admin('GET', '/stats')
        assert stats == {
            'total': 7,
            'by_method': {'GET': 4, 'POST': 2, 'DELETE': 1},
            'writes': 3,
            'writes_applied': 2,
            'by_route': {
                'POST /workspaces/{ws}/connectors': 2,
                'GET /workspaces/{ws}/connectors/{id}': 1,
                'GET /workspaces/{ws}/connectors': 2,
                'GET /workspaces/{ws}/numbers': 1,
                'DELETE /workspaces/{ws}/connectors/{id}': 1,
            },
            'by_status': {'201': 1, '409': 1, '200': 2, '429': 1, '204': 1, '401': 1},
            'by_workspace': {WS1: {'GET': 3, 'POST': 2, 'DELETE': 1}},
            'faults_fired': {'status': 0, 'drop': 0, 'drop_after_apply': 0, 'delay': 0, 'rate_limited': 1},
        }
        log = client.admin('GET', '/requests?limit=2')
        assert [entry['status'] for entry in log] == [204, 401]
        assert [entry['auth_ok'] for entry in log] == [True, False]
        assert all('Authorization' not in json.dumps(entry) for entry in log)
        client.admin('POST', '/reset-stats')
        assert sim.stats()['total'] == 0 and sim.requests() == []


def test_reset_restores_seed():
    with _sim() as sim:
        client = Client(sim)
        client.create(0)
        client.delete(f'/connectors/{SMS_CONNECTOR}')
        client.admin('POST', '/reset')
        state = client.admin('GET', '/state')['workspaces']
        assert [c['id'] for c in state[WS1]['connectors']] == [SMS_CONNECTOR]
        assert len(state[WS1]['channels']) == 1 and state[WS2]['connectors'] == []
        assert sim.stats()['total'] == 0
        assert client.create(0).status_code == 201


def test_state_file_persistence(tmp_path):
    state_file = str(tmp_path / 'state.json')
    with _sim(state_file=state_file, channel_delay=0.2) as sim:
        client = Client(sim)
        pending = client.create(0).json()
        ready = client.create(1).json()
        client.delete(f'/connectors/{SMS_CONNECTOR}')
        assert pending['channel'] is None
    with _sim(state_file=state_file) as sim:
        client = Client(sim)
        ids = [c['id'] for c in client.get('/connectors').json()['results']]
        assert ids == [pending['id'], ready['id']]
        time.sleep(0.2)
        first = client.get(f'/connectors/{pending["id"]}').json()['channel']['channelId']
        assert client.get(f'/channels/{first}').status_code == 200
        assert client.create(1).status_code == 409
        client.create(2)
    with _sim(state_file=state_file) as sim:
        client = Client(sim)
        assert client.get(f'/connectors/{pending["id"]}').json()['channel']['channelId'] == first
        assert len(client.get('/connectors').json()['results']) == 3
        client.admin('POST', '/reset')
    with open(state_file, encoding='utf-8') as handle:
        saved = json.load(handle)
    assert [c['id'] for c in saved['workspaces'][WS1]['connectors']] == [SMS_CONNECTOR]


def test_stop_closes_keep_alive_connections():
    sim = sim_module.BirdSimulator({'seed': _seed(), 'quiet': True})
    sim.start()
    client = Client(sim)
    assert client.get('/numbers').status_code == 200
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        client.get('/numbers')
    sim.stop()


# --- https -----------------------------------------------------------------------

def test_https_generated_cert(tmp_path):
    cert_out = str(tmp_path / 'ca.pem')
    with _sim(https=True, cert_out=cert_out) as sim:
        assert sim.url.startswith('https://127.0.0.1:')
        response = requests.get(f'{sim.url}/workspaces/{WS1}/numbers', headers={'Authorization': f'AccessKey {KEY}'}, verify=cert_out, timeout=10)
        assert response.status_code == 200
        localhost = sim.url.replace('127.0.0.1', 'localhost')
        assert requests.get(f'{localhost}/_sim/health', verify=cert_out, timeout=10).json() == {'ok': True}
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f'{sim.url}/_sim/health', timeout=10)


@pytest.mark.skipif(not shutil.which('openssl'), reason='openssl command not available')
def test_https_openssl_fallback_and_given_cert(tmp_path):
    cert, key, ca_file = sim_module.generate_self_signed_cert(str(tmp_path), backend='openssl')
    cert_out = str(tmp_path / 'out.pem')
    with _sim(https=True, cert=cert, key=key, cert_out=cert_out) as sim:
        with requests.Session() as session:
            for verify in (ca_file, cert_out):
                assert session.get(f'{sim.url}/_sim/health', verify=verify, timeout=10).status_code == 200


# --- cli, generated data, performance ---------------------------------------------------

def test_cli_subprocess(tmp_path):
    url_file = str(tmp_path / 'url')
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, SIMULATOR_PATH, '--seed', DEMO_SEED, '--port', '0', '--url-file', url_file, '--channel-delay', '0.5',
         '--template-filter-param', '', '--faults', '[]', '--no-retry-after-header'],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        assert line.startswith('BIRD_API_URL=http://127.0.0.1:'), line + process.stderr.read()
        url = line.split('=', 1)[1]
        with open(url_file, encoding='utf-8') as handle:
            assert handle.read().strip() == url
        config = requests.get(f'{url}/_sim/config', timeout=5).json()
        assert config['channel_delay'] == 0.5 and config['template_filter_param'] == ''
        response = requests.get(f'{url}/workspaces/a1b2c3d4-0001-4000-8000-000000000001/numbers',
                                headers={'Authorization': 'AccessKey demo-access-key-not-secret'}, timeout=5)
        assert len(response.json()['results']) == 5
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        stderr = process.stderr.read()
        assert '/numbers' in stderr and 'demo-access-key-not-secret' not in stderr
        assert process.stdout.read() == ''
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_generated_ids_and_demo_seed():
    first = sim_module.generated_ids(3, 4)
    assert first == sim_module.generated_ids(3, 4)
    numbers = [n['number'] for ws in first for n in ws['numbers']]
    assert len(set(numbers)) == 12 and numbers[0] == '+31201000000'
    assert all(len(n) == 12 and n.startswith('+3120') for n in numbers)
    assert first[1]['numbers'][0]['id'] == str(sim_module.uuid.uuid5(sim_module.GENERATED_NAMESPACE, 'workspace-1-number-0'))
    with run_simulator(generate_workspaces=3, numbers_per_workspace=4, access_key='k') as sim:
        assert list(sim.workspaces) == [ws['id'] for ws in first]
        response = requests.get(f'{sim.url}/workspaces/{first[2]["id"]}/numbers', headers={'Authorization': 'AccessKey k'}, timeout=5)
        assert [n['number'] for n in response.json()['results']] == [n['number'] for n in first[2]['numbers']]
    with run_simulator(seed=DEMO_SEED) as sim:
        workspaces = list(sim.workspaces.values())
        assert len(workspaces) == 2
        voice = [[n for n in ws['numbers'] if 'voice' in n['capabilities']] for ws in workspaces]
        assert [len(v) for v in voice] == [4, 3]
        assert [n['capabilities'] for n in workspaces[0]['numbers'] if 'voice' not in n['capabilities']] == [['sms']]
        assert sim.access_keys == ['demo-access-key-not-secret']


def test_concurrent_creates_and_lists():
    with run_simulator(generate_workspaces=2, numbers_per_workspace=300, access_key=KEY, rate_get=0, rate_post=0, page_size=100) as sim:
        workspaces = sim_module.generated_ids(2, 300)
        jobs = [(ws['id'], n['id']) for ws in workspaces for n in ws['numbers']]

        def create(job):
            ws_id, number_id = job
            session = getattr(sessions, 'session', None)
            if session is None:
                session = sessions.session = requests.Session()
                session.headers['Authorization'] = f'AccessKey {KEY}'
            body = {'name': 'c', 'connectorTemplateRef': VOICE, 'arguments': {'phoneNumberId': number_id}}
            first = session.post(f'{sim.url}/workspaces/{ws_id}/connectors', json=body, timeout=10).status_code
            second = session.get(f'{sim.url}/workspaces/{ws_id}/connectors', params={'limit': 100}, timeout=10).status_code
            return first, second

        sessions = sim_module.threading.local()
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(create, jobs))
        elapsed = time.monotonic() - started
        assert results == [(201, 200)] * 600
        assert elapsed < 10
        # racing duplicates: exactly one wins
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(create, [jobs[0]] * 8))
        assert sorted(code for code, _list_code in codes) == [409] * 8
        stats = sim.stats()
        assert stats['writes'] == 608 and stats['writes_applied'] == 600
        client = Client(sim, workspace=workspaces[0]['id'])
        items, pages, _last = _list_all(client, '/connectors')
        assert len(items) == 300 and pages == 3
