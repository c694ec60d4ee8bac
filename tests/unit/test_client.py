# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the HTTP client: auth, retries, backoff, pagination, errors, secrets."""

from __future__ import annotations

import email.utils
import os
import time

import pytest
import requests
import yaml

from ansible_collections.bird.engagements.plugins.module_utils import _client
from ansible_collections.bird.engagements.plugins.module_utils._client import (
    BirdAPIError,
    BirdClient,
    RETRY_CREATE,
    check_api_url,
    parse_retry_after,
)
from fakes import FakeSession, response

KEY = 'sk-test-1234567890-secret'
WS = '/workspaces/11111111-1111-4111-8111-111111111111'


def make(script, retries=3, **kwargs):
    sleeps = []
    session = FakeSession(script)
    client = BirdClient('https://api.example.test/', KEY, retries=retries, sleep=sleeps.append, session=session,
                        **kwargs)
    return client, session, sleeps


def test_headers_timeout_and_tls_settings():
    client, session, dummy = make([response(200, {'ok': True})], timeout=7, ca_path='/tmp/ca.pem')
    assert client.get(WS + '/connectors') == {'ok': True}
    call = session.calls[0]
    assert call['url'] == 'https://api.example.test' + WS + '/connectors'
    assert call['headers']['Authorization'] == 'AccessKey ' + KEY
    assert call['headers']['User-Agent'].startswith('bird.engagements/%s ' % _client.COLLECTION_VERSION)
    assert call['timeout'] == 7
    assert call['verify'] == '/tmp/ca.pem'
    client2, session2, dummy = make([response(200, {})], validate_certs=False)
    client2.get(WS)
    assert session2.calls[0]['verify'] is False


@pytest.mark.parametrize('failure', [
    response(429, {'code': 'TooManyRequests'}),
    response(500, {'code': 'Internal'}),
    response(502),
    response(503, {'code': 'Unavailable'}),
    requests.exceptions.ConnectionError('reset by peer'),
    requests.exceptions.ReadTimeout('read timed out'),
])
def test_reads_are_retried_on_transient_failures(failure):
    client, session, sleeps = make([failure, failure, response(200, {'results': []})])
    assert client.get(WS + '/numbers') == {'results': []}
    assert len(session.calls) == 3
    assert len(sleeps) == 2
    assert client.stats == {'requests': 3, 'retries': 2}


def test_retry_after_is_honoured_and_backoff_is_capped_and_jittered(monkeypatch):
    client, dummy, sleeps = make([response(429, headers={'Retry-After': '3'}), response(200, {})])
    client.get(WS)
    assert 3 <= sleeps[0] <= 3.25
    # Without Retry-After: exponential, jittered in [ceiling/2, ceiling], capped.
    monkeypatch.setattr(_client, 'BACKOFF_CAP', 4.0)
    client, dummy, sleeps = make([response(503)] * 8 + [response(200, {})], retries=8)
    client.get(WS)
    ceilings = [min(4.0, 0.5 * 2 ** n) for n in range(8)]
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings)), sleeps
    assert max(sleeps) <= 4.0


def test_retry_after_http_date():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= parse_retry_after(when) <= 30
    assert parse_retry_after('2') == 2.0
    assert parse_retry_after('soon') is None
    assert parse_retry_after(None) is None


def test_retries_run_out_with_a_full_error():
    body = {'code': 'Unavailable', 'message': 'try later', 'details': {'x': ['y']}}
    client, session, dummy = make([response(503, body, {'Messagebird-Request-Id': 'req-42'})] * 3, retries=2)
    with pytest.raises(BirdAPIError) as info:
        client.get(WS + '/connectors')
    err = info.value
    assert (err.status, err.code, err.api_message, err.details, err.request_id) == (
        503, 'Unavailable', 'try later', {'x': ['y']}, 'req-42')
    assert len(session.calls) == 3
    text = str(err)
    for part in ('GET %s/connectors' % WS, 'HTTP 503 Unavailable: try later', 'after 2 retries', 'req-42', "'x'"):
        assert part in text
    assert err.to_result()['request_id'] == 'req-42'


