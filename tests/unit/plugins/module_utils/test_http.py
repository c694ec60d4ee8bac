# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client: auth, TLS, retries and backoff, pagination that refuses malformed pages, errors, secrets."""

import email.utils
import json
import os
import time

import pytest
import requests
import yaml

from ansible_collections.bird.engagements.plugins.module_utils import _http
from ansible_collections.bird.engagements.plugins.module_utils._backoff import Backoff
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    RETRY_CREATE,
    BirdClient,
    parse_retry_after,
)
from ansible_collections.bird.engagements.plugins.module_utils._throttle import Throttle
from ansible_collections.bird.engagements.tests.unit.helpers import (
    ROOT,
    FakeSession,
    response,
)

KEY = "sk-test-1234567890-secret"
WS = "/workspaces/11111111-1111-4111-8111-111111111111"


def make(script, retries=3, key=KEY, **kwargs):
    sleeps: list = []
    session = FakeSession(script)
    # The pace is not under test here: only the retries' sleeps are recorded.
    client = BirdClient(
        "https://api.example.test/",
        key,
        retries=retries,
        sleep=sleeps.append,
        session=session,
        throttle=Throttle(8, sleep=lambda seconds: None),
        **kwargs
    )
    return client, session, sleeps


def test_headers_timeout_and_tls_settings_go_with_every_request():
    client, session, dummy = make(
        [response(200, {"ok": True})], timeout=7, ca_path="/tmp/ca.pem"
    )
    assert client.get(WS + "/connectors") == {"ok": True}
    call = session.calls[0]
    assert call["url"] == "https://api.example.test" + WS + "/connectors"
    assert call["headers"]["Authorization"] == "AccessKey " + KEY
    assert call["headers"]["User-Agent"].startswith(
        "bird.engagements/%s " % _http.COLLECTION_VERSION
    )
    assert call["timeout"] == 7
    assert call["verify"] == "/tmp/ca.pem"
    client2, session2, dummy = make(
        [response(200, {})], validate_certs=False, ca_path="/tmp/ca.pem"
    )
    client2.get(WS)
    assert (
        session2.calls[0]["verify"] is False
    )  # validate_certs=false wins over ca_path


@pytest.mark.parametrize(
    "failure",
    [
        response(429, {"code": "TooManyRequests"}),
        response(500, {"code": "Internal"}),
        response(502),
        response(503, {"code": "Unavailable"}),
        requests.exceptions.ConnectionError("reset by peer"),
        requests.exceptions.ReadTimeout("read timed out"),
    ],
)
def test_reads_are_retried_on_transient_failures(failure):
    client, session, sleeps = make([failure, failure, response(200, {"results": []})])
    assert client.get(WS + "/numbers") == {"results": []}
    assert len(session.calls) == 3
    assert len(sleeps) == 2


def test_retry_after_is_honoured_and_backoff_is_capped_and_jittered(monkeypatch):
    client, dummy, sleeps = make(
        [response(429, headers={"Retry-After": "3"}), response(200, {})]
    )
    client.get(WS)
    assert 3 <= sleeps[0] <= 3.25
    monkeypatch.setattr(_http, "REQUEST_RETRY", Backoff(first=0.5, cap=4.0))
    client, dummy, sleeps = make([response(503)] * 8 + [response(200, {})], retries=8)
    client.get(WS)
    ceilings = [min(4.0, 0.5 * 2**n) for n in range(8)]
    assert all(c / 2 <= s <= c for s, c in zip(sleeps, ceilings)), sleeps


def test_retry_after_may_be_an_http_date():
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= parse_retry_after(when) <= 30
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_when_retries_run_out_the_error_keeps_what_bird_said():
    body = {"code": "Unavailable", "message": "try later", "details": {"x": ["y"]}}
    client, session, dummy = make(
        [response(503, body, {"Messagebird-Request-Id": "req-42"})] * 3, retries=2
    )
    with pytest.raises(BirdAPIError) as info:
        client.get(WS + "/connectors")
    err = info.value
    assert (err.status, err.code, err.api_message, err.details, err.request_id) == (
        503,
        "Unavailable",
        "try later",
        {"x": ["y"]},
        "req-42",
    )
    assert len(session.calls) == 3
    for part in (
        "GET %s/connectors" % WS,
        "HTTP 503 Unavailable: try later",
        "after 2 retries",
        "req-42",
        "'x'",
    ):
        assert part in str(err)


