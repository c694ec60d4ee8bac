# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Changes made behind the client's back, as someone else (or Bird itself) would make them: a
connector installed or removed, a number added, a channel's status changed. They are not API
requests: not counted, not rate limited, never faulted. A part of :class:`BirdSimulator`, which
holds the state and its lock.
"""

from __future__ import annotations

import copy
import threading
import time
import uuid

from .channels import final_status, render_channel
from .checks import as_float
from .deliveries import Outbox
from .seed import DEFAULT_TEMPLATE
from .shapes import render_connector, render_number
from .state import Store


def public_number(number):
    """A number as the Python API shows it (without the simulator's own bookkeeping)."""
    return {
        key: copy.deepcopy(value)
        for key, value in number.items()
        if key not in ("seq", "generated", "voice_changed")
    }


class Backstage:
    """insert_connector, delete_connector, add_number, set_channel_status, set_number_voice and emit_webhook,
    on the state of the simulator they are part of; deliveries and wait_deliveries, on its webhook outbox.
    """

    # Set by BirdSimulator.__init__: the state, its lock, the configuration and the webhook outbox.
    _store: Store
    _lock: threading.Lock
    _config: dict
    _outbox: Outbox

    @property
    def organization_id(self):
        """The organization every workspace belongs to (the seed's "organization_id")."""
        return self._store.organization_id

    def _persist(self):
        """Write the state file, if any (BirdSimulator does)."""

    def _workspace(self, workspace_id):
        ws = self._store.workspaces.get(str(workspace_id))
        if ws is None:
            raise LookupError(f"workspace {workspace_id} not found")
        return ws

    def insert_connector(
        self,
        workspace_id,
        phone_number_id,
        name=None,
        template=DEFAULT_TEMPLATE,
        force=False,
        channel_delay=0.0,
    ):
        """Insert a connector directly (as if someone else installed it); returns its API view.

        Its channel follows the same configuration as an API create (channel_setup_seconds, channel_final_status...,
        list_delay). Raises LookupError for an unknown workspace/number, or when one of the same platform exists,
        force is false and duplicate_refusal is true.
        """
        ws = self._workspace(workspace_id)
        number = ws["numbers"].get(str(phone_number_id)) if phone_number_id else None
        if phone_number_id and number is None:
            raise LookupError(
                f"number {phone_number_id} not found in workspace {workspace_id}"
            )
        channel_delay = as_float("channel_delay", channel_delay)
        arguments = {"phoneNumberId": number["id"]} if number else {}
        with self._lock:
            cfg = self._config
            if (
                number
                and not force
                and cfg["duplicate_refusal"]
                and self._store.find_connectors(
                    ws["id"], template, number["id"], self._config["duplicate_scope"]
                )
            ):
                raise LookupError(
                    "connector already exists (use force to insert a duplicate)"
                )
            connector = self._store.create_connector(
                ws["id"],
                name
                or (f'Voice {number["number"]}' if number else "Inserted connector"),
                template,
                arguments,
                None,
                number,
                channel_delay,
                setup_seconds=cfg["channel_setup_seconds"],
                final=final_status(cfg, number),
                list_delay=cfg["list_delay"],
            )
            rendered = render_connector(connector, number, cfg, time.time())
        self._persist()
        return rendered

    def delete_connector(self, workspace_id, connector_id):
        """Remove a connector and its channel behind the client's back (not an API write); returns its API view.

        With deleted_channel_visible the channel stays, as "deleted". workspace_id None: look in every workspace.
        Raises LookupError if there is no such connector.
        """
        workspaces = (
            [self._workspace(workspace_id)]
            if workspace_id is not None
            else list(self._store.workspaces.values())
        )
        with self._lock:
            for ws in workspaces:
                connector = ws["connectors"].get(str(connector_id))
                if connector is not None:
                    rendered = render_connector(
                        connector,
                        self._store.number_of(connector),
                        self._config,
                        time.time(),
                    )
                    self._store.delete_connector(
                        ws["id"],
                        connector["id"],
                        self._config["deleted_channel_visible"],
                    )
                    break
            else:
                raise LookupError(f"connector {connector_id} not found")
        self._persist()
        return rendered

    def add_number(
        self,
        workspace_id,
        number,
        capabilities=None,
        id=None,
        country="NL",
        status="active",
        voice_status="active",
    ):  # pylint: disable=redefined-builtin
        """Add a number to a workspace (after its others); returns it as in ``workspaces``.

        capabilities defaults to ["sms", "voice"]; id to a fresh uuid4; voice_status "pending" makes a number
        whose voice set_number_voice activates later. Raises LookupError for an unknown
        workspace or an id already there, ValueError for a bad number.
        """
        ws = self._workspace(workspace_id)
        entry = {
            "id": id or str(uuid.uuid4()),
            "number": number,
            "country": country,
            "status": status,
            "capabilities": ["sms", "voice"] if capabilities is None else capabilities,
            "voice_status": voice_status,
        }
        with self._lock:
            added = self._store.add_number(ws["id"], entry)
        self._persist()
        return public_number(added)

    def set_channel_status(self, channel_id, status):
        """Give a channel (of any workspace) a new status now, as Bird would (any string); returns it as the API shows it.

        A channel that is not assigned yet gets the status from its assignment on (and is shown as it will be then).
        Raises LookupError if there is no such channel, ValueError for a status that is not a non-empty string.
        """
        if not isinstance(status, str) or not status:
            raise ValueError(f"status: expected a non-empty string, got {status!r}")
        with self._lock:
            now = time.time()
            _ws, channel = self._store.set_channel_status(str(channel_id), status, now)
            rendered = render_channel(channel, max(now, channel["readyAt"] or now))
        self._persist()
        return rendered

    def set_number_voice(self, number_id, status, workspace_id=None):
        """Change a number's voice capability as Bird would, and send the numbers service's ``endpoint`` event.

        status: a voice status such as "active" or "pending" (the number gets voice, "voice" unless it has a
        direction token), or None (no voice). workspace_id None: the first workspace with that number id.
        Returns the number as the Python API shows it; raises LookupError or ValueError.
        """
        if status is not None and (not isinstance(status, str) or not status):
            raise ValueError(f"voice: expected a status string or null, got {status!r}")
        with self._lock:
            ws, number = self._store.find_number(str(number_id), workspace_id)
            self._store.set_number_voice(number, status)
            payload = render_number(number, self._config, single=True)
            self._outbox.deliver(ws, "numbers", "endpoint", payload)
            result = public_number(number)
        self._persist()
        return result

    def emit_webhook(self, workspace_id, service, event, payload):
        """Send an event with any payload to the matching active subscriptions of a workspace; returns the
        deliveries' request ids (one per subscription). Raises LookupError for an unknown workspace.
        """
        if not isinstance(service, str) or not isinstance(event, str):
            raise ValueError("service and event must be strings")
        ws = self._workspace(workspace_id)
        with self._lock:
            return self._outbox.deliver(ws, service, event, copy.deepcopy(payload))

    def deliveries(self):
        """Every webhook delivery attempt so far, oldest first (like GET /_sim/deliveries)."""
        return self._outbox.attempts()

    def wait_deliveries(self, timeout=10.0):
        """Wait until no delivery, retry or scheduled channel event is left; returns whether that happened in time."""
        return self._outbox.wait(timeout)
