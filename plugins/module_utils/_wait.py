# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting until new channels work. Internal.

Installation is asynchronous: Bird assigns the channel, which goes from ``pending`` or
``setting-up`` to ``active``, or ends ``failed``. Each poll reads one channels list per workspace
still waiting, whatever the number of connectors; only where that list holds channels that do
not name their connector is a connector whose channel id is not known yet read on its own.
"""

from ansible_collections.bird.engagements.plugins.module_utils._backoff import (
    CHANNEL_POLL,
)
from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    BROKEN,
    DEGRADED,
    NOT_YET,
    channel_status,
    degraded_warning,
    describe,
    read_channels,
    verdict,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    Failure,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_channel_id,
    connector_id,
    template_slug,
)
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    get_connector,
)

NEW_CHANNEL_HINT = (
    "Bird could not set up the channel; check the number in Bird, then run again with replace_failed "
    "to replace the connector"
)


def _waiting(outcomes):
    return [
        o
        for o in outcomes
        if o.present
        and o.failure is None
        and o.connector is not None
        and (o.channel is None or verdict(channel_status(o.channel)) == NOT_YET)
    ]


def await_channels(client, outcomes, deadline, executor, sleep, clock, template_ref):
    """Poll until every present outcome's channel is past setting up, or ``deadline`` passes.
    Returns the warnings (channels that ended degraded)."""
    platform = template_slug(template_ref)
    warnings: list = []
    waiting = _waiting(outcomes)
    poll = 0
    started = None  # when the last poll started
    while waiting:
        # Polled at least once, even when the creates used up wait_timeout (429s, Retry-After):
        # a channel that became active meanwhile is reported, not a timeout.
        if poll and deadline.passed():
            # A connector with no channel listed is read once, to tell one deleted meanwhile
            # from one whose channel is late.
            unlisted = [o for o in waiting if o.channel is None]
            executor.map(
                lambda o: _reread(client, o.step.workspace_id, o, None), unlisted
            )
            for outcome in waiting:
                if outcome.failure is None:
                    outcome.failure = Failure(
                        outcome.step.prefix + _timeout(outcome, deadline)
                    )
            return warnings
        poll += 1
        pause = CHANNEL_POLL.delay(poll)
        if started is not None:
            pause -= clock() - started
        sleep(max(0.0, min(pause, deadline.remaining())))
        started = clock()
        by_workspace: dict = {}
        for outcome in waiting:
            by_workspace.setdefault(outcome.step.workspace_id, []).append(outcome)
        executor.map(
            lambda ws: _poll(client, ws, platform, by_workspace[ws], executor),
            sorted(by_workspace),
        )
        for outcome in waiting:
            warning = _conclude(outcome)
            if warning:
                warnings.append(outcome.step.prefix + warning)
        waiting = _waiting(waiting)
    return warnings


def _poll(client, workspace_id, platform, outcomes, executor):
    """One look at a workspace: its channels list, and each connector whose channel it does not name."""
    try:
        channels = read_channels(client, workspace_id, platform)
    except BirdAPIError as err:
        for outcome in outcomes:
            outcome.failure = Failure.from_api(
                err,
                "%swhile waiting for the channel of connector %s: "
                % (outcome.step.prefix, connector_id(outcome.connector)),
            )
        return
    unnamed = []
    for outcome in outcomes:
        connector = outcome.connector
        channel = channels.of(connector)
        if channel is not None:
            outcome.channel = channel
        elif connector_channel_id(connector) is None and not channels.name_connectors:
            unnamed.append(outcome)
    executor.map(lambda o: _reread(client, workspace_id, o, channels), unnamed)


def _reread(client, workspace_id, outcome, channels):
    try:
        connector = get_connector(client, workspace_id, connector_id(outcome.connector))
    except BirdAPIError as err:
        what = (
            "disappeared while waiting for its channel (deleted by someone else?)"
            if err.status == 404
            else "could not be read while waiting for its channel"
        )
        outcome.failure = Failure.from_api(
            err,
            "%sconnector %s %s: "
            % (outcome.step.prefix, connector_id(outcome.connector), what),
        )
        return
    if connector_channel_id(connector):
        outcome.connector = connector
        if channels is not None:
            outcome.channel = channels.of(connector)


def _named(outcome):
    """The number, connector id, channel id and status, as ``describe`` names a channel."""
    return (
        outcome.step.given,
        connector_id(outcome.connector),
        outcome.channel_id,
        channel_status(outcome.channel),
    )


def _conclude(outcome):
    """Fail an outcome whose channel broke; return a warning for one that ended degraded."""
    if outcome.failure is not None or outcome.channel is None:
        return None
    status = channel_status(outcome.channel)
    if verdict(status) == BROKEN:
        outcome.failure = Failure(
            "%s%s: %s"
            % (outcome.step.prefix, describe(*_named(outcome)), NEW_CHANNEL_HINT)
        )
    elif verdict(status) == DEGRADED:
        return degraded_warning(*_named(outcome))
    return None


def _timeout(outcome, deadline):
    if outcome.channel is not None:
        return (
            "%s after %s seconds (wait_timeout); run again later or raise wait_timeout"
            % (
                describe(
                    outcome.step.given,
                    connector_id(outcome.connector),
                    outcome.channel_id,
                    channel_status(outcome.channel),
                    verb="is still",
                ),
                deadline.seconds,
            )
        )
    return (
        "connector %s was installed but Bird listed no channel for it within %s seconds "
        "(wait_timeout); run again later or raise wait_timeout"
        % (connector_id(outcome.connector), deadline.seconds)
    )
