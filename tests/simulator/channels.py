# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Channels: their status over time, and how the API renders them.

A new connector's channel appears when it is assigned (``readyAt``, from ``channel_delay``). For the
``channel_setup_seconds`` after that it is not final: ``pending`` for the first half, then
``setting-up``; then it has its final status (``channel_final_status``, per number
``channel_final_status_by_number``, ``failed`` for a number without voice under
``voiceless_create: fail_channel``). Later changes (the admin API, a delete that leaves the channel
readable as ``deleted``) are kept as a history of (time, status), so the status at any moment, past
or present, is known: the webhook deliveries render a channel as it was when its event happened.

A channel record (in Store) holds: id, platformId, name, connectorId, identifier, seq, readyAt,
status (the final status), setupSeconds, changes ([[time, status], ...]), listedAt.
"""

from __future__ import annotations

from .shapes import iso, ready, slug

# Bird's documented values; any other string is allowed too, as Bird may add some.
CHANNEL_STATUSES = (
    "active",
    "pending",
    "setting-up",
    "failed",
    "inactive",
    "deleted",
    "warning",
)


def new_channel(
    channel_id, template, name, connector, number, setup_seconds, final_status
):
    """The record of the channel of connector (not yet assigned if its channelReadyAt is later or None)."""
    return {
        "id": channel_id,
        "platformId": slug(template),
        "name": name,
        "connectorId": connector["id"],
        "identifier": number["number"] if number else None,
        "seq": connector["seq"],
        "readyAt": connector["channelReadyAt"],
        "status": final_status,
        "setupSeconds": setup_seconds,
        "changes": [],
        "listedAt": connector.get("listedAt", connector["createdAt"]),
    }


def final_status(cfg, number, voiceless=False):
    """The status a new channel ends in (see the module docstring)."""
    if voiceless:
        return "failed"
    by_number = cfg["channel_final_status_by_number"]
    if number is not None:
        for key in (number["id"], number["number"]):
            if key in by_number:
                return by_number[key]
    return cfg["channel_final_status"]


def _setup_steps(channel):
    """[(time, status)] of the setting-up states after assignment, then the final status."""
    ready_at = channel["readyAt"]
    setup = channel.get("setupSeconds") or 0.0
    if ready_at is None:
        return []
    if setup <= 0:
        return [(ready_at, channel["status"])]
    return [
        (ready_at, "pending"),
        (ready_at + setup / 2, "setting-up"),
        (ready_at + setup, channel["status"]),
    ]


def timeline(channel):
    """Every (time, status) of the channel in order: its setup, then the changes made to it."""
    steps = [tuple(change) for change in channel.get("changes") or []]
    overridden = steps[0][0] if steps else None
    # A change ends the setup: the setup steps after it never happen.
    setup = [
        step
        for step in _setup_steps(channel)
        if overridden is None or step[0] < overridden
    ]
    return setup + steps


def status_at(channel, at):
    """The status the channel has at time ``at`` (its first one if ``at`` is before assignment)."""
    current = None
    for when, status in timeline(channel):
        if when > at and current is not None:
            break
        current = status
    return current


def updated_at(channel, at):
    """The time of the last status change at or before ``at`` (the assignment time at the least)."""
    times = [when for when, _status in timeline(channel) if when <= at]
    if channel["readyAt"] is not None:
        times.append(channel["readyAt"])
    return max(times) if times else None


def visible(channel, now):
    """Whether GET /channels/{id} finds the channel: once it is assigned."""
    return ready(channel["readyAt"], now)


def listed(channel, now):
    """Whether the channels list shows the channel: once assigned and past its list_delay."""
    return visible(channel, now) and channel.get("listedAt", 0) <= now


def render_channel(channel, at):
    """The API view of a channel as it is at time ``at`` (times are null while it was never assigned)."""
    updated = updated_at(channel, at)
    return {
        "id": channel["id"],
        "platformId": channel["platformId"],
        "name": channel["name"],
        "connectorId": channel["connectorId"],
        "identifier": channel["identifier"],
        "status": status_at(channel, at),
        "createdAt": None if channel["readyAt"] is None else iso(channel["readyAt"]),
        "updatedAt": None if updated is None else iso(updated),
    }
