# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Waiting for channel ids. Internal.

Installation is asynchronous: right after the create, a connector's ``channel`` may be
null or lack ``channelId``. :func:`await_channels` polls with the ``CHANNEL_POLL``
backoff (every 0.1 s at first, then less often), counted from the start of one poll to
the start of the next, so that a slow read (two list pages at 100 ms each) does not
stretch the interval: per workspace, a GET of each connector still waiting when they are
fewer than the workspace's connector pages, else one re-read of its connector list.
"""

from ansible_collections.bird.engagements.plugins.module_utils._backoff import (
    CHANNEL_POLL,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    Failure,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_channel_id,
    connector_id,
)
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    get_connector,
    list_connectors,
)


def _waiting(outcomes):
    return [
        o
        for o in outcomes
        if o.step.state == "present"
        and o.failure is None
        and o.connector is not None
        and connector_channel_id(o.connector) is None
    ]


def await_channels(client, outcomes, pages, deadline, pmap, sleep, clock):
    """Poll until every present outcome's connector has its channel id, or ``deadline`` passes.

    ``pages`` maps a workspace id to how many list pages its connectors take; ``sleep`` and
    ``clock`` are the service's (``deadline`` runs on the same clock).
    """
    waiting = _waiting(outcomes)
    # Not in a list re-read: read on their own next time (a 404 says deleted).
    missing: set = set()
    poll = 0
    started = None  # when the last poll started
    while waiting:
        # Polled at least once, even when the creates used up wait_timeout (429s, Retry-After):
        # a channel assigned meanwhile is reported, not a timeout.
        if poll and deadline.passed():
            for outcome in waiting:
                outcome.failure = Failure(
                    "%sconnector %s was installed but Bird assigned no channel id within %s seconds (wait_timeout); "
                    "run again later or raise wait_timeout"
                    % (
                        outcome.step.prefix,
                        connector_id(outcome.connector),
                        deadline.seconds,
                    )
                )
            return
        poll += 1
        pause = CHANNEL_POLL.delay(poll)
        if started is not None:
            # The interval runs from poll start to poll start: the last poll's reads took part of it.
            pause -= clock() - started
        sleep(max(0.0, min(pause, deadline.remaining())))
        started = clock()
        reads = _reads(waiting, pages, missing)
        for (workspace_id, connector), (fresh, error) in zip(
            reads, pmap(lambda r: _read(client, *r), reads)
        ):
            group = [
                o
                for o in waiting
                if o.step.workspace_id == workspace_id
                and (
                    connector_id(o.connector) == connector
                    or (connector is None and connector_id(o.connector) not in missing)
                )
            ]
            missing.update(_take(group, fresh, error, connector is not None))
        waiting = _waiting(waiting)


def _reads(waiting, pages, missing):
    """What to read this round: ``(workspace_id, connector id or None for the whole list)``."""
    by_workspace: dict = {}
    reads = []
    for outcome in waiting:
        if connector_id(outcome.connector) in missing:
            reads.append((outcome.step.workspace_id, connector_id(outcome.connector)))
        else:
            by_workspace.setdefault(outcome.step.workspace_id, []).append(outcome)
    for workspace_id, group in by_workspace.items():
        if len(group) <= pages.get(workspace_id, 1):
            reads.extend((workspace_id, connector_id(o.connector)) for o in group)
        else:
            reads.append((workspace_id, None))
    return reads


def _read(client, workspace_id, connector):
    try:
        if connector is None:
            return {
                connector_id(c): c for c in list_connectors(client, workspace_id)
            }, None
        return {connector: get_connector(client, workspace_id, connector)}, None
    except BirdAPIError as err:
        return None, err


def _take(group, fresh, error, one_by_one):
    """Take what a read found; return the ids a list re-read did not show."""
    missing = set()
    for outcome in group:
        if error is not None:
            if one_by_one and error.status == 404:
                outcome.failure = Failure.from_api(
                    error,
                    "%sconnector %s disappeared while waiting for its channel (deleted by "
                    "someone else?): "
                    % (outcome.step.prefix, connector_id(outcome.connector)),
                )
            else:
                outcome.failure = Failure.from_api(
                    error,
                    "%swhile waiting for the channel id of connector %s: "
                    % (outcome.step.prefix, connector_id(outcome.connector)),
                )
            continue
        connector = fresh.get(connector_id(outcome.connector))
        if connector is None:
            # Not listed (yet, or any more): the next round reads it on its own.
            missing.add(connector_id(outcome.connector))
        elif connector_channel_id(connector):
            # Only then: a list item may say less than the connector did.
            outcome.connector = connector
    return missing
