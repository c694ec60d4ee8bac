# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Webhook subscriptions against scripted answers: URLs Bird refuses, the key stripped, filters, the
list and its malformed answers, info rows. FakeBird serves test_webhook_changes and the modules' tests.
"""

import re
import uuid
from urllib.parse import urlsplit

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import BirdClient
from ansible_collections.bird.engagements.plugins.module_utils._throttle import Throttle
from ansible_collections.bird.engagements.plugins.module_utils._webhooks import (
    KEY_NONE,
    KEY_SET,
    KEY_UNKNOWN,
    check_request,
    check_url,
    filter_set,
    has_signing_key,
    key_state,
    list_subscriptions,
    strip_key,
    subscription_rows,
    subscriptions_path,
)
from ansible_collections.bird.engagements.tests.unit.helpers import (
    FakeSession,
    response,
)

ORG = "c1c2c3d4-0001-4000-8000-000000000001"
WS = "a1b2c3d4-0001-4000-8000-000000000001"
API = "https://api.bird.test"
URL = "https://eda.example.com/bird"
KEY = "whsec-unit-6f1d2c3b4a5e"
PATH = "/organizations/%s/workspaces/%s/webhook-subscriptions" % (ORG, WS)
SUB_RE = re.compile(
    r"^/organizations/[^/]+/workspaces/[^/]+/webhook-subscriptions(?:/([^/]+))?$"
)


def subscription(**fields):
    item: dict = dict(
        id=str(uuid.uuid4()),
        service="channels",
        event="channel.updated",
        url=URL,
        eventFilters=[],
        template=None,
        status="active",
        createdAt="2025-02-07T16:48:03.963Z",
        updatedAt="2025-02-07T16:48:03.963Z",
    )
    item.update(fields)
    return item


class FakeBird:
    """Bird's webhook subscriptions of one workspace, answering a FakeSession.

    ``echo_key``: answers carry ``signingKey`` (as Bird's examples do), or never do.
    """

    def __init__(self, items=(), echo_key=True, page_size=100, fail=None):
        self.items = [dict(item) for item in items]
        self.echo_key = echo_key
        self.page_size = page_size
        # ``fail(method, path, body)`` may return a response (or an exception) instead of the answer.
        self.fail = fail
        self.session = FakeSession(self.answer)

    @property
    def writes(self):
        return [call for call in self.session.calls if call["method"] != "GET"]

    def render(self, item):
        shown = dict(item)
        if not self.echo_key:
            shown.pop("signingKey", None)
        return shown

    def find(self, sub_id):
        return next((item for item in self.items if item["id"] == sub_id), None)

    def answer(self, method, url, params, body):
        path = urlsplit(url).path
        if self.fail:
            failed = self.fail(method, path, body)
            if failed is not None:
                return failed
        match = SUB_RE.match(path)
        if not match:
            return response(404, {"code": "NotFound", "message": "no route"})
        sub_id = match.group(1)
        if sub_id is None and method == "GET":
            assert int(params["limit"]) <= 100
            start = int((params or {}).get("pageToken") or 0)
            size = min(int(params["limit"]), self.page_size)
            page: dict = dict(
                results=[self.render(i) for i in self.items[start : start + size]]
            )
            if start + size < len(self.items):
                page["nextPageToken"] = str(start + size)
            return response(200, page)
        if sub_id is None and method == "POST":
            item = subscription(
                eventFilters=body.get("eventFilters", []),
                template=body.get("template"),
                service=body["service"],
                event=body["event"],
                url=body["url"],
            )
            if "signingKey" in body:
                item["signingKey"] = body["signingKey"]
            self.items.append(item)
            return response(201, self.render(item))
        item = self.find(sub_id)
        if item is None:
            return response(404, {"code": "NotFound", "message": "no subscription"})
        if method == "GET":
            return response(200, self.render(item))
        if method == "PATCH":
            item.update(body)
            item["updatedAt"] = "2025-02-08T10:00:00.000Z"
            return response(200, self.render(item))
        if method == "DELETE":
            self.items.remove(item)
            return response(204)
        return response(405, {"code": "MethodNotAllowed"})


def client_of(bird, retries=2):
    return BirdClient(
        API,
        "unit-access-key",
        retries=retries,
        session=bird.session,
        sleep=lambda seconds: None,
        throttle=Throttle(4, sleep=lambda seconds: None),
    )


# -- input checked before any request ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        URL,
        "https://eda.example.com",
        "https://a-b.c-d.example.co.uk/hooks/bird?x=1",
        "https://EDA.Example.COM/Bird",
    ],
)
def test_a_public_https_url_with_a_domain_name_is_accepted(url):
    assert check_url(url) is None


@pytest.mark.parametrize(
    "url, why",
    [
        ("http://eda.example.com/bird", "must start with https://"),
        ("HTTPS://eda.example.com/bird", "must start with https://"),
        ("https://10.0.0.5/bird", "IP address"),
        ("https://[::1]/bird", "IP address"),
        ("https://eda.example.com:8443/bird", "names a port"),
        ("https://localhost/bird", "not a public domain name"),
        ("https://eda.example.com./bird", "ends with a dot"),
        ("https://eda.example.123/bird", "top-level domain of letters"),
        ("https://user@eda.example.com/bird", "user information"),
        ("https://eda.example.com/bird\n", "white space"),
        (" https://eda.example.com/bird", "white space"),
        ("https://eda.example.com/a b", "white space"),
        ("", "empty"),
    ],
)
def test_a_url_bird_would_refuse_is_named_with_the_reason(url, why):
    error = check_url(url)
    assert error.startswith("url %r is not a URL Bird accepts" % url), error
    assert why in error and "public https URL with a domain name" in error
    assert "TLS endpoint" in error


def test_every_input_problem_is_named_at_once():
    errors = check_request(
        dict(
            url="http://x",
            event=" ",
            event_filters=[dict(key=" ", value="v")],
            signing_key="",
        )
    )
    assert [e.split(" ", 1)[0] for e in errors] == [
        "url",
        "event",
        "event_filters[0].key",
        "signing_key",
    ]


# -- reading what Bird returns --------------------------------------------------------------


def test_the_key_is_stripped_at_any_depth_and_bird_s_word_on_it_is_kept():
    item = subscription(signingKey=KEY, nested={"signing_key": KEY, "other": 1})
    assert KEY not in str(strip_key(item)) and strip_key(item)["nested"] == {"other": 1}
    assert (key_state(item), has_signing_key(item)) == (KEY_SET, True)
    assert (
        key_state(subscription(signingKey=None)),
        has_signing_key({"signingKey": ""}),
    ) == (
        KEY_NONE,
        False,
    )
    assert (key_state(subscription()), has_signing_key(subscription())) == (
        KEY_UNKNOWN,
        None,
    )


def test_filters_are_a_set_and_a_malformed_one_is_refused():
    a = [
        dict(key="platformId", value="voice"),
        dict(key="channelStatus", value="active"),
    ]
    assert filter_set(a) == filter_set(list(reversed(a)) + a[:1])
    assert filter_set(None) == frozenset()
    for bad in ("x", [1], [dict(value="v")]):
        with pytest.raises(ValueError):
            filter_set(bad)


def test_the_list_follows_every_page_with_limit_100():
    bird = FakeBird([subscription() for dummy in range(7)], page_size=3)
    items = list_subscriptions(client_of(bird), ORG, WS)
    assert len(items) == 7
    assert [c["params"].get("pageToken") for c in bird.session.calls] == [
        None,
        "3",
        "6",
    ]
    assert all(c["params"]["limit"] == 100 for c in bird.session.calls)
    assert subscriptions_path(ORG, WS, "x/y") == PATH + "/x%2Fy"


def test_a_malformed_list_answer_is_an_error_never_no_subscriptions():
    pages: list = [{"items": []}, [], {"results": [{"url": URL}]}]
    for page in pages:
        bird = FakeBird(
            fail=lambda method, path, body, page=page: (
                response(200, page) if method == "GET" else None
            )
        )
        with pytest.raises(BirdAPIError) as err:
            list_subscriptions(client_of(bird), ORG, WS)
        assert "malformed answer" in str(err.value)
    bad_filters = FakeBird([subscription(eventFilters="platformId=voice")])
    with pytest.raises(BirdAPIError) as err:
        list_subscriptions(client_of(bad_filters), ORG, WS)
    assert "eventFilters must be a list" in str(err.value)


def test_info_rows_say_whether_there_is_a_key_and_never_show_it():
    bird = FakeBird(
        [
            subscription(
                signingKey=KEY,
                eventFilters=[dict(key="b", value="2"), dict(key="a", value="1")],
            ),
            subscription(event="channel.created"),
            subscription(service="numbers", event="endpoint", signingKey=None),
        ]
    )
    rows = subscription_rows(client_of(bird), ORG, WS, service="channels")
    assert [r["has_signing_key"] for r in rows] == [True, None]
    assert rows[0]["event_filters"] == [
        dict(key="a", value="1"),
        dict(key="b", value="2"),
    ]
    assert KEY not in str(rows)
    only = subscription_rows(client_of(bird), ORG, WS, event="endpoint")
    assert [r["has_signing_key"] for r in only] == [False]
