# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Webhook subscriptions (Bird's Notifications API) and which of them an event goes to.

``/organizations/{org}/workspaces/{ws}/webhook-subscriptions[/{id}]``: list, create, get, patch,
delete, under the same checks as every API call (simulator.py). The deliveries themselves are
deliveries.py's.
"""

from __future__ import annotations

import re
import time
import uuid

from .faults import list_answer
from .paging import cut_page, list_limit
from .shapes import Response, error, iso, json_object

RESOURCE = "webhook-subscriptions"
SERVICES = ("channels", "numbers", "payments", "conversations")
# The events the simulator knows of a service (others: any name); channels are filtered by these keys.
SERVICE_EVENTS = {
    "channels": ("channel.created", "channel.updated"),
    "numbers": ("endpoint",),
}
FILTER_KEYS = {"channels": ("platformId", "channelStatus")}
# A filter key -> the payload field it is compared with (the channel object calls its status "status").
FILTER_FIELDS = {"channelStatus": "status"}
URL_PATTERN = re.compile(r"^https://([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}(/[^\s]*)?$")
CREATE_PROPERTIES = (
    "service",
    "event",
    "eventFilters",
    "template",
    "url",
    "signingKey",
)
PATCH_PROPERTIES = ("url", "eventFilters", "template", "signingKey", "status")
SUBSCRIPTION_STATUSES = ("active", "inactive")
# Bird: "at most 5 subscriptions per filter combination".
MAX_PER_COMBINATION = 5


def _filters_problems(value, service, details):
    if value is None:
        return
    if not isinstance(value, list):
        details["eventFilters"] = ["must be a list of {key, value} objects, or null"]
        return
    allowed = FILTER_KEYS.get(service)
    for index, item in enumerate(value):
        path = f"eventFilters[{index}]"
        if not isinstance(item, dict) or set(item) != {"key", "value"}:
            details[path] = ['must be an object with exactly "key" and "value"']
        elif not all(isinstance(item[k], str) and item[k] for k in ("key", "value")):
            details[path] = ['"key" and "value" must be non-empty strings']
        elif allowed and item["key"] not in allowed:
            details[f"{path}.key"] = [
                f'unknown filter key for {service}; allowed: {", ".join(allowed)}'
            ]


def _check(body, properties, service, details):
    """Add to details the problems of the properties of body that a create or a patch may set."""
    for key in body:
        if key not in properties:
            details[key] = [f'unknown property; allowed: {", ".join(properties)}']
    if "url" in body and not (
        isinstance(body["url"], str) and URL_PATTERN.match(body["url"])
    ):
        details["url"] = [f"must match {URL_PATTERN.pattern}"]
    for key in ("template", "signingKey"):
        if body.get(key) is not None and not isinstance(body[key], str):
            details[key] = ["must be a string or null"]
    if "eventFilters" in body:
        _filters_problems(body["eventFilters"], service, details)
    if "status" in body and body["status"] not in SUBSCRIPTION_STATUSES:
        details["status"] = [f'must be one of {", ".join(SUBSCRIPTION_STATUSES)}']


def combination(service, event, filters):
    """What the limit of MAX_PER_COMBINATION counts by: service, event and the set of filters (null = none)."""
    pairs = sorted({(f["key"], f["value"]) for f in filters or []})
    return service, event, tuple(pairs)


def matches(subscription, service, event, payload):
    """Whether an event goes to the subscription: active, same service and event, every filter true of payload."""
    if (
        subscription["status"] != "active"
        or subscription["service"] != service
        or subscription["event"] != event
    ):
        return False
    return all(
        isinstance(payload, dict)
        and str(payload.get(FILTER_FIELDS.get(f["key"], f["key"]))) == f["value"]
        for f in subscription["eventFilters"] or []
    )


def render_subscription(subscription, echo_signing_key):
    """The API view; the signing key only with echo_signing_key (as in Bird's examples), else write-only."""
    result = {
        key: subscription[key]
        for key in (
            "id",
            "organizationId",
            "workspaceId",
            "service",
            "event",
            "eventFilters",
            "template",
            "url",
            "status",
        )
    }
    result["createdAt"] = iso(subscription["createdAt"])
    result["updatedAt"] = iso(subscription["updatedAt"])
    if echo_signing_key:
        result["signingKey"] = subscription["signingKey"]
    return result


class Subscriptions:
    """The subscription endpoints of a workspace, over a Store, under the simulator's lock."""

    def __init__(self, store, lock):
        self.store = store
        self.lock = lock

    def dispatch(self, ctx, cfg, ws, item_id, raw_body, params):
        if item_id is None:
            if ctx.method == "POST":
                return self.create(ctx, cfg, ws, raw_body)
            return self.list(ctx, cfg, ws, params)
        if ctx.method == "PATCH":
            return self.patch(ctx, cfg, ws, item_id, raw_body)
        with self.lock:
            subscription = ws["subscriptions"].get(item_id)
            if subscription is not None and ctx.method == "DELETE":
                del ws["subscriptions"][item_id]
                self.store.version += 1
                ctx.applied = True
            rendered = subscription and render_subscription(
                subscription, cfg["echo_signing_key"]
            )
        if subscription is None:
            return error(404, f"webhook subscription {item_id} not found")
        return Response(204) if ctx.method == "DELETE" else Response(200, rendered)

    def list(self, ctx, cfg, ws, params):
        limit, refusal = list_limit(RESOURCE, params, cfg)
        if refusal:
            return refusal
        with self.lock:
            items = sorted(
                ((s["seq"], s) for s in ws["subscriptions"].values()),
                key=lambda item: item[0],
            )
            page, refusal = cut_page(
                RESOURCE, items, params, limit, cfg["page_token_style"]
            )
            if refusal:
                return refusal
            results = [
                render_subscription(s, cfg["echo_signing_key"])
                for _seq, s in page.items
            ]
        return list_answer(ctx, cfg, page, results)

    def _crowded(self, ws, key, but=None):
        """The 422 when the combination ``key`` already has MAX_PER_COMBINATION subscriptions (besides ``but``)."""
        taken = [
            s
            for s in ws["subscriptions"].values()
            if s["id"] != but
            and combination(s["service"], s["event"], s["eventFilters"]) == key
        ]
        if len(taken) < MAX_PER_COMBINATION:
            return None
        return error(
            422,
            f"at most {MAX_PER_COMBINATION} subscriptions per filter combination",
            {"eventFilters": [f"{len(taken)} subscriptions have these already"]},
        )

    def create(self, ctx, cfg, ws, raw_body):
        body, refusal = json_object(raw_body)
        if refusal:
            return refusal
        details = {}
        service, event = body.get("service"), body.get("event")
        if service not in SERVICES:
            details["service"] = [f'required, one of {", ".join(SERVICES)}']
        if not isinstance(event, str) or not event:
            details["event"] = ["required: a non-empty string"]
        elif event not in SERVICE_EVENTS.get(service, (event,)):
            details["event"] = [
                f'unknown event of {service}; known: {", ".join(SERVICE_EVENTS[service])}'
            ]
        if "url" not in body:
            details["url"] = ["required"]
        _check(body, CREATE_PROPERTIES, service, details)
        if details:
            return error(422, "the request body is not valid", details)
        with self.lock:
            refusal = self._crowded(
                ws, combination(service, event, body.get("eventFilters"))
            )
            if refusal:
                return refusal
            now = time.time()
            self.store.seq += 1
            subscription = {
                "id": str(uuid.uuid4()),
                "organizationId": self.store.organization_id,
                "workspaceId": ws["id"],
                "service": service,
                "event": event,
                "eventFilters": body.get("eventFilters"),
                "template": body.get("template"),
                "url": body["url"],
                "signingKey": body.get("signingKey"),
                "status": "active",
                "createdAt": now,
                "updatedAt": now,
                "seq": self.store.seq,
            }
            ws["subscriptions"][subscription["id"]] = subscription
            self.store.version += 1
            ctx.applied = True
            rendered = render_subscription(subscription, cfg["echo_signing_key"])
        return Response(201, rendered)

    def patch(self, ctx, cfg, ws, item_id, raw_body):
        body, refusal = json_object(raw_body)
        if refusal:
            return refusal
        with self.lock:
            subscription = ws["subscriptions"].get(item_id)
            if subscription is None:
                return error(404, f"webhook subscription {item_id} not found")
            details: dict = {}
            _check(body, PATCH_PROPERTIES, subscription["service"], details)
            if details:
                return error(422, "the request body is not valid", details)
            if "eventFilters" in body:
                refusal = self._crowded(
                    ws,
                    combination(
                        subscription["service"],
                        subscription["event"],
                        body["eventFilters"],
                    ),
                    but=item_id,
                )
                if refusal:
                    return refusal
            subscription.update(body)
            subscription["updatedAt"] = time.time()
            self.store.version += 1
            ctx.applied = True
            rendered = render_subscription(subscription, cfg["echo_signing_key"])
        return Response(200, rendered)
