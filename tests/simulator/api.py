# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The public Bird API endpoints: connectors, channels and numbers of a workspace (webhook
subscriptions, under the organization's workspace, are in webhooks.py).

The simulator has done the checks before these run (route, access key, workspace, rate limit,
fault rules); ``Endpoints.dispatch`` answers the request itself.
"""

from __future__ import annotations

import collections
import time
from urllib.parse import parse_qs, unquote

from .capabilities import can_carry_voice
from .channels import final_status, listed, render_channel, status_at, visible
from .faults import list_answer
from .paging import cut_page, list_limit
from .seed import VOICE_TEMPLATE_PREFIX
from .shapes import (
    Response,
    error,
    json_object,
    list_item_ids,
    render_connector,
    render_number,
    slug,
)
from .webhooks import RESOURCE, Subscriptions

CREATE_PROPERTIES = (
    "name",
    "connectorTemplateRef",
    "arguments",
    "channelConversationalStatusEnabled",
    "securityArguments",
    "invitationToken",
)

# resource -> (methods on the collection, methods on one item)
API_ROUTES = {
    "connectors": (("GET", "POST"), ("GET", "DELETE")),
    "channels": (("GET",), ("GET",)),
    "numbers": (("GET",), ("GET",)),
    RESOURCE: (("GET", "POST"), ("GET", "PATCH", "DELETE")),
}
# Resources whose path starts /organizations/{org}: those of the Notifications API.
ORGANIZATION_RESOURCES = (RESOURCE,)

Route = collections.namedtuple("Route", "organization workspace resource item")


def parse_route(path):
    """The Route of an API path (organization None for /workspaces/... paths), or None if it is no endpoint."""
    segments = [unquote(s) for s in path.split("/") if s]
    organization = None
    if segments[:1] == ["organizations"] and len(segments) > 2:
        organization, segments = segments[1], segments[2:]
    if not (
        3 <= len(segments) <= 4
        and segments[0] == "workspaces"
        and segments[2] in API_ROUTES
        and (organization is not None) == (segments[2] in ORGANIZATION_RESOURCES)
    ):
        return None
    item = segments[3] if len(segments) == 4 else None
    return Route(organization, segments[1], segments[2], item)


def route_name(method, route):
    prefix = "/organizations/{org}" if route.organization is not None else ""
    item = "/{id}" if route.item is not None else ""
    return f"{method} {prefix}/workspaces/{{ws}}/{route.resource}{item}"


def allowed_methods(route):
    return API_ROUTES[route.resource][route.item is not None]


def _validate_create(body):
    """(name, template, arguments, conv_status, None) of a create body, or an error response last."""
    details = {}
    for key in body:
        if key not in CREATE_PROPERTIES:
            details[key] = [
                f'unknown property; allowed: {", ".join(CREATE_PROPERTIES)}'
            ]
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        details["name"] = ["required: a non-empty string"]
    template = body.get("connectorTemplateRef")
    if not isinstance(template, str) or not template:
        details["connectorTemplateRef"] = ["required: a string"]
    arguments = body.get("arguments", {})
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        details["arguments"] = ["must be an object"]
        arguments = {}
    conv_status = body.get("channelConversationalStatusEnabled")
    if conv_status is not None and not isinstance(conv_status, bool):
        details["channelConversationalStatusEnabled"] = ["must be a boolean"]
    if details:
        return (
            None,
            None,
            None,
            None,
            error(422, "the request body is not valid", details),
        )
    return name, template, arguments, conv_status, None


def _voice_number(ws, phone_number_id, voiceless_create):
    """(number, voiceless, None) for a voice connector's phoneNumberId, or (None, None, error response).

    A number without voice is refused, or with voiceless_create "fail_channel" accepted (its channel ends failed).
    """
    field = "arguments.phoneNumberId"
    if not isinstance(phone_number_id, str) or not phone_number_id:
        problem = (
            "required for this connector template: the id of a number of the workspace"
        )
    else:
        number = ws["numbers"].get(phone_number_id)
        if number is None:
            problem = f"phone number {phone_number_id} was not found in this workspace"
        elif can_carry_voice(number):
            return number, False, None
        elif voiceless_create == "fail_channel":
            return number, True, None
        else:
            problem = (
                f'phone number {number["number"]} does not have the voice capability'
            )
    return (
        None,
        None,
        error(422, "the connector arguments are not valid", {field: [problem]}),
    )


class Endpoints:
    """The endpoint handlers over a Store, under the simulator's lock."""

    def __init__(self, store, lock):
        self.store = store
        self.lock = lock
        self.subscriptions = Subscriptions(store, lock)

    def dispatch(self, ctx, cfg, ws, resource, item_id, raw_body):
        params = {
            key: values[0]
            for key, values in parse_qs(ctx.query, keep_blank_values=True).items()
        }
        self.purge()
        if resource == RESOURCE:
            return self.subscriptions.dispatch(ctx, cfg, ws, item_id, raw_body, params)
        if resource == "connectors":
            if item_id is None:
                if ctx.method == "POST":
                    return self.create_connector(ctx, cfg, ws, raw_body)
                return self.list_connectors(ctx, cfg, ws, params)
            if ctx.method == "DELETE":
                return self.delete_connector(ctx, cfg, ws, item_id)
            return self.get_connector(cfg, ws, item_id)
        if resource == "channels":
            if item_id is None:
                return self.list_channels(ctx, cfg, ws, params)
            return self.get_channel(ws, item_id)
        if item_id is None:
            return self.list_numbers(ctx, cfg, ws, params)
        number = ws["numbers"].get(item_id)
        if number is None:
            return error(404, f"number {item_id} not found")
        return Response(200, render_number(number, cfg, single=True))

    def purge(self):
        """Carry out the delayed deletes (delete_delay) that are due, before a request looks at the state."""
        with self.lock:
            self.store.purge(time.time())

    def _render(self, connector, cfg, now, ids="both", template_fields="full"):
        return render_connector(
            connector, self.store.number_of(connector), cfg, now, ids, template_fields
        )

    # -- connectors ------------------------------------------------------------------

    def create_connector(self, ctx, cfg, ws, raw_body):
        body, refusal = json_object(raw_body)
        if refusal:
            return refusal
        name, template, arguments, conv_status, refusal = _validate_create(body)
        if refusal:
            return refusal
        phone_number_id = arguments.get("phoneNumberId")
        number, voiceless = None, False
        if template.startswith(VOICE_TEMPLATE_PREFIX):
            number, voiceless, refusal = _voice_number(
                ws, phone_number_id, cfg["voiceless_create"]
            )
            if refusal:
                return refusal
        elif isinstance(phone_number_id, str):
            number = ws["numbers"].get(phone_number_id)
        rendered = None
        with self.lock:
            if not (
                cfg["duplicate_refusal"]
                and isinstance(phone_number_id, str)
                and phone_number_id
                and self.store.find_connectors(
                    ws["id"], template, phone_number_id, cfg["duplicate_scope"]
                )
            ):
                connector = self.store.create_connector(
                    ws["id"],
                    name,
                    template,
                    arguments,
                    conv_status,
                    number,
                    cfg["channel_delay"],
                    setup_seconds=cfg["channel_setup_seconds"],
                    final=final_status(cfg, number, voiceless),
                    list_delay=cfg["list_delay"],
                )
                ctx.applied = True
                rendered = self._render(connector, cfg, time.time())
        if rendered is None:
            return error(
                cfg["duplicate_status"],
                cfg["duplicate_message"],
                code=cfg["duplicate_code"],
            )
        return Response(201, rendered)

    def get_connector(self, cfg, ws, connector_id):
        ids = "null" if cfg["get_item_ids"] == "null" else "both"
        with self.lock:
            connector = ws["connectors"].get(connector_id)
            rendered = (
                self._render(connector, cfg, time.time(), ids) if connector else None
            )
        if rendered is None:
            return error(404, f"connector {connector_id} not found")
        return Response(200, rendered)

    def list_connectors(self, ctx, cfg, ws, params):
        limit, refusal = list_limit("connectors", params, cfg)
        if refusal:
            return refusal
        wanted = (
            params.get(cfg["template_filter_param"])
            if cfg["template_filter_param"]
            else None
        )
        with self.lock:
            now = time.time()
            items = []
            for connector in ws["connectors"].values():
                template = connector["connectorTemplateRef"]
                if connector.get("listedAt", 0) > now:
                    continue  # list_delay: Bird lists a new connector only a while later
                if (
                    wanted
                    and template != wanted
                    and not (":" not in wanted and slug(template) == wanted)
                ):
                    continue
                items.append((connector["seq"], connector))
            items.sort(key=lambda item: item[0])
            page, refusal = cut_page(
                "connectors", items, params, limit, cfg["page_token_style"]
            )
            if refusal:
                return refusal
            results = [
                self._render(
                    connector,
                    cfg,
                    now,
                    list_item_ids(cfg["list_item_ids"], seq),
                    cfg["list_item_template"],
                )
                for seq, connector in page.items
            ]
        return list_answer(ctx, cfg, page, results)

    def delete_connector(self, ctx, cfg, ws, connector_id):
        keep = cfg["deleted_channel_visible"]
        with self.lock:
            now = time.time()
            connector = ws["connectors"].get(connector_id)
            rendered = None
            # A connector whose delete is under way is gone as far as another DELETE goes: 404, as when it is.
            if connector is not None and connector.get("deleteAt") is None:
                rendered = self._render(connector, cfg, now)
                if cfg["delete_delay"] > 0:
                    self.store.delete_later(
                        ws["id"], connector_id, now + cfg["delete_delay"], keep
                    )
                else:
                    self.store.delete_connector(ws["id"], connector_id, keep, now)
                ctx.applied = True
        if rendered is None:
            return error(404, f"connector {connector_id} not found")
        if cfg["delete_status"] == 204:
            return Response(204)
        return Response(cfg["delete_status"], rendered)

    # -- channels and numbers ---------------------------------------------------------

    def get_channel(self, ws, channel_id):
        with self.lock:
            now = time.time()
            channel = ws["channels"].get(channel_id)
            rendered = (
                render_channel(channel, now)
                if channel and visible(channel, now)
                else None
            )
        if rendered is None:
            return error(404, f"channel {channel_id} not found")
        return Response(200, rendered)

    def list_channels(self, ctx, cfg, ws, params):
        limit, refusal = list_limit("channels", params, cfg)
        if refusal:
            return refusal
        platform = params.get("platform") or None
        status = params.get("status") or None
        with self.lock:
            now = time.time()
            items = sorted(
                (
                    (c["seq"], c)
                    for c in ws["channels"].values()
                    if listed(c, now)
                    and platform in (None, c["platformId"])
                    and status in (None, status_at(c, now))
                ),
                key=lambda item: item[0],
            )
            page, refusal = cut_page(
                "channels", items, params, limit, cfg["page_token_style"]
            )
            if refusal:
                return refusal
            results = [render_channel(channel, now) for _seq, channel in page.items]
        return list_answer(ctx, cfg, page, results)

    def list_numbers(self, ctx, cfg, ws, params):
        limit, refusal = list_limit("numbers", params, cfg)
        if refusal:
            return refusal
        term = (params.get("searchTerm") or "").replace(" ", "").lstrip("+")
        status = params.get("status") or None
        with self.lock:
            items = sorted(
                (
                    (n["seq"], n)
                    for n in ws["numbers"].values()
                    if term in n["number"] and status in (None, n["status"])
                ),
                key=lambda item: item[0],
            )
            page, refusal = cut_page(
                "numbers", items, params, limit, cfg["page_token_style"]
            )
            if refusal:
                return refusal
            results = [render_number(number, cfg) for _seq, number in page.items]
        return list_answer(ctx, cfg, page, results)
