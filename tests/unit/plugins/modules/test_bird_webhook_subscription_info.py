# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""bird_webhook_subscription_info: every page, the filters, whether each has a key, and never a key."""

import requests

from ansible_collections.bird.engagements.plugins.modules import (
    bird_webhook_subscription_info,
)
from ansible_collections.bird.engagements.tests.support.in_process import run_module
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.test_webhooks import (
    API,
    KEY,
    ORG,
    URL,
    WS,
    FakeBird,
    subscription,
)


def run(monkeypatch, fake, **extra):
    monkeypatch.setattr(requests, "Session", lambda: fake.session)
    monkeypatch.setenv("BIRD_ACCESS_KEY", "unit-access-key")
    monkeypatch.setenv("BIRD_API_URL", API)
    return run_module(
        bird_webhook_subscription_info.main,
        dict(dict(organization_id=ORG, workspace_id=WS), **extra),
    )


def test_every_page_filtered_with_whether_each_has_a_key(monkeypatch):
    items = [subscription(signingKey=KEY) for dummy in range(4)]
    items += [
        subscription(service="numbers", event="endpoint"),
        subscription(url="https://other.example.com/x", signingKey=None),
    ]
    fake = FakeBird(items, page_size=2)
    result = run(monkeypatch, fake)
    assert not result["changed"] and len(result["subscriptions"]) == 6
    assert len(fake.session.calls) == 3
    assert [r["has_signing_key"] for r in result["subscriptions"]] == [True] * 4 + [
        None,
        False,
    ]
    assert KEY not in str(result)
    assert result["subscriptions"][0]["subscription"]["id"] == items[0]["id"]
    only = run(monkeypatch, FakeBird(items), service="channels", url=URL)
    assert [r["id"] for r in only["subscriptions"]] == [i["id"] for i in items[:4]]
    none = run(monkeypatch, FakeBird(items), event="channel.created")
    assert none["subscriptions"] == []


def test_a_bad_id_fails_before_any_request(monkeypatch):
    fake = FakeBird()
    result = run(monkeypatch, fake, organization_id="nope")
    assert result["failed"] and "organization_id must be a UUID" in result["msg"]
    assert fake.session.calls == []
