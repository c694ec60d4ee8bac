# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""How the simulator renders what it holds: errors, connectors and numbers (capabilities.py: capabilities; channels.py: channels)."""

from __future__ import annotations

import copy
import datetime
import functools
import json

from .capabilities import add_capabilities

REGION = "eu-west-1"
NO_BODY_STATUSES = (204, 304)
ERROR_CODES = {
    400: "InvalidPayload",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    422: "InvalidPayload",
    429: "TooManyRequests",
    500: "InternalServerError",
    502: "BadGateway",
    503: "ServiceUnavailable",
    504: "GatewayTimeout",
}

LIST_ITEM_IDS = ("both", "arguments", "number", "alternate", "none", "mixed", "null")
LIST_ITEM_TEMPLATES = ("full", "ref", "slug", "none")


class Response:
    """What the simulator answers: status, JSON body (or None, or bytes with their own Content-Type), headers;
    ``drop`` closes the connection instead."""

    __slots__ = ("status", "body", "headers", "drop")

    def __init__(self, status, body=None, headers=None, drop=False):
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.drop = drop


def error_body(status, message, details=None, code=None):
    body = {"code": code or ERROR_CODES.get(status, "Error"), "message": message}
    if details:
        body["details"] = details
    return body


def error(status, message, details=None, code=None, headers=None):
    return Response(status, error_body(status, message, details, code), headers)


def json_object(raw_body):
    """(the JSON object of a request body, None), or (None, error response): 400 if it is not JSON, 422 if not an object."""
    try:
        body = json.loads(raw_body.decode("utf-8")) if raw_body else None
    except (UnicodeDecodeError, ValueError):
        return None, error(400, "the request body is not valid JSON")
    if body is None and not raw_body:
        return None, error(400, "the request body is not valid JSON (empty body)")
    if not isinstance(body, dict):
        return None, error(
            422, "the request body must be a JSON object", {"$": ["must be an object"]}
        )
    return body, None


@functools.lru_cache(maxsize=65536)
def iso(epoch):
    """An epoch time as Bird writes it: 2025-02-07T16:48:03.963Z (cached: the same times are rendered again and again)."""
    stamp = datetime.datetime.fromtimestamp(epoch, tz=datetime.timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def slug(template):
    return template.split(":", 1)[0]


def ready(ready_at, now):
    return ready_at is not None and ready_at <= now


# -- resources --------------------------------------------------------------------


def render_number(number, cfg, single=False):
    """A number item; ``single`` for GET /numbers/{id} (number_capabilities_format, if set, applies)."""
    result = {"id": number["id"]}
    field = cfg["number_field"]
    if field in ("number", "both"):
        result["number"] = number["number"]
    if field in ("phoneNumber", "both"):
        result["phoneNumber"] = number["number"]
    result["country"] = number["country"]
    result["status"] = number["status"]
    fmt = (
        cfg["number_capabilities_format"]
        if single and cfg["number_capabilities_format"]
        else cfg["capabilities_format"]
    )
    return add_capabilities(result, number, fmt)


def list_item_ids(mode, seq):
    """The ids an item of a connector list shows under list_item_ids ``mode`` (the item's creation sequence: seq)."""
    if mode == "alternate":
        return "arguments" if seq % 2 else "number"
    if mode == "mixed":
        return "none" if seq % 3 == 0 else "both"
    return mode


def render_connector(connector, number, cfg, now, ids="both", template_fields="full"):
    """The API view of a connector.

    number: its number record (or None); ids: "both", "arguments", "number" or "none" (which number ids show),
    or "null" ("arguments": null, "number": null);
    template_fields: "full", "ref", "slug" or "none" (which of connectorTemplateRef, connectorTemplateSlug, channel.platform show).
    """
    template = connector["connectorTemplateRef"]
    platform = slug(template)
    is_ready = ready(connector["channelReadyAt"], now)
    result = {
        "id": connector["id"],
        "workspaceId": connector["workspaceId"],
        "name": connector["name"],
        "region": REGION,
    }
    if template_fields in ("full", "ref"):
        result["connectorTemplateRef"] = template
    if template_fields in ("full", "slug"):
        result["connectorTemplateSlug"] = platform
    arguments = {
        key: copy.deepcopy(value) if isinstance(value, (dict, list)) else value
        for key, value in connector["arguments"].items()
    }
    if ids == "null":
        # Both documented as nullable: the connector names no number at all.
        result["arguments"] = None
    elif ids in ("number", "none"):
        arguments.pop("phoneNumberId", None)
        if arguments:
            result["arguments"] = arguments
    else:
        result["arguments"] = arguments
    channel = {"platform": platform} if template_fields == "full" else {}
    if is_ready:
        result["channel"] = dict({"channelId": connector["channelId"]}, **channel)
    elif cfg["pending_channel"] == "null":
        result["channel"] = None
    elif cfg["pending_channel"] == "no_id":
        result["channel"] = channel
    if number is None or ids == "null":
        if ids != "none":
            result["number"] = None
    elif ids != "none":
        rendered = {"numberId": number["id"], "phoneNumber": number["number"]}
        add_capabilities(rendered, number, cfg["capabilities_format"])
        rendered["country"] = number["country"]
        if ids == "arguments":
            del rendered["numberId"]
        result["number"] = rendered
    result["createdAt"] = iso(connector["createdAt"])
    updated = connector["createdAt"]
    if is_ready:
        updated = max(updated, connector["channelReadyAt"])
    result["updatedAt"] = iso(updated)
    if cfg["extra_fields"]:
        result["extraUnknownField"] = {}
    return result
