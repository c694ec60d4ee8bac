# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Webhook subscriptions of Bird's Notifications API as Bird lists them, and the module base of the
modules that manage them; _webhook_changes makes one as asked. Internal.

A subscription lives in ``/organizations/{org}/workspaces/{ws}/webhook-subscriptions`` and is
identified by its service, event and URL: two subscriptions with the same three are ambiguous,
an error that names them. Its event filters (an unordered set of ``{key, value}``), template,
status and signing key are changed in place (PATCH), never by a delete and a create.

The signing key is a secret like the access key: it is stripped from every object Bird returns
(Bird's examples echo ``signingKey``) and scrubbed, in every form of ``secret_forms``, from every
text. Whether Bird returns it decides what can be compared:

- ``signingKey`` a non-empty string: the key Bird holds, compared with the one given;
- ``signingKey`` present but null or empty: Bird says there is no key, so a given key is set;
- no ``signingKey``: unknown. ``update_signing_key=on_create`` then leaves it alone,
  ``always`` sends it on every run (and so always reports a change).
"""

import json
import re
from urllib.parse import urlsplit

from ansible_collections.bird.engagements.plugins.module_utils._connection import (
    ENV_ORGANIZATION_ID,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import quote_id
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    check_uuid,
)
from ansible_collections.bird.engagements.plugins.module_utils._module import (
    BirdModule,
    env_fallback,
    workspace_option,
)

SERVICES = ("channels", "numbers", "payments", "conversations")
STATUSES = ("active", "inactive")
STATES = ("present", "absent")
UPDATE_SIGNING_KEY = ("on_create", "always")
# Bird's own pattern of a subscription URL (docs.bird.com, Notifications API); matched whole.
URL_PATTERN = r"^https://([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}(/[^\s]*)?$"
URL_RE = re.compile(URL_PATTERN)
LIST_LIMIT = 100
SIGNING_KEY = "signingKey"

# What Bird says of a subscription's signing key.
KEY_SET, KEY_NONE, KEY_UNKNOWN = "set", "not set", "not returned by Bird"

HINTS = {
    403: (
        "The access key is valid but its role or policy does not allow this call: grant it the "
        "webhook subscription (Notifications API) permissions in this organization and workspace"
    ),
    404: (
        "Check organization_id and workspace_id (the workspace must belong to the organization), and "
        "that api_url is the API's base URL (no path): the API does not know this resource"
    ),
}


# -- options -----------------------------------------------------------------------------


def organization_option():
    """The ``organization_id`` option (doc fragment ORGANIZATION)."""
    return dict(
        type="str", required=True, fallback=(env_fallback, [ENV_ORGANIZATION_ID])
    )


def selector_spec():
    """The options that place and select subscriptions, shared by both modules."""
    return dict(
        organization_id=organization_option(),
        workspace_id=workspace_option(),
        service=dict(type="str", choices=list(SERVICES)),
        event=dict(type="str"),
        url=dict(type="str"),
    )


def check_url(value, field="url"):
    """An error naming ``field`` (and why) unless Bird would accept ``value`` as a subscription URL."""
    if isinstance(value, str) and URL_RE.fullmatch(value):
        return None
    why = _url_problem(value)
    return (
        "%s %r is not a URL Bird accepts for a webhook (%s): Bird delivers only to a public https URL with a "
        "domain name and no port, such as https://events.example.com/bird, so put the Event-Driven Ansible "
        "listener (bird.engagements.bird_webhook) behind a TLS endpoint with a public name; nothing was sent"
        % (field, value, why)
    )


def _url_problem(value):
    if not isinstance(value, str) or not value:
        return "it is empty"
    if any(char.isspace() for char in value):
        return "it holds white space"
    if not value.startswith("https://"):
        return "it must start with https://, in lower case"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return "it is not a valid URL"
    host = parts.hostname or ""
    if port is not None or parts.netloc.endswith(":"):
        return "it names a port"
    if "@" in parts.netloc:
        return "it holds user information"
    if re.fullmatch(r"[0-9.]+", host) or ":" in host:
        return "its host is an IP address, not a domain name"
    if "." not in host.rstrip("."):
        return "its host %r is not a public domain name" % host
    if host.endswith("."):
        return "its host ends with a dot"
    return "its host must be letters, digits and hyphens, ending in a top-level domain of letters"


def check_request(params):
    """Errors of the module's own options, found before any request (the UUIDs are checked apart)."""
    errors = []
    if params.get("url") is not None:
        error = check_url(params["url"])
        errors.extend([error] if error else [])
    if params.get("event") is not None and not params["event"].strip():
        errors.append(
            "event must not be empty: give Bird's event name, such as channel.updated"
        )
    for index, item in enumerate(params.get("event_filters") or []):
        if not (item.get("key") or "").strip():
            errors.append("event_filters[%d].key must not be empty" % index)
    if params.get("signing_key") is not None and not params["signing_key"].strip():
        errors.append(
            "signing_key is empty: give the key deliveries are signed with, or leave it out"
        )
    return errors


# -- what Bird returns --------------------------------------------------------------------


def subscriptions_path(organization_id, workspace_id, *parts):
    """``/organizations/<org>/workspaces/<ws>/webhook-subscriptions[/<part>...]``, every segment quoted."""
    return "/organizations/%s/workspaces/%s/webhook-subscriptions%s" % (
        quote_id(organization_id),
        quote_id(workspace_id),
        "".join("/" + quote_id(part) for part in parts),
    )


def _is_key_field(name):
    return (
        isinstance(name, str)
        and name.replace("_", "").replace("-", "").lower() == "signingkey"
    )


def strip_key(value):
    """``value`` without any signing key field (``signingKey``, at any depth)."""
    if isinstance(value, dict):
        return {k: strip_key(v) for k, v in value.items() if not _is_key_field(k)}
    if isinstance(value, list):
        return [strip_key(v) for v in value]
    return value


def key_state(item):
    """What Bird says of a subscription's key: KEY_SET, KEY_NONE or KEY_UNKNOWN."""
    if SIGNING_KEY not in item:
        return KEY_UNKNOWN
    value = item[SIGNING_KEY]
    return KEY_SET if isinstance(value, str) and value else KEY_NONE


def has_signing_key(item):
    """True or False when Bird says whether the subscription has a key, else None."""
    return {KEY_SET: True, KEY_NONE: False}.get(key_state(item))


def _text(value):
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def filter_set(filters, what="eventFilters"):
    """Event filters as a frozenset of ``(key, value)`` texts; None/missing is no filter.

    Raises ValueError (with ``what``) for anything but a list of objects with a key."""
    if filters is None:
        return frozenset()
    if not isinstance(filters, list):
        raise ValueError("%s must be a list" % what)
    found = set()
    for item in filters:
        if not isinstance(item, dict) or item.get("key") is None:
            raise ValueError(
                "%s must be a list of objects with a key and a value" % what
            )
        found.add((_text(item["key"]), _text(item.get("value"))))
    return frozenset(found)


def filter_list(filters):
    """A filter set as Bird's ``[{"key", "value"}]``, sorted."""
    return [dict(key=key, value=value) for key, value in sorted(filters)]


def _filters_of(item, request_id=None, path=None):
    try:
        return filter_set(item.get("eventFilters"))
    except ValueError as err:
        raise BirdAPIError.malformed(
            "GET",
            path,
            "subscription %s: %s" % (item.get("id"), err),
            request_id=request_id,
        ) from err


def with_hint(error):
    """A failed call of this API, with what to do about a 403 or 404 here."""
    if error.status in HINTS:
        error.hint = HINTS[error.status]
    return error


def list_subscriptions(client, organization_id, workspace_id):
    """Every subscription of the workspace (every page, ``limit`` 100); malformed answers raise."""
    path = subscriptions_path(organization_id, workspace_id)
    try:
        items = client.list_all(path, limit=LIST_LIMIT)
    except BirdAPIError as err:
        raise with_hint(err) from err
    for item in items:
        _filters_of(item, path=path)
    return items


def matches(item, service=None, event=None, url=None):
    """Whether a subscription has this service, event and URL (each compared only when given)."""
    return all(
        wanted is None or item.get(field) == wanted
        for field, wanted in (("service", service), ("event", event), ("url", url))
    )


class Ambiguous(Exception):
    """Several subscriptions have the same service, event and URL."""


def the_subscription(items, service, event, url):
    """The one subscription of (service, event, url), or None; several raise :class:`Ambiguous`."""
    found = [item for item in items if matches(item, service, event, url)]
    if len(found) > 1:
        raise Ambiguous(
            "%d webhook subscriptions have service %s, event %s and url %s (ids: %s): one is expected. Remove "
            "all but one (state=absent removes none of them while there are several), then run again; nothing "
            "was changed"
            % (
                len(found),
                service,
                event,
                url,
                ", ".join(str(i.get("id")) for i in found),
            )
        )
    return found[0] if found else None


def subscription_fields(item):
    """What a subscription is and does, as the modules' options name it."""
    return dict(
        service=item.get("service"),
        event=item.get("event"),
        url=item.get("url"),
        event_filters=filter_list(filter_set(item.get("eventFilters"))),
        template=item.get("template"),
        status=item.get("status"),
    )


def info_row(item):
    """A subscription as a row of the info module: its fields, whether it has a key, Bird's object without it."""
    return dict(
        id=item.get("id"),
        has_signing_key=has_signing_key(item),
        subscription=strip_key(item),
        **subscription_fields(item)
    )


def subscription_rows(
    client, organization_id, workspace_id, service=None, event=None, url=None
):
    """The workspace's subscriptions of this service, event and URL (each when given), as info rows."""
    items = list_subscriptions(client, organization_id, workspace_id)
    return [info_row(item) for item in items if matches(item, service, event, url)]


# -- the module base ----------------------------------------------------------------------


class WebhookModule(BirdModule):
    """A BirdModule that also keeps the signing key out of every output (results, errors, diffs, warnings)."""

    def __init__(self, argument_spec, **kwargs):
        super().__init__(argument_spec, secrets=("signing_key",), **kwargs)
        key = self.params.get("signing_key")
        if key and not self.secrets:
            # White space only, refused by check_input: no secret, and masking it would mask every space.
            self.no_log_values.discard(key)

    def check_input(self):
        """Fail before any request, naming every option that cannot work; else the organization and
        workspace ids, lower case."""
        errors = [
            check_uuid(self.params[name], name)
            for name in ("organization_id", "workspace_id")
        ]
        errors = [error for error in errors if error] + check_request(self.params)
        if errors:
            self.fail_json(msg=self.scrub("; ".join(errors)), errors=self.scrub(errors))
        return (
            self.params["organization_id"].lower(),
            self.params["workspace_id"].lower(),
        )

    def answer(self, question, *args):
        """``question(client, *args)``, its failures turned into failures of the module."""
        client = self.client()
        try:
            return question(client, *args)
        except BirdAPIError as err:
            self.fail_api(err)
        except Ambiguous as err:
            self.fail_json(msg=self.scrub(str(err)))
        # pylint: disable-next=broad-exception-caught  # a bug: say so, never with a secret
        except Exception as err:
            self.fail_unexpected(err)
        return None  # not reached: fail_json exits
