# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's client, used to observe: answers as they are, and writes kept to the spare number.

:class:`Probe` sends every request of ``make live`` outside the modules through one
:class:`BirdClient` (AccessKey auth, retries of reads, the rate limits, the key scrubbed from
every error). A 4xx other than 429 comes back as an :class:`Answer` instead of an error, so
that how Bird refuses is seen. Every write goes through :meth:`Probe.create` or
:meth:`Probe.delete`, which refuse anything but a Voice connector create for the spare number
and a delete of a connector this run created on it.
"""

from __future__ import annotations

import time

from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    RETRY_CREATE,
    workspace_path,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    DEFAULT_TEMPLATE,
    connector_id,
    connector_number_id,
    template_slug,
)

TEMPLATE = DEFAULT_TEMPLATE  # voice-messagebird:1
VOICE_SLUG = template_slug(TEMPLATE)
# 4xx answers are observations; 429 stays the client's (retried).
CLIENT_ERRORS = frozenset(range(400, 500)) - {429}
MAX_PAGES = 1000


class GuardError(Exception):
    """A write that would touch something other than the spare number: a bug of ``make live``."""


class Answer:
    """One answer: status, JSON body (None for none), request id; ``error`` for a failure
    that may have been applied (a 5xx or a lost connection after a write was sent)."""

    __slots__ = ("status", "body", "request_id", "error")

    def __init__(self, status, body=None, request_id=None, error=None):
        self.status = status
        self.body = body
        self.request_id = request_id
        self.error = error

    @property
    def ok(self):
        return self.status is not None and 200 <= self.status < 300

    @property
    def code(self):
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def message(self):
        return self.body.get("message") if isinstance(self.body, dict) else None


class Probe:
    """Requests to one workspace, counted; writes only for ``spare_id``."""

    def __init__(self, client, workspace_id, spare_id):
        self.client = client
        self.workspace_id = workspace_id
        self.spare_id = spare_id.lower()
        # Connector ids this run created on the spare number: the only ones it may delete.
        self.ours: list = []
        # Those of them that Bird said it deleted (2xx) or does not know (404).
        self.deleted: set = set()
        # Every write this process sent, in order (the modules' own writes are not seen here).
        self.writes: list = []
        self.request_ids = {"with": 0, "without": 0}

    def path(self, *parts):
        return workspace_path(self.workspace_id, *parts)

    def scrub(self, value):
        return self.client.scrub(value)

    def _count(self, request_id):
        self.request_ids["with" if request_id else "without"] += 1

    def _send(self, method, path, params=None, body=None, retry="read"):
        """An :class:`Answer` for a 2xx or 4xx; BirdAPIError for what the client gives up on."""
        kwargs = dict(params=params, body=body, accept_status=CLIENT_ERRORS)
        if retry == RETRY_CREATE:
            kwargs["retry"] = RETRY_CREATE
        try:
            response = self.client.request(method, path, **kwargs)
        except BirdAPIError as err:
            if err.status is not None:
                self._count(err.request_id)
            raise
        self._count(response.request_id)
        return Answer(response.status, response.body, response.request_id)

    def get(self, *parts, params=None):
        return self._send("GET", self.path(*parts), params=params)

    def pages(self, *parts, params=None, limit=None):
        """Every item of a list (following ``nextPageToken``) and how the list ended:
        ``(items, {"pages", "last_page_token", "status"})``. ``last_page_token`` says how the last page
        said it was the last: ``omitted``, ``empty`` (""), ``null``. A refused first page gives
        no items and its ``status``."""
        params = dict(params or {})
        if limit:
            params["limit"] = limit
        items: list = []
        info: dict = {"pages": 0, "last_page_token": None, "status": None}
        seen: set = set()
        for dummy in range(MAX_PAGES):
            answer = self.get(*parts, params=params)
            info["status"] = answer.status
            if not answer.ok:
                return items, info
            page = answer.body
            if not isinstance(page, dict) or not isinstance(page.get("results"), list):
                raise BirdAPIError.malformed(
                    "GET", self.path(*parts), "a list page without a results list"
                )
            info["pages"] += 1
            items.extend(i for i in page["results"] if isinstance(i, dict))
            if "nextPageToken" not in page:
                info["last_page_token"] = "omitted"
                return items, info
            token = page["nextPageToken"]
            if not token:
                info["last_page_token"] = "null" if token is None else "empty"
                return items, info
            if token in seen:
                raise BirdAPIError.malformed(
                    "GET", self.path(*parts), "a page token came back twice"
                )
            seen.add(token)
            params["pageToken"] = token
        raise BirdAPIError.malformed(
            "GET", self.path(*parts), "no last page after %d pages" % MAX_PAGES
        )

    # -- writes: the spare number only ---------------------------------------------------
    def create(self, name):
        """Install the Voice connector on the spare number. A 2xx's connector id joins ``ours``;
        a failure that may have been applied is an Answer with ``error`` (look for it later).
        """
        body = {
            "name": name,
            "connectorTemplateRef": TEMPLATE,
            "arguments": {"phoneNumberId": self.spare_id},
        }
        self._guard_create(body)
        path = self.path("connectors")
        write = {"method": "POST", "path": path, "number_id": self.spare_id}
        self.writes.append(write)
        try:
            answer = self._send("POST", path, body=body, retry=RETRY_CREATE)
        except BirdAPIError as err:
            write.update(status=err.status, outcome="unknown: %s" % err)
            return Answer(err.status, None, err.request_id, error=err)
        write["status"] = answer.status
        new_id = connector_id(answer.body) if isinstance(answer.body, dict) else None
        if answer.ok and new_id:
            self.ours.append(new_id)
            write["connector_id"] = new_id
        return answer

    def adopt(self, connector):
        """Count a connector on the spare number that this run created by other means (the modules)."""
        new_id = connector_id(connector) or ""
        self._guard_number(connector)
        if new_id and new_id not in self.ours:
            self.ours.append(new_id)

    def delete(self, connector_id_):
        """Uninstall a connector this run created on the spare number."""
        if connector_id_ not in self.ours:
            raise GuardError(
                "refusing to delete connector %s: this run did not create it on the spare number"
                % connector_id_
            )
        path = self.path("connectors", connector_id_)
        write = {"method": "DELETE", "path": path, "connector_id": connector_id_}
        self.writes.append(write)
        started = time.monotonic()
        try:
            answer = self._send("DELETE", path)
        except BirdAPIError as err:
            write.update(status=err.status, outcome="unknown: %s" % err)
            return Answer(err.status, None, err.request_id, error=err)
        write["status"] = answer.status
        write["seconds"] = round(time.monotonic() - started, 3)
        if answer.ok or answer.status == 404:
            self.deleted.add(connector_id_)
        return answer

    def _guard_create(self, body):
        ref = body.get("connectorTemplateRef")
        number = (body.get("arguments") or {}).get("phoneNumberId")
        if template_slug(ref) != VOICE_SLUG or str(number).lower() != self.spare_id:
            raise GuardError("refusing a create that is not for the spare number")

    def _guard_number(self, connector):
        number = connector_number_id(connector)
        if number is not None and number != self.spare_id:
            raise GuardError(
                "connector %s is on number %s, not on the spare number"
                % (connector_id(connector), number)
            )


# -- shapes of what Bird answers ------------------------------------------------------------


def capabilities_shape(number):
    """How a number object gives its capabilities: ``string``, ``object``, ``endpoint-list``
    (a list of objects), ``list`` (of names) or ``unknown`` (absent, empty, anything else).
    """
    if not isinstance(number, dict):
        return "unknown"
    caps = number.get("capabilities")
    if isinstance(caps, str):
        return "string"
    if isinstance(caps, dict):
        return "object"
    if isinstance(caps, list) and caps:
        if all(isinstance(c, str) for c in caps):
            return "list"
        if all(isinstance(c, dict) for c in caps):
            return "endpoint-list"
    return "unknown"


def number_field(number):
    """The field a number object gives its E.164 form in: ``number``, ``phoneNumber``, ``both`` or None."""
    if not isinstance(number, dict):
        return None
    found = [f for f in ("number", "phoneNumber") if isinstance(number.get(f), str)]
    if len(found) == 2:
        return "both"
    return found[0] if found else None


def channel_shape(connector):
    """What a connector says of its channel: ``assigned`` (with a channelId), ``null``,
    ``no-id`` (an object without channelId), ``absent`` (no key) or ``other``."""
    if not isinstance(connector, dict) or "channel" not in connector:
        return "absent"
    channel = connector["channel"]
    if channel is None:
        return "null"
    if isinstance(channel, dict):
        return "assigned" if channel.get("channelId") else "no-id"
    return "other"


def number_fields_named(item):
    """Which of a connector item's fields name its number."""
    arguments = item.get("arguments") if isinstance(item.get("arguments"), dict) else {}
    number = item.get("number") if isinstance(item.get("number"), dict) else {}
    named = []
    if arguments.get("phoneNumberId"):
        named.append("arguments.phoneNumberId")
    if number.get("numberId"):
        named.append("number.numberId")
    if number.get("phoneNumber"):
        named.append("number.phoneNumber")
    return named


def template_fields_named(item):
    """Which of a connector item's fields name its template."""
    channel = item.get("channel") if isinstance(item.get("channel"), dict) else {}
    named = [
        f for f in ("connectorTemplateRef", "connectorTemplateSlug") if item.get(f)
    ]
    if channel.get("platform"):
        named.append("channel.platform")
    return named
