# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The admin API under /_sim: no auth, not counted, no rate limit, no latency (see "Admin API" in the README)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, unquote

from .checks import as_bool, as_float, as_int
from .seed import DEFAULT_TEMPLATE
from .shapes import Response, error

# route -> methods; "{id}" stands for one path segment
ROUTES = {
    "/health": ("GET",),
    "/stats": ("GET",),
    "/reset-stats": ("POST",),
    "/reset": ("POST",),
    "/state": ("GET",),
    "/config": ("GET", "POST"),
    "/faults": ("GET", "POST", "DELETE"),
    "/connectors": ("POST",),
    "/connectors/{id}": ("DELETE",),
    "/channels/{id}": ("POST",),
    "/numbers": ("POST",),
    "/numbers/{id}/capabilities": ("POST",),
    "/requests": ("GET",),
    "/deliveries": ("GET",),
    "/deliveries/wait": ("POST",),
    "/webhooks/emit": ("POST",),
}
JSON_BODY_ROUTES = (
    "/config",
    "/faults",
    "/connectors",
    "/numbers",
    "/channels/{id}",
    "/numbers/{id}/capabilities",
    "/deliveries/wait",
    "/webhooks/emit",
)
INSERT_CONNECTOR_KEYS = (
    "workspace_id",
    "phone_number_id",
    "name",
    "template",
    "force",
    "channel_delay",
)
ADD_NUMBER_KEYS = (
    "workspace_id",
    "number",
    "capabilities",
    "id",
    "country",
    "status",
    "voice_status",
)
EMIT_KEYS = ("workspace_id", "service", "event", "payload")


def _route(path):
    """(route template, item id or None) of an admin path: a segment of the path stands for a template's "{id}"."""
    route = path.rstrip("/")[len("/_sim") :] or "/"
    if route in ROUTES:
        return route, None
    segments = route.split("/")
    for template in ROUTES:
        parts = template.split("/")
        if "{id}" in parts and len(parts) == len(segments):
            index = parts.index("{id}")
            if segments[index] and segments[:index] + segments[index + 1 :] == (
                parts[:index] + parts[index + 1 :]
            ):
                return template, unquote(segments[index])
    return route, None


def handle(sim, method, path, query, raw_body):
    """Answer one /_sim request against the simulator ``sim`` (through its public methods); returns a Response."""
    route, item_id = _route(path)
    if route not in ROUTES:
        return error(
            404,
            f'no such admin endpoint: {path}; known: {", ".join("/_sim" + r for r in ROUTES)}',
        )
    if method not in ROUTES[route]:
        return error(
            405,
            f"method {method} is not allowed here",
            headers={"Allow": ", ".join(ROUTES[route])},
        )
    body = None
    if method == "POST" and route in JSON_BODY_ROUTES:
        try:
            body = json.loads(raw_body.decode("utf-8")) if raw_body else None
        except (UnicodeDecodeError, ValueError):
            return error(400, "the request body is not valid JSON")
    params = {
        key: values[0]
        for key, values in parse_qs(query, keep_blank_values=True).items()
    }
    try:
        return _answer(sim, method, route, item_id, body, params)
    except ValueError as exc:
        return error(400, str(exc))


def _object_body(body, keys, required):
    if not isinstance(body, dict):
        raise ValueError(f'expected a JSON object with {", ".join(keys)}')
    unknown = sorted(set(body) - set(keys))
    if unknown:
        raise ValueError(f'unknown key(s): {", ".join(unknown)}')
    missing = [key for key in required if not body.get(key)]
    if missing:
        raise ValueError(f'missing key(s): {", ".join(missing)}')
    return body


def _lookup_error(exc):
    return error(409 if "already exists" in str(exc) else 404, str(exc.args[0]))


def _answer(sim, method, route, item_id, body, params):
    # pylint: disable=too-many-return-statements
    if route == "/health":
        return Response(200, {"ok": True})
    if route == "/stats":
        return Response(200, sim.stats())
    if route == "/reset-stats":
        sim.reset_stats()
        return Response(200, {"ok": True})
    if route == "/reset":
        sim.reset()
        return Response(200, {"ok": True})
    if route == "/state":
        return Response(200, sim.state())
    if route == "/config":
        if method == "POST":
            sim.update_config(body or {})
        return Response(200, sim.config())
    if route == "/faults":
        if method == "POST":
            sim.add_faults(body)
        elif method == "DELETE":
            sim.clear_faults()
        return Response(200, {"faults": sim.faults()})
    if route == "/requests":
        return Response(200, sim.requests(as_int("limit", params.get("limit", 50), 0)))
    if route == "/deliveries":
        return Response(200, sim.deliveries())
    if route == "/deliveries/wait":
        body = _object_body(body or {}, ("timeout",), ())
        timeout = as_float("timeout", body.get("timeout", 10.0), 0.0, 300.0)
        return Response(200, {"empty": sim.wait_deliveries(timeout)})
    try:
        return _change_data(sim, route, item_id, body, params)
    except LookupError as exc:
        return _lookup_error(exc)


def _change_data(sim, route, item_id, body, params):
    """The admin changes behind the client's back: insert or delete a connector, add a number or change its voice,
    set a channel's status, emit a webhook event."""
    if route == "/channels/{id}":
        body = _object_body(body, ("status",), ("status",))
        return Response(200, sim.set_channel_status(item_id, body["status"]))
    if route == "/numbers/{id}/capabilities":
        body = _object_body(body, ("voice", "workspace_id"), ())
        if "voice" not in body:
            raise ValueError('missing key: voice (a status such as "active", or null)')
        return Response(
            200,
            sim.set_number_voice(item_id, body["voice"], body.get("workspace_id")),
        )
    if route == "/webhooks/emit":
        body = _object_body(body, EMIT_KEYS, ("workspace_id", "service", "event"))
        ids = sim.emit_webhook(
            body["workspace_id"], body["service"], body["event"], body.get("payload")
        )
        return Response(200, {"requestIds": ids})
    if route == "/connectors/{id}":
        return Response(
            200, sim.delete_connector(params.get("workspace_id") or None, item_id)
        )
    if route == "/numbers":
        body = _object_body(body, ADD_NUMBER_KEYS, ("workspace_id", "number"))
        if not isinstance(body["number"], str):
            raise ValueError("number: expected an E.164 string")
        return Response(
            201,
            sim.add_number(
                body["workspace_id"],
                body["number"],
                capabilities=body.get("capabilities"),
                id=body.get("id"),
                country=body.get("country") or "NL",
                status=body.get("status") or "active",
                voice_status=body.get("voice_status") or "active",
            ),
        )
    body = _object_body(body, INSERT_CONNECTOR_KEYS, ())
    return Response(
        201,
        sim.insert_connector(
            body.get("workspace_id"),
            body.get("phone_number_id"),
            name=body.get("name"),
            template=body.get("template") or DEFAULT_TEMPLATE,
            force=as_bool("force", body.get("force", False)),
            channel_delay=body.get("channel_delay", 0.0),
        ),
    )
