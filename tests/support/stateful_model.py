# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The model of the property-based test (tests/support/stateful.py): what a run asks (entries,
blocks), Bird's state as far as runs go (Voice connectors, channel statuses, other platforms),
what a request must change (:func:`expectation`), and a finished run in one shape (:class:`Outcome`).
"""

from __future__ import annotations

import collections
import json

from ansible_collections.bird.engagements.tests.support.simulators import (
    SMS_ONLY,
    VOICE_SLUG,
    WS1,
    WS1_VOICE,
    WS2,
    WS2_VOICE,
    connectors_by_number,
    number_id,
)

NUMBERS = {WS1: WS1_VOICE + [SMS_ONLY], WS2: list(WS2_VOICE)}
VOICE = {WS1: list(WS1_VOICE), WS2: list(WS2_VOICE)}
BROKEN = ("failed", "deleted")


# -- what was asked ------------------------------------------------------------------------


class Entry(collections.namedtuple("Entry", "workspace_id e164 form state wrong")):
    """One number as a run gives it: ``form`` is e164, id, both or mismatch (the id of ``e164`` with the
    E.164 number ``wrong``)."""

    __slots__ = ()

    @property
    def number_id(self):
        return number_id(self.e164)

    def options(self):
        if self.form == "e164":
            given = dict(phone_number=self.e164)
        elif self.form == "id":
            given = dict(phone_number_id=self.number_id)
        elif self.form == "both":
            given = dict(phone_number=self.e164, phone_number_id=self.number_id)
        else:
            given = dict(phone_number=self.wrong, phone_number_id=self.number_id)
        return dict(given, state=self.state)

    @property
    def unusable(self):
        """Why this entry cannot work, found before any write, or None."""
        if self.form == "mismatch":
            return "the E.164 form does not match the id"
        if self.state != "present":
            return None
        if self.e164 not in VOICE[self.workspace_id]:
            return "not a voice number of the workspace"
        return None


class Block(
    collections.namedtuple(
        "Block",
        "workspace_id entries exclusive all_voice_numbers max_deletions replace_failed",
    )
):
    __slots__ = ()

    def options(self):
        return dict(
            workspace_id=self.workspace_id,
            numbers=[e.options() for e in self.entries],
            exclusive=self.exclusive,
            all_voice_numbers=self.all_voice_numbers,
            max_deletions=self.max_deletions,
            replace_failed=self.replace_failed,
        )


def voice_map(state):
    """``{(workspace, number id): (connector ids)}`` of the Voice connectors: Bird's state as far as runs go."""
    return dict((k, tuple(sorted(v))) for k, v in connectors_by_number(state).items())


def status_map(state):
    """``{(workspace, number id): channel status}`` of the Voice connectors' channels Bird has."""
    statuses = {}
    for ws, workspace in state["workspaces"].items():
        by_id = dict((c["id"], c.get("status")) for c in workspace["channels"])
        for connector in workspace["connectors"]:
            if (connector.get("connectorTemplateRef") or "").split(":")[
                0
            ] != VOICE_SLUG:
                continue
            channel = (connector.get("channel") or {}).get("channelId")
            number = (connector.get("arguments") or {}).get("phoneNumberId")
            if channel in by_id:
                statuses[(ws, number)] = by_id[channel]
    return statuses


def channel_ids(state):
    """``{(workspace, number id): channel id}`` of the Voice connectors whose channel is assigned."""
    found = {}
    for ws, workspace in state["workspaces"].items():
        for connector in workspace["connectors"]:
            channel = (connector.get("channel") or {}).get("channelId")
            if channel and (connector.get("connectorTemplateRef") or "").startswith(
                VOICE_SLUG
            ):
                found[(ws, (connector.get("arguments") or {}).get("phoneNumberId"))] = (
                    channel
                )
    return found


def other_map(state):
    """Every connector of another platform, by id: no run may touch them."""
    return dict(
        (c["id"], c["connectorTemplateRef"])
        for ws in state["workspaces"].values()
        for c in ws["connectors"]
        if (c.get("connectorTemplateRef") or "").split(":")[0] != VOICE_SLUG
    )


def expectation(blocks, voice, statuses=None):
    """``(unusable, unmet, deletions over the limit)`` of a request against Bird's state ``voice`` and
    its channels' ``statuses``.

    ``unmet``: the (workspace, number id) that a run must change: a present number without a Voice
    connector, an absent one with one, what exclusive and all_voice_numbers add, and a present one
    whose channel is broken with replace_failed (without it, that number is unusable).
    """
    statuses = statuses or {}
    unusable: list = []
    unmet: set = set()
    over: list = []
    for block in blocks:
        ws = block.workspace_id
        listed = dict((e.number_id, e.state) for e in block.entries)
        unusable.extend(
            "%s %s: %s" % (ws, e.e164, e.unusable) for e in block.entries if e.unusable
        )
        present = set(n for n, state in listed.items() if state == "present")
        if block.all_voice_numbers:
            present.update(
                number_id(n) for n in VOICE[ws] if number_id(n) not in listed
            )
        absent = set(n for n, state in listed.items() if state == "absent")
        have = set(n for (w, n) in voice if w == ws)
        broken = set(n for n in present & have if statuses.get((ws, n)) in BROKEN)
        extra = have - present - absent if block.exclusive else set()
        if block.replace_failed:
            unmet.update((ws, n) for n in broken)
        else:
            unusable.extend("%s %s: its channel is broken" % (ws, n) for n in broken)
        deleting = len(extra) + (len(broken) if block.replace_failed else 0)
        if deleting > block.max_deletions:
            over.append(
                "%s: exclusive and replace_failed would delete %d, max_deletions %d"
                % (ws, deleting, block.max_deletions)
            )
        absent |= extra
        unmet.update((ws, n) for n in present - have)
        unmet.update((ws, n) for n in absent & have)
    return unusable, unmet, over


class Outcome:
    """A finished run, in one shape for the module, the batch and the role."""

    def __init__(self, kind, failed, msg, changed, rows, texts, seconds=0.0):
        self.kind = kind
        self.failed = failed
        self.msg = msg or ""
        self.changed = changed
        self.rows = rows
        self.texts = texts
        self.seconds = seconds

    def __repr__(self):
        return "Outcome(%s, failed=%s, changed=%s, msg=%r, rows=%s)" % (
            self.kind,
            self.failed,
            self.changed,
            self.msg[:800],
            json.dumps(self.rows)[:1500],
        )


def single_outcome(result, printed, entry):
    row = dict(
        workspace_id=entry.workspace_id,
        phone_number_id=result.get("phone_number_id"),
        channel_id=result.get("channel_id"),
        channel_status=result.get("channel_status"),
        connector_id=result.get("connector_id"),
        changed=result.get("changed"),
        state=entry.state,
        failed=bool(result.get("failed")),
    )
    return Outcome(
        "module",
        bool(result.get("failed")),
        result.get("msg"),
        result.get("changed"),
        [row],
        {"result": json.dumps(result), "stderr": printed},
    )


def batch_outcome(kind, result, texts):
    result = result if isinstance(result, dict) else {}
    return Outcome(
        kind,
        bool(result.get("failed")),
        result.get("msg"),
        result.get("changed"),
        list(result.get("results") or []),
        texts,
    )
