# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The workspace as ``make live`` found it and left it, and whether the spare number is spare.

A :class:`Snapshot` holds every connector (id, template, number, name) and every channel (id,
platform, connector, status) of the workspace, read as the collection reads them (every page,
list items that do not say their template or number read one by one). :func:`compare` says
what differs between two; :func:`check_spare` stops the run before any write when the spare
number is not a voice number of the workspace without a Voice connector.
"""

from __future__ import annotations

from ansible_collections.bird.engagements.plugins.module_utils._http import (
    workspace_path,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_id,
    connector_number_id,
    describe_template,
    needs_detail,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    number_e164,
    number_voice,
)
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    get_connector,
    list_connectors,
    read_voice_connectors,
)
from ansible_collections.bird.engagements.tests.live.probe import (
    VOICE_SLUG,
    capabilities_shape,
    number_field,
)

CHANNEL_PAGE_LIMIT = 1000


class Refusal(Exception):
    """The run stops before any write: the message says why."""


class Snapshot:
    """Every connector and channel of a workspace at one moment."""

    def __init__(self, connectors, channels):
        self.connectors = {}
        for connector in connectors:
            self.connectors[connector_id(connector)] = {
                "template": describe_template(connector),
                "number_id": connector_number_id(connector),
                "name": connector.get("name"),
            }
        self.channels = {}
        for channel in channels:
            self.channels[channel.get("id")] = {
                "platform": channel.get("platformId"),
                "connector_id": channel.get("connectorId"),
                "status": channel.get("status"),
            }

    def summary(self):
        """Counts only (no names): what the report says of the workspace."""
        templates: dict = {}
        for connector in self.connectors.values():
            templates[connector["template"]] = (
                templates.get(connector["template"], 0) + 1
            )
        return {
            "connectors": len(self.connectors),
            "connectors_by_template": dict(sorted(templates.items())),
            "channels": len(self.channels),
        }


def read_snapshot(client, workspace_id):
    """The workspace's connectors (items without template or number read one by one) and channels."""
    connectors = list_connectors(client, workspace_id)
    for index, connector in enumerate(connectors):
        if needs_detail(connector, VOICE_SLUG):
            connectors[index] = get_connector(
                client, workspace_id, connector_id(connector)
            )
    channels = client.list_all(
        workspace_path(workspace_id, "channels"), limit=CHANNEL_PAGE_LIMIT
    )
    return Snapshot(connectors, channels)


def compare(before, after, ours):
    """``(differences, notes)`` between two snapshots. Channels of this run's connectors that Bird
    keeps as ``deleted`` are a note (Bird's record of what this run removed), not a difference;
    so are status changes of channels this run never touched."""
    differences, notes = [], []
    for cid in sorted(set(before.connectors) - set(after.connectors)):
        differences.append(
            "connector %s (%s) was there before and is gone"
            % (cid, before.connectors[cid]["template"])
        )
    for cid in sorted(set(after.connectors) - set(before.connectors)):
        whose = "created by this run" if cid in ours else "not created by this run"
        differences.append(
            "connector %s (%s, number %s) is new, %s"
            % (
                cid,
                after.connectors[cid]["template"],
                after.connectors[cid]["number_id"],
                whose,
            )
        )
    for cid in sorted(set(before.connectors) & set(after.connectors)):
        if before.connectors[cid] != after.connectors[cid]:
            differences.append("connector %s changed" % cid)
    for chid in sorted(set(before.channels) - set(after.channels)):
        differences.append("channel %s was there before and is gone" % chid)
    for chid in sorted(set(after.channels) - set(before.channels)):
        channel = after.channels[chid]
        if channel["connector_id"] in ours and channel["status"] == "deleted":
            notes.append(
                "channel %s of connector %s (created and deleted by this run) is still listed as deleted"
                % (chid, channel["connector_id"])
            )
        else:
            differences.append(
                "channel %s (%s, connector %s, %s) is new"
                % (
                    chid,
                    channel["platform"],
                    channel["connector_id"],
                    channel["status"],
                )
            )
    for chid in sorted(set(before.channels) & set(after.channels)):
        old, new = before.channels[chid], after.channels[chid]
        if (old["platform"], old["connector_id"]) != (
            new["platform"],
            new["connector_id"],
        ):
            differences.append("channel %s changed" % chid)
        elif old["status"] != new["status"]:
            notes.append(
                "channel %s went from %s to %s meanwhile (not touched by this run)"
                % (chid, old["status"], new["status"])
            )
    return differences, notes


def check_spare(probe, record, report_private):
    """The spare number as the API shows it; :class:`Refusal` unless it is a number of the workspace that
    can carry voice and has no Voice connector (of any version). ``record`` gets what was seen;
    ``report_private`` the number's E.164 form, which the report leaves out.
    """
    answer = probe.get("numbers", probe.spare_id)
    if answer.status == 404:
        raise Refusal(
            "BIRD_LIVE_NUMBER_ID %s is not a number of workspace %s (GET of the number: HTTP 404)"
            % (probe.spare_id, probe.workspace_id)
        )
    if not answer.ok or not isinstance(answer.body, dict):
        raise Refusal(
            "cannot read number %s: HTTP %s %s"
            % (probe.spare_id, answer.status, answer.code or "")
        )
    single = answer.body
    e164 = number_e164(single)
    if e164:
        report_private.append(e164)
    item = _list_item(probe, e164, record)
    record.update(
        {
            "capabilities_shape": capabilities_shape(item) if item else None,
            "number_capabilities_shape": capabilities_shape(single),
            "number_field": number_field(item) if item else None,
            "number_field_get": number_field(single),
            "number_voice": number_voice(item) if item else None,
            "number_voice_get": number_voice(single),
        }
    )
    if record["number_voice"] is False or record["number_voice_get"] is False:
        raise Refusal(
            "number %s (%s) says it has no voice capability: give a voice number as BIRD_LIVE_NUMBER_ID"
            % (probe.spare_id, e164)
        )
    voice = read_voice_connectors(probe.client, probe.workspace_id, VOICE_SLUG)
    found = voice.for_number(probe.spare_id, e164)
    if found:
        raise Refusal(
            "number %s (%s) already has a Voice connector: %s. make live needs a spare number and "
            "never touches a connector it did not create"
            % (
                probe.spare_id,
                e164,
                ", ".join(
                    "%s (%s)" % (connector_id(c), describe_template(c)) for c in found
                ),
            )
        )
    if voice.unidentified:
        raise Refusal(
            "Voice connectors %s name no number, even read one by one and through their channels: "
            "number %s may be one of theirs, so make live stops"
            % (", ".join(connector_id(c) for c in voice.unidentified), probe.spare_id)
        )
    return single, e164


def _list_item(probe, e164, record):
    """The spare number as the numbers list gives it: searched by its E.164 form, else the whole list."""
    searched = []
    if e164:
        searched, dummy = probe.pages(
            "numbers", params={"searchTerm": e164.lstrip("+")}, limit=99
        )
    item = _with_id(searched, probe.spare_id)
    record["number_search_finds_it"] = item is not None if e164 else None
    if item is None:
        every, dummy = probe.pages("numbers", limit=99)
        item = _with_id(every, probe.spare_id)
    record["numbers_list_shows_it"] = item is not None
    return item


def _with_id(numbers, number_id):
    for number in numbers:
        if str(number.get("id", "")).lower() == number_id:
            return number
    return None


def spare_connectors(probe, e164):
    """The Voice connectors on the spare number now, as the collection finds them."""
    voice = read_voice_connectors(probe.client, probe.workspace_id, VOICE_SLUG)
    return voice.for_number(probe.spare_id, e164)
