# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_webhook_subscription against scripted answers: results, check and diff mode, input refused before any
request, the environment fallbacks, and the signing key in no result, error or diff."""

import pytest
import requests

from ansible_collections.bird.engagements.plugins.modules import (
    bird_webhook_subscription,
)
from ansible_collections.bird.engagements.tests.support.in_process import run_module
from ansible_collections.bird.engagements.tests.unit.helpers import response
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.test_webhooks import (
    API,
    KEY,
    ORG,
    URL,
    WS,
    FakeBird,
    subscription,
)

ACCESS_KEY = "unit-access-key-7a8b9c"


@pytest.fixture
def bird(monkeypatch):
    """``bird(items, **options)``: the FakeBird the module under test talks to, credentials in the environment."""

    def start(items=(), **options):
        fake = FakeBird(items, **options)
        monkeypatch.setattr(requests, "Session", lambda: fake.session)
        for name in ("BIRD_ORGANIZATION_ID", "BIRD_WORKSPACE_ID"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("BIRD_ACCESS_KEY", ACCESS_KEY)
        monkeypatch.setenv("BIRD_API_URL", API)
        return fake

    return start


def args(**extra):
    value = dict(
        organization_id=ORG,
        workspace_id=WS,
        service="channels",
        event="channel.updated",
        url=URL,
    )
    value.update(extra)
    return value


def run(arguments, **kwargs):
    return run_module(bird_webhook_subscription.main, arguments, **kwargs)


def test_check_apply_check_apply(bird):
    fake = bird(echo_key=True)
    given = args(
        signing_key=KEY,
        event_filters=[dict(key="platformId", value="voice-messagebird")],
    )
    checked = run(given, check=True, diff=True)
    assert checked["changed"] and checked["subscription"] == {} and fake.writes == []
    applied = run(given, diff=True)
    assert applied["changed"] and applied["diff"] == checked["diff"]
    assert applied["subscription"]["id"] == fake.items[0]["id"]
    assert applied["diff"]["after"]["signing_key"] == "set"
    for check in (True, False):
        again = run(given, check=check, diff=True)
        assert (
            not again["changed"] and again["diff"]["before"] == again["diff"]["after"]
        )
        assert again["subscription"]["id"] == applied["subscription"]["id"]
    assert len(fake.writes) == 1
    for result in (checked, applied, again):
        assert KEY not in str(result) and "signingKey" not in result["subscription"]


def test_organization_and_workspace_from_the_environment_and_empty_counts_as_unset(
    bird, monkeypatch
):
    fake = bird([subscription()])
    monkeypatch.setenv("BIRD_ORGANIZATION_ID", ORG)
    monkeypatch.setenv("BIRD_WORKSPACE_ID", WS)
    bare = dict(service="channels", event="channel.updated", url=URL, state="absent")
    result = run(bare)
    assert result["changed"] and fake.items == []
    assert fake.session.calls[0]["url"].startswith(
        API + "/organizations/%s/workspaces/%s/" % (ORG, WS)
    )
    monkeypatch.setenv("BIRD_ORGANIZATION_ID", "")
    result = run(bare)
    assert result["failed"] and "organization_id" in result["msg"]


def test_bad_input_fails_before_any_request_naming_every_option(bird):
    fake = bird()
    for given, expected in [
        (
            args(organization_id="org", workspace_id="ws"),
            ["organization_id must be a UUID", "workspace_id must be a UUID"],
        ),
        (
            args(url="http://eda.example.com/bird"),
            ["url 'http://eda.example.com/bird' is not a URL Bird accepts", "https://"],
        ),
        (args(url="https://203.0.113.7/bird"), ["url", "IP address"]),
        (args(event=" "), ["event must not be empty"]),
        (args(signing_key=" "), ["signing_key is empty"]),
        (args(service="sms"), ["value of service must be one of"]),
        (args(event_filters=[dict(key="platformId")]), ["value"]),
    ]:
        result = run(given)
        assert result["failed"] and not result.get("changed"), result
        assert all(text in result["msg"] for text in expected), result["msg"]
    assert fake.session.calls == []


def test_an_update_in_place_shows_a_diff_and_keeps_the_id(bird):
    existing = subscription(
        eventFilters=[dict(key="platformId", value="voice-messagebird")]
    )
    fake = bird([existing])
    result = run(
        args(
            event_filters=[
                dict(key="platformId", value="voice-messagebird"),
                dict(key="channelStatus", value="failed"),
            ],
            status="inactive",
        ),
        diff=True,
    )
    assert result["changed"] and result["subscription"]["id"] == existing["id"]
    (patch,) = fake.writes
    assert set(patch["json"]) == {"eventFilters", "status"}
    assert result["diff"]["before"]["status"] == "active"
    assert result["diff"]["after"]["status"] == "inactive"
    assert len(result["diff"]["after"]["event_filters"]) == 2


def test_several_matches_fail_naming_their_ids(bird):
    twins = [subscription(), subscription()]
    fake = bird(twins)
    result = run(args())
    assert result["failed"] and all(t["id"] in result["msg"] for t in twins)
    assert fake.writes == []


def test_the_signing_key_is_in_no_result_error_or_diff(bird):
    """Bird echoes the key in its answers, in an error's message and details, and in a returned field."""
    fake = bird(
        [subscription(signingKey="old-key-abcdef", template="x %s x" % KEY)],
        echo_key=True,
        fail=lambda method, path, body: (
            response(
                422,
                {
                    "code": "InvalidPayload",
                    "message": "signingKey %s is refused" % KEY,
                    "details": {"signingKey": [KEY], KEY: ["echoed as a name"]},
                },
            )
            if method == "PATCH"
            else None
        ),
    )
    failed = run(args(signing_key=KEY), diff=True)
    assert failed["failed"] and failed["status"] == 422
    assert "signingKey ******** is refused" in failed["msg"]
    assert len(fake.writes) == 1 and fake.writes[0]["json"] == {"signingKey": KEY}
    fake.fail = None
    applied = run(args(signing_key=KEY, template="y"), diff=True)
    assert applied["changed"]
    for result in (failed, applied):
        text = str(result)
        assert KEY not in text and "old-key-abcdef" not in text, text
        assert ACCESS_KEY not in text