@pytest.mark.parametrize(
    "status,hint", [(401, "access key"), (403, "policy"), (404, "workspace_id")]
)
def test_client_errors_are_not_retried_and_say_what_to_do(status, hint):
    client, session, dummy = make([response(status, {"code": "X", "message": "no"})])
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert len(session.calls) == 1
    assert hint in str(info.value)


def test_a_create_is_retried_only_after_429():
    client, session, dummy = make([response(429), response(201, {"id": "c1"})])
    assert client.request(
        "POST", WS + "/connectors", body={"name": "x"}, retry=RETRY_CREATE
    ).body == {"id": "c1"}
    assert len(session.calls) == 2


@pytest.mark.parametrize(
    "failure,maybe_applied",
    [
        (response(500), True),
        (response(503), True),
        (requests.exceptions.ConnectionError("connection reset"), True),
        (requests.exceptions.ReadTimeout("read timed out"), True),
        (requests.exceptions.ConnectTimeout("connect timed out"), False),
        (response(422, {"code": "InvalidPayload"}), False),
    ],
)
def test_create_failures_are_not_resent_and_say_whether_they_may_have_applied(
    failure, maybe_applied
):
    client, session, dummy = make([failure, response(201, {})])
    with pytest.raises(BirdAPIError) as info:
        client.request("POST", WS + "/connectors", body={}, retry=RETRY_CREATE)
    assert len(session.calls) == 1
    assert info.value.maybe_applied is maybe_applied


def test_tls_errors_are_not_retried_and_suggest_ca_path():
    client, session, dummy = make(
        [requests.exceptions.SSLError("[SSL: CERTIFICATE_VERIFY_FAILED] verify failed")]
        * 3
    )
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert len(session.calls) == 1
    assert "ca_path" in str(info.value) and "validate_certs" in str(info.value)


def test_pagination_follows_every_page_to_either_kind_of_end():
    pages = [
        response(200, {"results": [{"id": "n1"}, {"id": "n2"}], "nextPageToken": "a"}),
        response(200, {"results": [{"id": "n3"}], "nextPageToken": "b"}),
        response(200, {"results": [{"id": "n4"}], "nextPageToken": ""}),
    ]
    client, session, dummy = make(pages)
    assert client.list_all(WS + "/numbers", {"searchTerm": "31"}, limit=2) == [
        {"id": "n%d" % n} for n in (1, 2, 3, 4)
    ]
    assert [c["params"].get("pageToken") for c in session.calls] == [None, "a", "b"]
    assert all(
        c["params"]["limit"] == 2 and c["params"]["searchTerm"] == "31"
        for c in session.calls
    )
    client, session, dummy = make([response(200, {"results": [{"id": "n1"}]})])
    assert client.list_all(WS) == [{"id": "n1"}]


@pytest.mark.parametrize(
    "page,message",
    [
        ({}, 'a list page without a "results" list (got nothing)'),
        ({"items": [{"id": "x"}]}, 'a list page without a "results" list'),
        (
            {"results": {"id": "x"}},
            'a list page without a "results" list (got an object)',
        ),
        ({"results": None}, 'a list page without a "results" list'),
        ([{"id": "x"}], "a list page must be a JSON object, got a list"),
        ({"results": ["x"]}, "a list item must be a JSON object, got a string"),
        (
            {"results": [{"id": "c1"}, {"name": "n", "arguments": {}}]},
            "a list item without an id (its fields: arguments, name)",
        ),
        ({"results": [{"id": ""}]}, "a list item without an id (its fields: id)"),
        ({"results": [{}]}, "a list item without an id (an empty object)"),
        ({"results": [], "nextPageToken": 7}, "nextPageToken must be a string"),
    ],
)
def test_a_malformed_page_is_an_error_with_the_endpoint_and_request_id_never_empty(
    page, message
):
    client, dummy, dummy2 = make(
        [response(200, page, {"Messagebird-Request-Id": "req-7"})]
    )
    with pytest.raises(BirdAPIError) as info:
        client.list_all(WS + "/connectors")
    text = str(info.value)
    assert (
        message in text
        and "GET %s/connectors" % WS in text
        and "request id: req-7" in text
    )


