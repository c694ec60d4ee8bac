# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read-only questions of the info modules and the ``voice_channel_id`` lookup. Internal.

They read a workspace the way the planner does (``_workspace``), so what they report
is what a run would see.
"""

from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    BROKEN,
    BROKEN_HINT,
    DEGRADED,
    NOT_YET,
)
from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    channel_status as channel_status_of,
)
from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    degraded_warning,
    describe,
    read_channels,
    verdict,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import InputError
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    UUID_RE,
    connector_channel_id,
    connector_id,
    connector_number_id,
    connector_template_ref,
    template_slug,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    E164_RE,
    number_e164,
    number_id,
    number_voice,
)
from ansible_collections.bird.engagements.plugins.module_utils._parallel import serial
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    AmbiguousNumber,
    NumberBook,
    read_voice_connectors,
    the_connector,
)


def voice_connectors(
    client,
    workspace_id,
    template_ref,
    phone_number=None,
    phone_number_id=None,
    connector=None,
    channel_status=True,
    pmap=serial,
):
    """The workspace's Voice connectors (the template's slug, any version) as rows, optionally filtered."""
    slug = template_slug(template_ref)
    voice = read_voice_connectors(client, workspace_id, slug, pmap)
    found = voice.all
    if connector:
        found = [c for c in found if connector_id(c).lower() == connector.lower()]
    if phone_number or phone_number_id:
        wanted = phone_number_id.lower() if phone_number_id else None
        if phone_number and wanted is None and not voice.for_number(None, phone_number):
            number = NumberBook(client, workspace_id).search(phone_number)
            if isinstance(number, AmbiguousNumber):
                raise InputError([str(number)])
            wanted = number_id(number)
        elif wanted and not phone_number and voice.by_e164_only:
            # Connectors known by their channel's number alone: the id's E.164 form finds them.
            phone_number = number_e164(NumberBook(client, workspace_id).get(wanted))
        matching = voice.for_number(wanted, phone_number)
        found = [c for c in found if c in matching]
    channels = None
    if channel_status and found:
        channels = voice.channels or read_channels(client, workspace_id, slug)
    rows = []
    for item in found:
        channel = channels.of(item) if channels else None
        rows.append(
            dict(
                connector_id=connector_id(item),
                channel_id=connector_channel_id(item) or (channel or {}).get("id"),
                phone_number_id=connector_number_id(item),
                phone_number=voice.e164_of(item),
                name=item.get("name"),
                connector_template_ref=connector_template_ref(item),
                channel_status=channel_status_of(channel),
                connector=item,
            )
        )
    return rows


def workspace_spec(workspace_id, rows):
    """``(spec, warnings)``: the workspace as one element of the role's ``voice_channels_workspaces``
    (fed back, it changes nothing); a connector that names no number cannot be listed.
    """
    numbers, warnings = [], []
    for row in rows:
        entry = {}
        if row["phone_number_id"]:
            entry["phone_number_id"] = row["phone_number_id"]
        if row["phone_number"]:
            entry["phone_number"] = row["phone_number"]
        if not entry:
            warnings.append(
                "connector %s names no phone number, so workspace_spec cannot list it"
                % row["connector_id"]
            )
            continue
        if isinstance(row["name"], str) and row["name"].strip():
            entry["name"] = row["name"]
        numbers.append(entry)
    return dict(workspace_id=workspace_id, numbers=numbers), warnings


def numbers(client, workspace_id, phone_number=None, voice=None, pmap=serial):
    """The workspace's numbers as rows (``id``, ``phone_number``, ``voice``, ``number``), optionally
    filtered; ``voice`` is None where neither the list nor the number's own GET says."""
    book = NumberBook(client, workspace_id)
    found = book.matching(phone_number) if phone_number else book.all()
    rows = []
    for number, detail in zip(found, book.detailed(found, pmap)):
        said = number_voice(detail)
        if voice is not None and said is not voice:
            continue
        rows.append(
            dict(
                id=number.get("id"),
                phone_number=number_e164(number),
                voice=said,
                number=number,
            )
        )
    return rows


def channel_ids(client, workspace_id, terms, template_ref, pmap=serial):
    """``(channel ids, warnings)``: the channel id of each term (an E.164 number or a phone number
    id), in order, reading the workspace's connectors and channels once. Raises :class:`InputError`
    naming every term without a usable channel (none, not assigned, still setting up, failed).
    """
    problems = [
        "%r is neither an E.164 number (+31201234567) nor a phone number id (UUID)"
        % (term,)
        for term in terms
        if not isinstance(term, str) or not (E164_RE.match(term) or UUID_RE.match(term))
    ]
    if problems:
        raise InputError(problems)
    slug = template_slug(template_ref)
    voice = read_voice_connectors(client, workspace_id, slug, pmap)
    book = NumberBook(client, workspace_id)
    resolved = book.find(
        [
            ("e164", t)
            for t in terms
            if t.startswith("+") and not voice.for_number(None, t)
        ]
    )
    channels = voice.channels or read_channels(client, workspace_id, slug)
    found, warnings = [], []
    for term in terms:
        e164 = term if term.startswith("+") else None
        number = resolved.get(("e164", term))
        if isinstance(number, AmbiguousNumber):
            problems.append(str(number))
            continue
        connectors = voice.for_number(
            number_id(number) or (None if e164 else term.lower()), e164
        )
        chosen = the_connector(connectors, template_ref)
        if chosen is None:
            problems.append(
                "%s has more than one Voice connector in workspace %s: %s"
                % (term, workspace_id, ", ".join(sorted(map(connector_id, connectors))))
                if connectors
                else "%s has no Voice connector in workspace %s" % (term, workspace_id)
            )
            continue
        channel = channels.of(chosen)
        channel_id = connector_channel_id(chosen) or (channel or {}).get("id")
        status = channel_status_of(channel)
        if channel_id is None:
            problems.append(
                "%s has a Voice connector (%s) whose channel Bird has not assigned yet"
                % (term, connector_id(chosen))
            )
        elif channel is not None and verdict(status) in (NOT_YET, BROKEN):
            problems.append(
                describe(term, connector_id(chosen), channel_id, status)
                + (
                    ": wait until it is active"
                    if verdict(status) == NOT_YET
                    else ": " + BROKEN_HINT
                )
            )
        else:
            found.append(channel_id)
            if channel is None:
                warnings.append(
                    "%s: Bird does not list Voice channel %s (connector %s), so its status is unknown"
                    % (term, channel_id, connector_id(chosen))
                )
            elif verdict(status) == DEGRADED:
                warnings.append(
                    degraded_warning(term, connector_id(chosen), channel_id, status)
                )
    if problems:
        raise InputError(problems)
    return found, warnings