@pytest.mark.parametrize('status,hint', [(401, 'access key'), (403, 'policy'), (404, 'workspace_id')])
def test_client_errors_are_not_retried_and_say_what_to_do(status, hint):
    client, session, dummy = make([response(status, {'code': 'X', 'message': 'no'})])
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert len(session.calls) == 1
    assert hint in str(info.value)


def test_create_is_retried_only_on_429():
    client, session, dummy = make([response(429), response(201, {'id': 'c1'})])
    assert client.request('POST', WS + '/connectors', body={'name': 'x'}, retry=RETRY_CREATE).body == {'id': 'c1'}
    assert len(session.calls) == 2


@pytest.mark.parametrize('failure,maybe_applied', [
    (response(500), True),
    (response(503), True),
    (requests.exceptions.ConnectionError('connection reset'), True),
    (requests.exceptions.ReadTimeout('read timed out'), True),
    (requests.exceptions.ConnectTimeout('connect timed out'), False),
    (response(422, {'code': 'InvalidPayload'}), False),
])
def test_create_failures_are_not_resent_and_say_if_they_may_have_applied(failure, maybe_applied):
    client, session, dummy = make([failure, response(201, {})])
    with pytest.raises(BirdAPIError) as info:
        client.request('POST', WS + '/connectors', body={}, retry=RETRY_CREATE)
    assert len(session.calls) == 1
    assert info.value.maybe_applied is maybe_applied


def test_tls_errors_are_not_retried_and_suggest_ca_path():
    client, session, dummy = make([requests.exceptions.SSLError('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed')] * 3)
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert len(session.calls) == 1
    assert 'ca_path' in str(info.value) and 'validate_certs' in str(info.value)


def test_pagination_follows_every_page_and_both_ends():
    pages = [response(200, {'results': [1, 2], 'nextPageToken': 'a'}),
             response(200, {'results': [3], 'nextPageToken': 'b'}),
             response(200, {'results': [4], 'nextPageToken': ''})]
    client, session, dummy = make(pages)
    assert list(client.paginate(WS + '/numbers', {'searchTerm': '31'}, limit=2)) == [1, 2, 3, 4]
    assert [c['params'].get('pageToken') for c in session.calls] == [None, 'a', 'b']
    assert all(c['params']['limit'] == 2 and c['params']['searchTerm'] == '31' for c in session.calls)
    client, session, dummy = make([response(200, {'results': [1]})])
    assert list(client.paginate(WS)) == [1]


def test_pagination_stops_on_a_repeated_token():
    client, dummy, dummy2 = make(lambda *a: response(200, {'results': [1], 'nextPageToken': 'same'}))
    with pytest.raises(BirdAPIError, match='twice'):
        list(client.paginate(WS))


def test_an_echoed_key_never_leaves_the_client():
    echo = {'code': 'Bad', 'message': 'header Authorization: AccessKey %s' % KEY,
            'details': {'headers': {'Authorization': 'AccessKey ' + KEY}}}
    client, dummy, dummy2 = make([response(400, echo)])
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert KEY not in str(info.value)
    assert KEY not in repr(info.value.to_result())
    client, dummy, dummy2 = make([requests.exceptions.ConnectionError('failed with %s' % KEY)], retries=0)
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert KEY not in str(info.value)


def test_client_side_rate_limit_spaces_requests_per_workspace():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    limiter = _client._RateLimiter(10, clock=lambda: now[0], sleep=sleep)
    for dummy in range(5):
        limiter.acquire()
    assert now[0] == pytest.approx(0.4)


@pytest.mark.parametrize('url,error,warning', [
    ('https://api.bird.com', False, False),
    ('http://127.0.0.1:8080', False, True),
    ('ftp://api.bird.com', True, False),
    ('api.bird.com', True, False),
    ('', True, False),
    ('https://api.bird.com?x=1', True, False),
])
def test_check_api_url(url, error, warning):
    err, warn = check_api_url(url)
    assert bool(err) is error and bool(warn) is warning
    if err and url:
        assert 'api_url' in err


def test_the_user_agent_version_is_the_collection_version():
    galaxy = os.path.join(os.path.dirname(__file__), '..', '..', 'galaxy.yml')
    with open(galaxy, encoding='utf-8') as handle:
        assert yaml.safe_load(handle)['version'] == _client.COLLECTION_VERSION
