# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Read-only questions: a workspace's Voice connectors, its numbers, the channel id of a
number. Used by the info modules and the ``voice_channel_id`` lookup. Internal.

They read a workspace the way the planner does (``_workspace``), so what they report
is what a run would see.
"""

from ansible_collections.bird.engagements.plugins.module_utils._errors import InputError
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    workspace_path,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    UUID_RE,
    connector_channel_id,
    connector_id,
    connector_number_id,
    connector_phone_number,
    connector_template_ref,
    template_slug,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    E164_RE,
    number_e164,
    number_voice,
)
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    CHANNEL_PAGE_LIMIT,
    AmbiguousNumber,
    NumberBook,
    read_voice_connectors,
    the_connector,
)


def _serial(func, items):
    return [func(item) for item in items]


def channel_statuses(client, workspace_id, platform):
    """``{channel id: status}`` of the workspace's channels of a platform (every page)."""
    channels = client.list_all(
        workspace_path(workspace_id, "channels"),
        params={"platform": platform},
        limit=CHANNEL_PAGE_LIMIT,
    )
    return {c.get("id"): c.get("status") for c in channels}


def voice_connectors(
    client,
    workspace_id,
    template_ref,
    phone_number=None,
    phone_number_id=None,
    connector=None,
    channel_status=True,
    pmap=_serial,
):
    """The workspace's Voice connectors (the template's slug, any version) as rows, optionally filtered."""
    slug = template_slug(template_ref)
    voice = read_voice_connectors(client, workspace_id, slug, pmap)
    found = voice.all
    if connector:
        found = [c for c in found if connector_id(c).lower() == connector.lower()]
    if phone_number or phone_number_id:
        number_id = phone_number_id.lower() if phone_number_id else None
        if (
            phone_number
            and number_id is None
            and not voice.for_number(None, phone_number)
        ):
            try:
                number = NumberBook(client, workspace_id).search(phone_number)
            except AmbiguousNumber as err:
                raise InputError([str(err)]) from err
            number_id = (
                number["id"].lower()
                if number and isinstance(number.get("id"), str)
                else None
            )
        matching = voice.for_number(number_id, phone_number)
        found = [c for c in found if c in matching]
    statuses = (
        channel_statuses(client, workspace_id, slug) if channel_status and found else {}
    )
    rows = []
    for item in found:
        channel_id = connector_channel_id(item)
        rows.append(
            dict(
                connector_id=connector_id(item),
                channel_id=channel_id,
                phone_number_id=connector_number_id(item),
                phone_number=connector_phone_number(item),
                name=item.get("name"),
                connector_template_ref=connector_template_ref(item),
                channel_status=statuses.get(channel_id) if channel_id else None,
                connector=item,
            )
        )
    return rows


def workspace_spec(workspace_id, rows):
    """The workspace as one element of the role's ``voice_channels_workspaces``: fed back, it changes nothing.

    Returns ``(spec, warnings)``; a connector that names no number cannot be listed.
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


def numbers(client, workspace_id, phone_number=None, voice=None, pmap=_serial):
    """The workspace's numbers as rows (``id``, ``phone_number``, ``voice``, ``number``), optionally filtered.

    Where a list item does not say whether the number has voice, the number's own
    endpoint is asked; ``voice`` stays None if that does not say either.
    """
    book = NumberBook(client, workspace_id)
    found = book.matching(phone_number) if phone_number else book.all()
    unknown = [
        n for n in found if number_voice(n) is None and isinstance(n.get("id"), str)
    ]
    detailed = dict(
        zip([id(n) for n in unknown], pmap(lambda n: book.get(n["id"]) or n, unknown))
    )
    rows = []
    for number in found:
        said = number_voice(detailed.get(id(number), number))
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


def channel_ids(client, workspace_id, terms, template_ref, pmap=_serial):
    """The channel id of each term (an E.164 number or a phone number id), in order, reading the
    workspace's connectors once. Raises :class:`InputError` naming every term without one.
    """
    problems = []
    for term in terms:
        if not isinstance(term, str) or not (
            E164_RE.match(term) or UUID_RE.match(term)
        ):
            problems.append(
                "%r is neither an E.164 number (+31201234567) nor a phone number id (UUID)"
                % (term,)
            )
    if problems:
        raise InputError(problems)
    voice = read_voice_connectors(
        client, workspace_id, template_slug(template_ref), pmap
    )
    book = NumberBook(client, workspace_id, pmap)
    unmatched = [
        ("e164", t)
        for t in terms
        if t.startswith("+") and not voice.for_number(None, t)
    ]
    resolved = book.find(unmatched)
    found, problems = [], []
    for term in terms:
        if term.startswith("+"):
            number = resolved.get(("e164", term))
            if isinstance(number, AmbiguousNumber):
                problems.append(str(number))
                continue
            number_id = (
                number["id"].lower()
                if isinstance(number, dict) and isinstance(number.get("id"), str)
                else None
            )
            connectors = voice.for_number(number_id, term)
        else:
            connectors = voice.for_number(term.lower())
        chosen = the_connector(connectors, template_ref)
        if chosen is not None and connector_channel_id(chosen):
            found.append(connector_channel_id(chosen))
        elif not connectors:
            problems.append(
                "%s has no Voice connector in workspace %s" % (term, workspace_id)
            )
        elif chosen is not None:
            problems.append(
                "%s has a Voice connector (%s) whose channel Bird has not assigned yet"
                % (term, connector_id(chosen))
            )
        else:
            problems.append(
                "%s has more than one Voice connector in workspace %s: %s"
                % (
                    term,
                    workspace_id,
                    ", ".join(sorted(connector_id(c) for c in connectors)),
                )
            )
    if problems:
        raise InputError(problems)
    return found
