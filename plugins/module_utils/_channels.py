# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Voice channels and their status. Internal.

A connector's channel id alone does not make a working channel: Bird documents a channel
status, and may add values. :func:`verdict` says what each means for a run.
"""

from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    workspace_path,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_channel_id,
    connector_id,
)
from ansible_collections.bird.engagements.plugins.module_utils._steps import REPLACE

CHANNEL_PAGE_LIMIT = 1000

# What a status means for a run.
USABLE = "usable"  # active
NOT_YET = "not yet"  # still being set up: wait for it
DEGRADED = "degraded"  # inactive, warning, or a status this collection does not know: a warning
BROKEN = "broken"  # failed, deleted: the entry fails

_VERDICTS = {
    "active": USABLE,
    "pending": NOT_YET,
    "setting-up": NOT_YET,
    "failed": BROKEN,
    "deleted": BROKEN,
    "inactive": DEGRADED,
    "warning": DEGRADED,
}


def verdict(status):
    """USABLE, NOT_YET, DEGRADED or BROKEN for a channel status (any other value is DEGRADED)."""
    return _VERDICTS.get(status, DEGRADED)


def channel_status(channel):
    """The channel's status as Bird gives it (None when it gives none)."""
    value = channel.get("status") if isinstance(channel, dict) else None
    return value if isinstance(value, str) and value else None


def describe(number, connector_id, channel_id, status, verb="is"):
    """How messages name a channel: its number, connector, id and status."""
    return "number %s: Voice channel %s (connector %s) %s %r" % (
        number,
        channel_id,
        connector_id,
        verb,
        status,
    )


BROKEN_HINT = (
    "it cannot carry calls. Set replace_failed to delete its connector and create a new one (the "
    "channel id changes), or repair it in Bird"
)


def degraded_warning(number, connector_id, channel_id, status):
    known = status in _VERDICTS
    return "%s%s: calls may not work; check it in Bird" % (
        describe(number, connector_id, channel_id, status),
        "" if known else ", a status this collection does not know",
    )


class Channels:
    """A workspace's channels of one platform, by channel id and by connector id."""

    def __init__(self, channels, platform):
        self.by_id = {}
        self.by_connector = {}
        for channel in channels:
            if channel.get("platformId") not in (None, platform):
                continue  # the platform filter is not taken on trust
            self.by_id[channel["id"]] = channel
            connector = channel.get("connectorId")
            if isinstance(connector, str) and connector:
                self.by_connector[connector] = channel
        # Whether every channel names its connector: then a connector whose channel is not listed
        # has none yet, and need not be read to learn its channel id.
        self.name_connectors = len(self.by_connector) == len(self.by_id)

    def of(self, connector):
        """A connector's channel (by the channel id it names, else by the channel's connectorId), or None."""
        return self.by_id.get(connector_channel_id(connector)) or self.by_connector.get(
            connector_id(connector)
        )


def read_channels(client, workspace_id, platform):
    """The :class:`Channels` of a workspace's platform (every page)."""
    return Channels(
        client.list_all(
            workspace_path(workspace_id, "channels"),
            params={"platform": platform},
            limit=CHANNEL_PAGE_LIMIT,
        ),
        platform,
    )


def check_channels(client, plan, channels, platform, pmap):
    """Read the status of every present number's existing channel (one list read, unless
    ``channels`` were read already): a broken one fails its entry or, with replace_failed, is
    replaced; a degraded one gives a warning. A channel the list does not show is read on its own.
    """
    adopted = [
        s
        for s in plan.steps
        if s.state == "present" and s.before is not None and s.failure is None
    ]
    if not adopted:
        return
    channels = channels or read_channels(client, plan.workspace_id, platform)
    for step in adopted:
        step.channel = channels.of(step.before)
    unlisted = [
        s for s in adopted if s.channel is None and connector_channel_id(s.before)
    ]
    for step, channel in zip(
        unlisted, pmap(lambda s: _get_channel(client, plan.workspace_id, s), unlisted)
    ):
        step.channel = channel
    for step in adopted:
        channel_id = connector_channel_id(step.before) or (step.channel or {}).get("id")
        named = (step.given, connector_id(step.before), channel_id)
        status = channel_status(step.channel)
        if channel_id and step.channel is None:
            problem = (
                "number %s: connector %s names Voice channel %s, which Bird does not know (HTTP 404)"
                % named
            )
        elif step.channel is None or verdict(status) in (USABLE, NOT_YET):
            continue
        elif verdict(status) == DEGRADED:
            plan.warnings.append(step.prefix + degraded_warning(*named, status))
            continue
        else:
            problem = describe(*named, status)
        if plan.group.options.replace_failed:
            step.action = REPLACE
        else:
            step.fail("%s: %s" % (problem, BROKEN_HINT))


def _get_channel(client, workspace_id, step):
    """A channel by id, or None when Bird does not know it."""
    try:
        return client.get(
            workspace_path(workspace_id, "channels", connector_channel_id(step.before))
        )
    except BirdAPIError as err:
        if err.status != 404:
            raise
    return None
