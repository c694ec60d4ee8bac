# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Reading one workspace: its Voice connectors and, where needed, its numbers. Internal.

The planner, the info modules and the lookup all read a workspace here, so all of them see it
the same way. The connector list is read without a template filter: whether Bird honours one
is unverified, and an exact filter would hide other versions.
"""

from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    read_channels,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    workspace_path,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_id,
    connector_number_id,
    connector_phone_number,
    connector_slug,
    connector_template_ref,
    needs_detail,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    E164_RE,
    number_e164,
    number_id,
    number_voice,
)
from ansible_collections.bird.engagements.plugins.module_utils._parallel import serial

# Page sizes: the largest each list documents (a larger one is a validation error).
CONNECTOR_PAGE_LIMIT = 100
NUMBER_PAGE_LIMIT = 99


class VoiceConnectors:
    """The Voice connectors of one workspace, indexed by number id and by E.164 number.

    A connector may name its number in neither ``arguments`` nor ``number`` (both nullable), even
    in its own GET; its channel, found through the channels list, still names the E.164 number
    (``identified``). Connectors that nothing identifies are ``unidentified``. ``channels`` is
    the workspace's :class:`Channels` when they had to be read for that, else None.
    """

    def __init__(self, slug, connectors, identified=None, channels=None):
        self.channels = channels
        self.identified = identified or {}
        self.all = [c for c in connectors if connector_slug(c) == slug]
        self.by_number_id: dict = {}
        self.by_e164: dict = {}
        self.unidentified = []
        # Whether some connectors are known by their E.164 number alone (not by a number id).
        self.by_e164_only = False
        for connector in self.all:
            number_id = connector_number_id(connector)
            e164 = self.e164_of(connector)
            if number_id:
                self.by_number_id.setdefault(number_id, []).append(connector)
            if e164:
                self.by_e164.setdefault(e164, []).append(connector)
                self.by_e164_only = self.by_e164_only or not number_id
            if not (number_id or e164):
                self.unidentified.append(connector)

    def e164_of(self, connector):
        """The E.164 number of a connector: as it echoes it, else as its channel names it."""
        return connector_phone_number(connector) or self.identified.get(
            connector_id(connector)
        )

    def for_number(self, number_id=None, e164=None):
        """Every Voice connector of a number, by its id and by its E.164 number."""
        found = list(self.by_number_id.get(number_id, [])) if number_id else []
        for connector in self.by_e164.get(e164, []) if e164 else []:
            other = connector_number_id(connector)
            if connector not in found and (
                other is None or number_id is None or other == number_id
            ):
                found.append(connector)
        return found


def the_connector(found, template_ref):
    """The number's Voice connector among ``found`` (every Voice connector of one number): the only
    one, else the only one of exactly ``template_ref`` (where Bird allows one of each version on a
    number), else None."""
    if len(found) == 1:
        return found[0]
    exact = [c for c in found if connector_template_ref(c) == template_ref]
    return exact[0] if len(exact) == 1 else None


def list_connectors(client, workspace_id):
    return client.list_all(
        workspace_path(workspace_id, "connectors"), limit=CONNECTOR_PAGE_LIMIT
    )


def get_connector(client, workspace_id, connector_id_):
    return client.get(workspace_path(workspace_id, "connectors", connector_id_))


def _detail(client, workspace_id, connector):
    """The connector read on its own, or None when it is gone (deleted since it was listed)."""
    try:
        return get_connector(client, workspace_id, connector_id(connector))
    except BirdAPIError as err:
        if err.status == 404:
            return None
        raise


def _read_again(client, workspace_id, connectors, which, pmap):
    """``connectors``, with those ``which`` picks read on their own (and dropped if gone since)."""
    picked = [c for c in connectors if which(c)]
    read = dict(
        zip(map(id, picked), pmap(lambda c: _detail(client, workspace_id, c), picked))
    )
    return [c for c in (read.get(id(c), c) for c in connectors) if c is not None]


def read_voice_connectors(client, workspace_id, slug, pmap=serial):
    """Every Voice connector of the workspace (``slug``, any version), with list items completed."""
    # The list may leave out the template or the number; the connector itself has them.
    connectors = _read_again(
        client,
        workspace_id,
        list_connectors(client, workspace_id),
        lambda c: needs_detail(c, slug),
        pmap,
    )
    voice = VoiceConnectors(slug, connectors)
    # Of a number's several connectors the version decides which is its own (the_connector), so
    # those that give only the template's slug are read on their own too.
    unversioned = set(
        id(c)
        for group in voice.by_number_id.values()
        if len(group) > 1
        for c in group
        if connector_template_ref(c) is None
    )
    if unversioned:
        connectors = _read_again(
            client, workspace_id, connectors, lambda c: id(c) in unversioned, pmap
        )
        voice = VoiceConnectors(slug, connectors)
    if not voice.unidentified:
        return voice
    channels = read_channels(client, workspace_id, slug)
    identified = {}
    for connector in voice.unidentified:
        channel = channels.of(connector)
        identifier = channel.get("identifier") if channel else None
        if isinstance(identifier, str) and E164_RE.match(identifier.strip()):
            identified[connector_id(connector)] = identifier.strip()
    return VoiceConnectors(slug, connectors, identified, channels)


def list_numbers(client, workspace_id, search=None):
    params = {"searchTerm": search} if search else None
    return client.list_all(
        workspace_path(workspace_id, "numbers"), params=params, limit=NUMBER_PAGE_LIMIT
    )


class AmbiguousNumber(Exception):
    """An E.164 number that matches several numbers of the workspace (found, not raised)."""


class NumberBook:
    """Finds a workspace's numbers by E.164 or id, reading no more than needed."""

    def __init__(self, client, workspace_id):
        self.client = client
        self.workspace_id = workspace_id
        self._all = None

    def all(self):
        """Every number of the workspace (all pages, read once)."""
        if self._all is None:
            self._all = list_numbers(self.client, self.workspace_id)
        return self._all

    def get(self, number_id):
        """The number with this id, or None when the workspace has none."""
        try:
            return self.client.get(
                workspace_path(self.workspace_id, "numbers", number_id)
            )
        except BirdAPIError as err:
            if err.status == 404:
                return None
            raise

    def detailed(self, numbers, pmap):
        """``numbers`` (list items), each that does not say whether it has voice replaced by its
        own GET, which may."""
        unknown = [n for n in numbers if number_voice(n) is None]
        read = dict(
            zip(map(id, unknown), pmap(lambda n: self.get(n["id"]) or n, unknown))
        )
        return [read.get(id(n), n) for n in numbers]

    def matching(self, e164):
        """Every number with exactly this E.164 form (searched: the API's search also finds partial matches)."""
        return [
            n
            for n in list_numbers(
                self.client, self.workspace_id, search=e164.lstrip("+")
            )
            if number_e164(n) == e164
        ]

    def search(self, e164):
        """The number with exactly this E.164 form, or None; an AmbiguousNumber for several."""
        return self._one(self.matching(e164), e164)

    def _one(self, found, e164):
        ids = sorted(set(str(n.get("id")) for n in found))
        if len(ids) > 1:
            return AmbiguousNumber(
                "phone number %s matches several numbers in workspace %s: ids %s; use phone_number_id"
                % (e164, self.workspace_id, ", ".join(ids))
            )
        return found[0] if found else None

    def find(self, wanted):
        """``{key: number or None or AmbiguousNumber}`` for keys ``('id', id)`` and ``('e164', e164)``."""
        wanted = list(dict.fromkeys(wanted))
        if not wanted:
            return {}
        # One number is searched (or read by id); for more, the whole list is read once.
        if len(wanted) == 1 and self._all is None:
            kind, value = wanted[0]
            return {wanted[0]: self.get(value) if kind == "id" else self.search(value)}
        by_id: dict = {}
        by_e164: dict = {}
        for number in self.all():
            by_id[number_id(number)] = number
            by_e164.setdefault(number_e164(number), []).append(number)
        return {
            (kind, value): (
                by_id.get(value)
                if kind == "id"
                else self._one(by_e164.get(value, []), value)
            )
            for kind, value in wanted
        }
