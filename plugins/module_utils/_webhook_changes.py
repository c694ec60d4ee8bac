# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How bird_webhook_subscription brings one subscription to what its options ask: the fields that
differ are PATCHed in place, a missing one is created, ``absent`` deletes it, and the diff never
holds the key. The subscriptions themselves (identity, keys, filters, the list) are in _webhooks.
Internal.
"""

from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    RETRY_CREATE,
    RETRY_READ,
)
from ansible_collections.bird.engagements.plugins.module_utils._webhooks import (
    KEY_NONE,
    KEY_SET,
    KEY_UNKNOWN,
    SIGNING_KEY,
    filter_list,
    filter_set,
    key_state,
    list_subscriptions,
    strip_key,
    subscription_fields,
    subscriptions_path,
    the_subscription,
    with_hint,
)

# -- deciding -----------------------------------------------------------------------------


class Desired:
    """What the module's options ask for; None for an option not given (not managed)."""

    def __init__(self, params):
        self.service = params["service"]
        self.event = params["event"].strip()
        self.url = params["url"]
        self.filters = (
            None
            if params.get("event_filters") is None
            else frozenset(
                (item["key"].strip(), item["value"]) for item in params["event_filters"]
            )
        )
        self.template = params.get("template")
        self.signing_key = params.get("signing_key")
        self.update_signing_key = params.get("update_signing_key") or "on_create"
        self.status = params.get("status")

    def create_body(self):
        body = dict(service=self.service, event=self.event, url=self.url)
        if self.filters is not None:
            body["eventFilters"] = filter_list(self.filters)
        if self.template is not None:
            body["template"] = self.template
        if self.signing_key is not None:
            body[SIGNING_KEY] = self.signing_key
        return body

    def changes(self, item):
        """The PATCH body that makes ``item`` as asked: only the fields that differ (empty: nothing to do)."""
        patch = {}
        if (
            self.filters is not None
            and filter_set(item.get("eventFilters")) != self.filters
        ):
            patch["eventFilters"] = filter_list(self.filters)
        if self.template is not None and (item.get("template") or "") != self.template:
            patch["template"] = self.template
        if self.status is not None and item.get("status") != self.status:
            patch["status"] = self.status
        if self.key_update(item):
            patch[SIGNING_KEY] = self.signing_key
        return patch

    def key_update(self, item):
        """Whether the key must be sent to the existing ``item`` (see the module's documentation)."""
        if self.signing_key is None:
            return False
        state = key_state(item)
        if state == KEY_SET:
            return item[SIGNING_KEY] != self.signing_key
        if state == KEY_NONE:
            return True
        return self.update_signing_key == "always"


def view(item, key=None):
    """The fields a diff shows of a subscription (never its key, only what Bird says of it)."""
    if item is None:
        return dict(state="absent")
    return dict(
        state="present", signing_key=key or key_state(item), **subscription_fields(item)
    )


def predicted(item, patch):
    """``item`` as it will be after ``patch``, without its key."""
    after = dict(strip_key(item))
    after.update(strip_key(patch))
    return after


# -- acting -------------------------------------------------------------------------------


class Outcome:
    """What a run did (or, in check mode, would do): ``changed``, Bird's object, the diff."""

    def __init__(self, changed, subscription, before, after):
        self.changed = changed
        self.subscription = strip_key(subscription or {})
        self.diff = dict(before=before, after=after)


def ensure(client, organization_id, workspace_id, desired, state, check_mode):
    """Make the workspace's subscription of (service, event, url) as asked; an :class:`Outcome`.

    Raises BirdAPIError (with what to do about it) and Ambiguous."""
    items = list_subscriptions(client, organization_id, workspace_id)
    current = the_subscription(items, desired.service, desired.event, desired.url)
    before = view(current)
    if state == "absent":
        if current is None:
            return Outcome(False, {}, before, before)
        changed = check_mode or _delete(client, organization_id, workspace_id, current)
        return Outcome(changed, current, before, view(None))
    if current is None:
        after = view(
            desired.create_body(),
            key=KEY_SET if desired.signing_key is not None else KEY_UNKNOWN,
        )
        after["status"] = desired.status or "active"
        if check_mode:
            return Outcome(True, {}, before, after)
        current = _create(client, organization_id, workspace_id, desired)
        # A create sets no status (one asked to be inactive is made so at once), and one found after a
        # create whose outcome was unknown may differ; a key it was just sent is not sent twice.
        patch = desired.changes(current)
        if key_state(current) == KEY_UNKNOWN:
            patch.pop(SIGNING_KEY, None)
        if patch:
            current = _patch(client, organization_id, workspace_id, current, patch)
        return Outcome(True, current, before, after)
    patch = desired.changes(current)
    if not patch:
        return Outcome(False, current, before, before)
    # What is known of the key after: the predicted object no longer holds it.
    key = key_state(current)
    if SIGNING_KEY in patch:
        key = KEY_SET if key == KEY_NONE else "updated"
    after = view(predicted(current, patch), key=key)
    if check_mode:
        return Outcome(True, predicted(current, patch), before, after)
    return Outcome(
        True,
        _patch(client, organization_id, workspace_id, current, patch),
        before,
        after,
    )


def _object(response):
    """The subscription a write answered with, or None (no body, or one without an id)."""
    if not isinstance(response.body, dict) or not response.body.get("id"):
        return None
    return response.body


def _create(client, organization_id, workspace_id, desired):
    path = subscriptions_path(organization_id, workspace_id)

    def listed():
        items = list_subscriptions(client, organization_id, workspace_id)
        return the_subscription(items, desired.service, desired.event, desired.url)

    try:
        response = client.request(
            "POST", path, body=desired.create_body(), retry=RETRY_CREATE
        )
    except BirdAPIError as err:
        if not err.maybe_applied:
            raise with_hint(err) from err
        # It may have been applied: look, never send it blindly again.
        found = listed()
        if found is None:
            err.hint = (
                "The create may not have been applied: no such subscription was listed afterwards. "
                "Run again to create it"
            )
            raise err from None
        return found
    # An answer without the subscription: it is what the list now holds.
    created = _object(response) or listed()
    if created is None:
        raise BirdAPIError.malformed(
            "POST",
            path,
            "HTTP %s without the subscription, which is not listed either"
            % response.status,
            request_id=response.request_id,
        )
    return created


def _patch(client, organization_id, workspace_id, current, patch):
    path = subscriptions_path(organization_id, workspace_id, current["id"])
    try:
        # Setting fields to given values is safe to repeat.
        response = client.request("PATCH", path, body=patch, retry=RETRY_READ)
    except BirdAPIError as err:
        raise with_hint(err) from err
    updated = _object(response)
    if updated is None:
        try:
            updated = client.get(path)
        except BirdAPIError as err:
            raise with_hint(err) from err
    return updated


def _delete(client, organization_id, workspace_id, current):
    """Delete ``current``; False when Bird says it was gone already (someone else removed it)."""
    path = subscriptions_path(organization_id, workspace_id, current["id"])
    try:
        response = client.request(
            "DELETE", path, retry=RETRY_READ, accept_status=(404,)
        )
    except BirdAPIError as err:
        raise with_hint(err) from err
    return response.status != 404 or response.uncertain
