# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One subscription made as asked, against scripted answers: identity, updates in place with only the
changed fields, the signing key rules whether Bird returns keys or not, absent, ambiguity.
"""

from urllib.parse import urlsplit

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._webhook_changes import (
    Desired,
    ensure,
)
from ansible_collections.bird.engagements.plugins.module_utils._webhooks import (
    KEY_NONE,
    KEY_SET,
    KEY_UNKNOWN,
    Ambiguous,
)
from ansible_collections.bird.engagements.tests.unit.helpers import response
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.test_webhooks import (
    KEY,
    ORG,
    PATH,
    URL,
    WS,
    FakeBird,
    client_of,
    subscription,
)


def desired(**params):
    values = dict(
        service="channels",
        event="channel.updated",
        url=URL,
        event_filters=None,
        template=None,
        signing_key=None,
        update_signing_key="on_create",
        status="active",
    )
    values.update(params)
    return Desired(values)


def run(bird, state="present", check_mode=False, **params):
    return ensure(client_of(bird), ORG, WS, desired(**params), state, check_mode)


# -- present ---------------------------------------------------------------------------------


def test_create_sends_what_is_given_and_returns_no_key():
    bird = FakeBird([subscription(url="https://other.example.com/bird")])
    filters = [dict(key="platformId", value="voice-messagebird")]
    checked = run(bird, check_mode=True, event_filters=filters, signing_key=KEY)
    assert checked.changed and checked.subscription == {} and bird.writes == []
    outcome = run(bird, event_filters=filters, signing_key=KEY, template="t1")
    assert outcome.changed and outcome.subscription["id"] == bird.items[1]["id"]
    assert "signingKey" not in outcome.subscription
    (post,) = bird.writes
    assert (post["method"], urlsplit(post["url"]).path) == ("POST", PATH)
    assert post["json"] == dict(
        service="channels",
        event="channel.updated",
        url=URL,
        eventFilters=filters,
        template="t1",
        signingKey=KEY,
    )
    assert outcome.diff["before"] == {"state": "absent"}
    assert outcome.diff["after"]["signing_key"] == KEY_SET
    assert KEY not in str(outcome.diff) and KEY not in str(checked.diff)


def test_create_of_an_inactive_one_then_sets_its_status():
    bird = FakeBird()
    outcome = run(bird, status="inactive")
    assert [w["method"] for w in bird.writes] == ["POST", "PATCH"]
    assert bird.writes[1]["json"] == {"status": "inactive"}
    assert outcome.subscription["status"] == "inactive"


@pytest.mark.parametrize("echo_key", [True, False])
def test_nothing_to_do_reads_only(echo_key):
    existing = subscription(
        signingKey=KEY,
        eventFilters=[dict(key="a", value="1"), dict(key="b", value="2")],
        template="t1",
    )
    bird = FakeBird([existing], echo_key=echo_key)
    outcome = run(
        bird,
        signing_key=KEY,
        template="t1",
        event_filters=[dict(key="b", value="2"), dict(key="a", value="1")],
    )
    assert not outcome.changed and bird.writes == []
    assert outcome.diff["before"] == outcome.diff["after"]
    assert outcome.subscription["id"] == existing["id"] and KEY not in str(
        outcome.subscription
    )


def test_an_update_patches_only_the_changed_fields_in_place():
    existing = subscription(
        eventFilters=[dict(key="a", value="1")], template="t1", signingKey=KEY
    )
    bird = FakeBird([existing])
    checked = run(
        bird, check_mode=True, event_filters=[dict(key="a", value="2")], template="t1"
    )
    assert checked.changed and bird.writes == []
    assert checked.subscription["eventFilters"] == [dict(key="a", value="2")]
    outcome = run(bird, event_filters=[dict(key="a", value="2")], template="t1")
    (patch,) = bird.writes
    assert (
        patch["method"] == "PATCH"
        and urlsplit(patch["url"]).path == PATH + "/" + existing["id"]
    )
    assert patch["json"] == {"eventFilters": [dict(key="a", value="2")]}
    assert outcome.subscription["id"] == existing["id"] and len(bird.items) == 1
    assert outcome.diff == checked.diff
    assert outcome.diff["before"]["event_filters"] == [dict(key="a", value="1")]
    assert outcome.diff["after"]["event_filters"] == [dict(key="a", value="2")]
    # The key is not managed here: what Bird says of it stays as it was.
    assert outcome.diff["before"]["signing_key"] == KEY_SET
    assert outcome.diff["after"]["signing_key"] == KEY_SET
    assert KEY not in str((outcome.subscription, checked.subscription))
    # Options not given are not managed: the template and filters stay as they are.
    again = run(bird)
    assert not again.changed and len(bird.writes) == 1


def test_status_and_template_are_updated_and_an_empty_filter_list_clears():
    bird = FakeBird(
        [subscription(eventFilters=[dict(key="a", value="1")], template="t1")]
    )
    run(bird, status="inactive", template="t2", event_filters=[])
    assert bird.writes[0]["json"] == {
        "eventFilters": [],
        "template": "t2",
        "status": "inactive",
    }


# -- the signing key --------------------------------------------------------------------------


def test_a_returned_key_that_differs_is_updated_alone_and_never_shown():
    bird = FakeBird([subscription(signingKey="old-key-1234567")], echo_key=True)
    outcome = run(bird, signing_key=KEY)
    assert outcome.changed and bird.writes[0]["json"] == {"signingKey": KEY}
    assert outcome.diff["before"]["signing_key"] == KEY_SET
    assert outcome.diff["after"]["signing_key"] == "updated"
    text = str((outcome.subscription, outcome.diff))
    assert KEY not in text and "old-key-1234567" not in text
    assert not run(bird, signing_key=KEY).changed and len(bird.writes) == 1


def test_a_key_bird_does_not_return_is_left_on_create_and_sent_with_always():
    bird = FakeBird([subscription(signingKey="old-key-1234567")], echo_key=False)
    kept = run(bird, signing_key=KEY)
    assert not kept.changed and bird.writes == []
    assert kept.diff["before"]["signing_key"] == KEY_UNKNOWN
    for dummy in range(2):  # every run: not idempotent, as documented
        sent = run(bird, signing_key=KEY, update_signing_key="always")
        assert sent.changed and bird.writes[-1]["json"] == {"signingKey": KEY}
    assert len(bird.writes) == 2 and bird.items[0]["signingKey"] == KEY
    checked = run(bird, check_mode=True, signing_key=KEY, update_signing_key="always")
    assert checked.changed and len(bird.writes) == 2


def test_bird_saying_there_is_no_key_gets_one_and_no_key_given_leaves_it_alone():
    bird = FakeBird([subscription(signingKey=None)])
    outcome = run(bird, signing_key=KEY)
    assert bird.writes[0]["json"] == {"signingKey": KEY}
    assert (
        outcome.diff["before"]["signing_key"],
        outcome.diff["after"]["signing_key"],
    ) == (
        KEY_NONE,
        KEY_SET,
    )
    assert not run(bird, update_signing_key="always").changed


# -- absent, ambiguity, failures ------------------------------------------------------------


def test_absent_deletes_the_one_asked_for_and_a_404_means_gone_already():
    keep = subscription(event="channel.created")
    gone = subscription(signingKey=KEY)
    bird = FakeBird([keep, gone])
    checked = run(bird, state="absent", check_mode=True)
    assert checked.changed and bird.writes == []
    outcome = run(bird, state="absent")
    assert outcome.changed and [w["method"] for w in bird.writes] == ["DELETE"]
    assert urlsplit(bird.writes[0]["url"]).path == PATH + "/" + gone["id"]
    assert outcome.subscription["id"] == gone["id"] and KEY not in str(
        outcome.subscription
    )
    assert outcome.diff == {
        "before": dict(checked.diff["before"]),
        "after": {"state": "absent"},
    }
    assert bird.items == [keep]
    assert not run(bird, state="absent").changed and len(bird.writes) == 1
    # Someone else removed it between the list and the delete.
    racing = FakeBird(
        [subscription()],
        fail=lambda method, path, body: (
            response(404, {"code": "NotFound"}) if method == "DELETE" else None
        ),
    )
    assert not run(racing, state="absent").changed


@pytest.mark.parametrize("state", ["present", "absent"])
def test_several_matching_subscriptions_fail_naming_their_ids(state):
    twins = [subscription(), subscription()]
    bird = FakeBird(twins + [subscription(event="channel.created")])
    with pytest.raises(Ambiguous) as err:
        run(bird, state=state)
    assert all(t["id"] in str(err.value) for t in twins)
    assert "2 webhook subscriptions" in str(err.value) and bird.writes == []


def test_a_create_that_may_have_been_applied_is_looked_up_not_sent_again():
    posts = []

    def lose_the_answer(method, path, body):
        """The first create is applied, and its answer lost behind a gateway's 502."""
        if method == "POST":
            posts.append(body)
            bird.items.append(subscription(**body))
            return response(502, None)
        return None

    bird = FakeBird(fail=lose_the_answer)
    outcome = run(bird)
    assert outcome.changed and len(bird.items) == 1 and len(posts) == 1
    assert outcome.subscription["id"] == bird.items[0]["id"]

    never = FakeBird(
        fail=lambda method, path, body: (
            response(503, {"code": "Unavailable"}) if method == "POST" else None
        )
    )
    with pytest.raises(BirdAPIError) as err:
        run(never)
    assert "HTTP 503" in str(err.value) and "no such subscription was listed" in str(
        err.value
    )
    assert [w["method"] for w in never.writes] == ["POST"]


def test_a_refusal_says_what_to_do_here():
    bird = FakeBird(
        fail=lambda method, path, body: response(
            403, {"code": "Forbidden", "message": "denied"}
        )
    )
    with pytest.raises(BirdAPIError) as err:
        run(bird)
    assert "HTTP 403 Forbidden: denied" in str(err.value)
    assert "webhook subscription" in str(err.value)
    missing = FakeBird(
        fail=lambda method, path, body: response(404, {"code": "NotFound"})
    )
    with pytest.raises(BirdAPIError) as err:
        run(missing)
    assert "Check organization_id and workspace_id" in str(err.value)