def test_always_sends_the_key_when_bird_does_not_return_it(bird):
    fake = bird([subscription(signingKey="old")], echo_key=False)
    assert not run(args(signing_key=KEY))["changed"]
    for dummy in range(2):
        result = run(args(signing_key=KEY, update_signing_key="always"), diff=True)
        assert result["changed"] and result["diff"]["after"]["signing_key"] == "updated"
    assert [w["json"] for w in fake.writes] == [{"signingKey": KEY}] * 2


def test_a_malformed_list_fails_with_the_endpoint(bird):
    fake = bird(fail=lambda method, path, body: response(200, {"subscriptions": []}))
    result = run(args())
    assert result["failed"] and "malformed answer" in result["msg"]
    assert "webhook-subscriptions" in result["msg"] and fake.writes == []


def test_a_key_echoed_across_the_message_limit_is_masked_before_the_cut(bird):
    """A text error body (a gateway's page) echoing the key around its 500th character."""
    body = (
        "x" * 478 + " echo: " + KEY
    )  # the key starts at 485: 15 of its characters are kept
    fake = bird(
        fail=lambda method, path, body_=None: (
            response(400, body) if method == "POST" else None
        )
    )
    result = run(args(signing_key=KEY))
    assert result["failed"] and "echo: " in result["msg"] and len(fake.writes) == 1
    pieces = [KEY[i : i + 6] for i in range(len(KEY) - 5)]
    assert not [p for p in pieces if p in str(result)], result["msg"][-60:]
