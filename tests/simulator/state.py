# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""What the simulator holds: access keys, the organization's workspaces with their numbers, connectors,
channels and webhook subscriptions.

The seed and the generated workspaces make the start; the state file keeps connectors, channels,
subscriptions (and numbers added or changed through the admin API) across restarts. One lock (the
simulator's) guards a Store: the methods marked "(lock held)" expect the caller to hold it. A Store
tells ``events`` (deliveries.Outbox, when set) of the channel changes that webhooks report.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
import threading
import time
import uuid

from .channels import new_channel
from .checks import as_bool, as_int
from .seed import (
    DEFAULT_ACCESS_KEY,
    DEFAULT_ORGANIZATION,
    DEFAULT_TEMPLATE,
    GENERATED_NAMESPACE,
    VOICE,
    VOICELESS,
    generated_ids,
    is_voiceless,
    load_seed,
    make_number,
)
from .shapes import slug


def atomic_write(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class Store:
    """Access keys, workspaces, numbers, connectors and channels (see the module docstring for the locking)."""

    def __init__(self, options):
        self.options = options
        self.access_keys = {}
        self.workspaces = {}
        self.seed_connectors = {}
        self.seq = 0
        self.events = None  # a deliveries.Outbox; None: nobody listens
        self.voiceless_every = 0
        # (ws id, connector id) -> the time a delete (delete_delay) takes effect; see purge.
        self.pending_deletes = {}
        self.version = 0
        self.persisted_version = 0
        self.persist_lock = threading.Lock()
        seed = load_seed(options["seed"])
        self.organization_id = str(seed.get("organization_id") or DEFAULT_ORGANIZATION)
        for ws in seed.get("workspaces") or []:
            self._add_workspace(ws)
        generate = as_int("generate_workspaces", options["generate_workspaces"] or 0, 0)
        for ws in (
            generated_ids(generate, options["numbers_per_workspace"] or 0)
            if generate
            else []
        ):
            self._add_workspace(ws, generated=True)
        self._add_access_keys(seed.get("access_keys") or [])
        self.reset_to_seed()

    def _add_access_keys(self, entries):
        for entry in entries:
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("key"), str)
                or not entry["key"]
            ):
                raise ValueError('every seed access key needs a non-empty "key"')
            allowed = entry.get("workspaces", "*")
            if allowed != "*":
                if not isinstance(allowed, list):
                    raise ValueError(
                        'access key "workspaces" must be "*" or a list of workspace ids'
                    )
                allowed = frozenset(str(ws_id) for ws_id in allowed)
            self.access_keys[entry["key"]] = {
                "workspaces": allowed,
                "write": as_bool("write", entry.get("write", True)),
            }
        if self.options["access_key"]:
            self.access_keys[str(self.options["access_key"])] = {
                "workspaces": "*",
                "write": True,
            }
        if not self.access_keys:
            self.access_keys[DEFAULT_ACCESS_KEY] = {"workspaces": "*", "write": True}

    def _add_workspace(self, ws, generated=False):
        if not isinstance(ws, dict) or not ws.get("id"):
            raise ValueError('every seed workspace needs an "id"')
        ws_id = str(ws["id"])
        if ws_id in self.workspaces:
            raise ValueError(f"duplicate workspace id {ws_id}")
        numbers = {}
        for index, entry in enumerate(ws.get("numbers") or []):
            number = make_number(ws_id, entry, index + 1)
            if number["id"] in numbers:
                raise ValueError(
                    f'workspace {ws_id}: duplicate number id {number["id"]}'
                )
            if generated:
                number["generated"] = index
            numbers[number["id"]] = number
        self.workspaces[ws_id] = {
            "id": ws_id,
            "name": ws.get("name", ws_id),
            "numbers": numbers,
            "connectors": {},
            "channels": {},
            "subscriptions": {},
            "seed_numbers": list(numbers),
            # pristine copies, for reset (admin voice changes alter the records in place)
            "seed_records": copy.deepcopy(numbers),
        }
        self.seed_connectors[ws_id] = list(ws.get("connectors") or [])

    def apply_voiceless(self, voiceless_every):
        """(lock held) Give every K-th generated number SMS only (voiceless_every K; 0: all have voice)."""
        self.voiceless_every = voiceless_every
        for ws in self.workspaces.values():
            for number in ws["numbers"].values():
                if "generated" in number:
                    number["capabilities"] = list(
                        VOICELESS
                        if is_voiceless(number["generated"], voiceless_every)
                        else VOICE
                    )

    def reset_to_seed(self):
        """(lock held) Drop all connectors, channels, subscriptions, added numbers and number changes; re-create the seeded connectors."""
        self.seq = 0
        self.pending_deletes = {}
        for ws_id, ws in self.workspaces.items():
            ws["connectors"] = {}
            ws["channels"] = {}
            ws["subscriptions"] = {}
            ws["numbers"] = copy.deepcopy(ws["seed_records"])
            for index, entry in enumerate(self.seed_connectors[ws_id]):
                if not isinstance(entry, dict):
                    raise ValueError(
                        f"workspace {ws_id}: seed connectors must be objects"
                    )
                template = (
                    entry.get("connectorTemplateRef")
                    or entry.get("template")
                    or DEFAULT_TEMPLATE
                )
                arguments = copy.deepcopy(entry.get("arguments") or {})
                if entry.get("phoneNumberId"):
                    arguments["phoneNumberId"] = entry["phoneNumberId"]
                self.create_connector(
                    ws_id,
                    entry.get("name") or f"Seeded connector {index}",
                    template,
                    arguments,
                    entry.get("channelConversationalStatusEnabled"),
                    ws["numbers"].get(arguments.get("phoneNumberId")),
                    0.0,
                    connector_id=str(
                        entry.get("id")
                        or uuid.uuid5(
                            GENERATED_NAMESPACE, f"seed-connector-{ws_id}-{index}"
                        )
                    ),
                    channel_id=str(
                        entry.get("channelId")
                        or uuid.uuid5(
                            GENERATED_NAMESPACE, f"seed-channel-{ws_id}-{index}"
                        )
                    ),
                    final=str(entry.get("channelStatus") or "active"),
                    announce=False,
                )
        self.apply_voiceless(self.voiceless_every)
        self.version += 1

    # -- connectors, channels, numbers --------------------------------------------

    def create_connector(
        self,
        ws_id,
        name,
        template,
        arguments,
        conv_status,
        number,
        delay,
        connector_id=None,
        channel_id=None,
        setup_seconds=0.0,
        final="active",
        list_delay=0.0,
        announce=True,
    ):
        """(lock held) Insert a connector and its (possibly not yet visible) channel.

        delay: channel_delay (0: assigned at once, < 0: never); setup_seconds and final: the channel's
        setting-up time and final status (see channels.py); list_delay: how long lists leave both out;
        announce: tell events (webhooks) of the channel's steps (not for the seed, which is there from the start).
        """
        ws = self.workspaces[ws_id]
        now = time.time()
        self.seq += 1
        connector_id = connector_id or str(uuid.uuid4())
        channel_id = channel_id or str(uuid.uuid4())
        if delay == 0:
            ready_at = now
        elif delay > 0:
            ready_at = now + delay
        else:
            ready_at = None
        connector = {
            "id": connector_id,
            "workspaceId": ws_id,
            "name": name,
            "connectorTemplateRef": template,
            "arguments": copy.deepcopy(arguments),
            "phoneNumberId": number["id"] if number else None,
            "createdAt": now,
            "seq": self.seq,
            "channelId": channel_id,
            "channelReadyAt": ready_at,
            "listedAt": now + list_delay,
            "deleteAt": None,
        }
        if conv_status is not None:
            connector["channelConversationalStatusEnabled"] = conv_status
        ws["connectors"][connector_id] = connector
        channel = ws["channels"][channel_id] = new_channel(
            channel_id, template, name, connector, number, setup_seconds, final
        )
        if announce and self.events is not None:
            self.events.channel_steps(ws_id, channel)
        self.version += 1
        return connector

    def find_connectors(self, ws_id, template, phone_number_id, scope="platform"):
        """(lock held) Connectors of ws_id on phone_number_id of the same platform (scope "platform") or template ("template")."""
        kind = (lambda ref: ref) if scope == "template" else slug
        return [
            c
            for c in self.workspaces[ws_id]["connectors"].values()
            if kind(c["connectorTemplateRef"]) == kind(template)
            and c["arguments"].get("phoneNumberId") == phone_number_id
        ]

    def delete_connector(self, ws_id, connector_id, keep_channel=False, at=None):
        """(lock held) Remove a connector; returns it, or None if there is none.

        Its channel goes too, or with keep_channel stays readable with status "deleted" from ``at`` (default now).
        """
        ws = self.workspaces[ws_id]
        connector = ws["connectors"].pop(connector_id, None)
        if connector is None:
            return None
        self.pending_deletes.pop((ws_id, connector_id), None)
        channel = ws["channels"].get(connector["channelId"])
        if channel is not None:
            if keep_channel and channel["readyAt"] is not None:
                at = time.time() if at is None else at
                channel.setdefault("changes", []).append([at, "deleted"])
                if self.events is not None:
                    self.events.channel_changed(ws_id, channel, at)
            else:
                del ws["channels"][channel["id"]]
        self.version += 1
        return connector

    def delete_later(self, ws_id, connector_id, at, keep_channel):
        """(lock held) Delete a connector at time ``at`` (delete_delay): until then it is listed and readable."""
        connector = self.workspaces[ws_id]["connectors"][connector_id]
        connector["deleteAt"] = at
        connector["deleteKeepsChannel"] = keep_channel
        self.pending_deletes[(ws_id, connector_id)] = at
        if self.events is not None:
            self.events.purge_at(at)
        self.version += 1

    def purge(self, now):
        """(lock held) Carry out the delayed deletes (delete_delay) that are due."""
        for (ws_id, connector_id), at in list(self.pending_deletes.items()):
            if at <= now:
                connector = self.workspaces[ws_id]["connectors"].get(connector_id)
                keep = bool(connector and connector.get("deleteKeepsChannel"))
                self.delete_connector(ws_id, connector_id, keep, at)

    def find_channel(self, channel_id):
        """(lock held) (workspace, channel record) of a channel id in any workspace; raises LookupError."""
        for ws in self.workspaces.values():
            channel = ws["channels"].get(channel_id)
            if channel is not None:
                return ws, channel
        raise LookupError(f"channel {channel_id} not found")

    def set_channel_status(self, channel_id, status, at):
        """(lock held) Give a channel a new status from time ``at`` on; returns (workspace, channel record)."""
        ws, channel = self.find_channel(channel_id)
        channel.setdefault("changes", []).append([at, status])
        if self.events is not None:
            self.events.channel_changed(ws["id"], channel, at)
        self.version += 1
        return ws, channel

    def number_of(self, connector):
        """(lock held) The number record of a connector, or None."""
        if not connector["phoneNumberId"]:
            return None
        return self.workspaces[connector["workspaceId"]]["numbers"].get(
            connector["phoneNumberId"]
        )

    def find_number(self, number_id, ws_id=None):
        """(lock held) (workspace, number record) of a number id, in ws_id or the first workspace that has it; raises LookupError."""
        for ws in self.workspaces.values():
            if ws_id in (None, ws["id"]) and number_id in ws["numbers"]:
                return ws, ws["numbers"][number_id]
        raise LookupError(f"number {number_id} not found")

    def set_number_voice(self, number, status):
        """(lock held) Give a number voice with ``status`` (any string; "active": usable), or none with None.

        A number without a voice token gets "voice" (both directions); one with a direction keeps it.
        """
        tokens = [cap for cap in number["capabilities"] if not cap.startswith("voice")]
        if status is not None:
            kept = [
                cap
                for cap in number["capabilities"]
                if cap in ("voice", "voice-inbound", "voice-outbound")
            ]
            tokens += kept or ["voice"]
            if status == "active":
                number.pop("voice_status", None)
            else:
                number["voice_status"] = status
        number["capabilities"] = tokens
        number["voice_changed"] = True
        self.version += 1

    def add_number(self, ws_id, entry):
        """(lock held) Add a number (seed form) at the end of the workspace's numbers; returns its record."""
        numbers = self.workspaces[ws_id]["numbers"]
        number = make_number(
            ws_id, entry, max([n["seq"] for n in numbers.values()] + [0]) + 1
        )
        if number["id"] in numbers:
            raise LookupError(
                f'number {number["id"]} already exists in workspace {ws_id}'
            )
        numbers[number["id"]] = number
        self.version += 1
        return number

    # -- state file -----------------------------------------------------------------

    def load_state_file(self, path):
        """(not yet shared) Take connectors, channels and added numbers from path if it exists (else the caller writes it)."""
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        for ws_id, ws in self.workspaces.items():
            saved = (data.get("workspaces") or {}).get(ws_id)
            if saved is None:
                continue
            ws["connectors"] = {c["id"]: c for c in saved.get("connectors") or []}
            ws["channels"] = {c["id"]: c for c in saved.get("channels") or []}
            for number in saved.get("added_numbers") or []:
                ws["numbers"].setdefault(number["id"], number)
            for number_id, change in (saved.get("voice_changes") or {}).items():
                if number_id in ws["numbers"]:
                    ws["numbers"][number_id].update(change)
            ws["subscriptions"] = {s["id"]: s for s in saved.get("subscriptions") or []}
            for connector in ws["connectors"].values():
                if connector.get("deleteAt") is not None:
                    self.pending_deletes[(ws_id, connector["id"])] = connector[
                        "deleteAt"
                    ]
        self.seq = max(
            [int(data.get("seq") or 0)]
            + [
                item["seq"]
                for ws in self.workspaces.values()
                for kind in ("connectors", "subscriptions")
                for item in ws[kind].values()
            ]
        )
        self.version += 1
        self.persisted_version = self.version

    def snapshot(self):
        """(lock held) The persistent state as JSON text."""
        return json.dumps(
            {
                "version": 1,
                "seq": self.seq,
                "workspaces": {
                    ws_id: {
                        "connectors": list(ws["connectors"].values()),
                        "channels": list(ws["channels"].values()),
                        "added_numbers": [
                            n
                            for n_id, n in ws["numbers"].items()
                            if n_id not in ws["seed_numbers"]
                        ],
                        "voice_changes": {
                            n_id: {
                                key: n[key]
                                for key in (
                                    "capabilities",
                                    "voice_status",
                                    "voice_changed",
                                )
                                if key in n
                            }
                            for n_id, n in ws["numbers"].items()
                            if n_id in ws["seed_numbers"] and n.get("voice_changed")
                        },
                        "subscriptions": list(ws["subscriptions"].values()),
                    }
                    for ws_id, ws in self.workspaces.items()
                },
            },
            sort_keys=True,
            separators=(",", ":"),
        )

    def persist(self, lock):
        """Write the state file if the state changed since the last write; ``lock`` (the simulator's) is not held while writing."""
        path = self.options["state_file"]
        if not path:
            return
        with self.persist_lock:
            with lock:
                if self.version == self.persisted_version and os.path.exists(path):
                    return
                version = self.version
                text = self.snapshot()
            atomic_write(path, text)
            self.persisted_version = version