def test_a_page_token_loop_is_stopped():
    client, dummy, dummy2 = make(
        lambda *a: response(200, {"results": [{"id": "n1"}], "nextPageToken": "same"})
    )
    with pytest.raises(BirdAPIError, match="came back a second time"):
        client.list_all(WS)


def test_an_endless_run_of_pages_is_capped(monkeypatch):
    monkeypatch.setattr(_http, "MAX_PAGES", 5)
    tokens = iter(range(100))
    client, session, dummy = make(
        lambda *a: response(200, {"results": [], "nextPageToken": "t%d" % next(tokens)})
    )
    with pytest.raises(BirdAPIError, match="still a nextPageToken after 5 pages"):
        client.list_all(WS)
    assert len(session.calls) == 5


def test_a_get_that_is_not_an_object_is_malformed():
    client, dummy, dummy2 = make([response(200, ["x"])])
    with pytest.raises(
        BirdAPIError, match="malformed answer: expected a JSON object, got a list"
    ):
        client.get(WS + "/connectors/c1")


def test_an_echoed_key_never_leaves_the_client():
    echo = {
        "code": "Bad",
        "message": "header Authorization: AccessKey %s" % KEY,
        "details": {"headers": {"Authorization": "AccessKey " + KEY}},
    }
    client, dummy, dummy2 = make([response(400, echo)])
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert KEY not in str(info.value)
    assert KEY not in repr(vars(info.value))
    client, dummy, dummy2 = make(
        [requests.exceptions.ConnectionError("failed with %s" % KEY)], retries=0
    )
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert KEY not in str(info.value)


def test_a_key_echoed_in_a_json_text_is_scrubbed_in_its_escaped_form():
    key = 'sk-"quoted"\\and/slash'
    text = json.dumps("bad header: AccessKey " + key)
    resp = response(400)
    resp._content = text.encode()  # pylint: disable=protected-access
    client, dummy, dummy2 = make([resp], key=key)
    with pytest.raises(BirdAPIError) as info:
        client.get(WS)
    assert "AccessKey ********" in str(info.value)
    assert key not in str(info.value) and json.dumps(key)[1:-1] not in str(info.value)


@pytest.mark.parametrize("status", [301, 302, 307])
def test_a_redirect_is_no_answer_and_is_not_followed(status):
    client, session, dummy = make(
        [response(status, headers={"Location": "https://elsewhere.example/"})]
    )
    with pytest.raises(BirdAPIError) as info:
        client.request("DELETE", WS + "/connectors/c1")
    assert info.value.status == status and not info.value.maybe_applied
    assert "The API does not redirect: check that api_url" in str(info.value)
    assert session.calls[0]["allow_redirects"] is False and len(session.calls) == 1


def test_a_429_is_retried():
    client, session, dummy = make([response(429), response(200, {})])
    client.get(WS)
    assert len(session.calls) == 2


def test_the_user_agent_version_is_the_collection_version():
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        assert yaml.safe_load(handle)["version"] == _http.COLLECTION_VERSION


def test_the_environment_is_read_once_for_the_ca_bundle_and_the_proxies(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/tmp/env-ca.pem")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client, session, dummy = make([response(200, {})])
    client.get(WS)
    assert session.calls[0]["verify"] == "/tmp/env-ca.pem"
    assert session.proxies["https"] == "http://proxy.example:3128"
    # Nothing else comes from the environment (so ~/.netrc cannot replace the Authorization header).
    assert session.trust_env is False
    client, session, dummy = make([response(200, {})], ca_path="/tmp/given-ca.pem")
    client.get(WS)
    assert session.calls[0]["verify"] == "/tmp/given-ca.pem"
    monkeypatch.setenv("NO_PROXY", "api.example.test")
    client, session, dummy = make([response(200, {})])
    assert "https" not in session.proxies


def test_an_item_listed_again_on_a_later_page_is_the_same_resource():
    pages = [
        response(200, {"results": [{"id": "a"}, {"id": "b"}], "nextPageToken": "t1"}),
        response(200, {"results": [{"id": "a"}, {"id": "b"}], "nextPageToken": "t2"}),
        response(200, {"results": [{"id": "c"}]}),
    ]
    client, dummy, dummy2 = make(pages)
    assert client.list_all(WS) == [{"id": "a"}, {"id": "b"}, {"id": "c"}]
