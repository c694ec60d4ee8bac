# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning: read each workspace once and decide, for every number, what to do. Internal.

Nothing here writes. A :class:`Step` is one number's decision: create its connector,
delete it, or nothing; or a :class:`Failure` saying why it cannot be carried out.
Steps come from the listed numbers, from ``all_voice_numbers`` (every voice number of
the workspace) and from ``exclusive`` (every other Voice connector of the workspace).
Any failure here stops the run before the first write.
"""

from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    listing_conflict,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    Failure,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_id,
    connector_number_id,
    connector_phone_number,
    connector_template_ref,
    describe_template,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    number_e164,
    number_voice,
)
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    AmbiguousNumber,
    NumberBook,
    read_voice_connectors,
    the_connector,
)

LISTED = "listed"
ALL_VOICE_NUMBERS = "all_voice_numbers"
EXCLUSIVE = "exclusive"

CREATE = "create"
DELETE = "delete"


class Step:
    """One number's decision. ``specs`` are the listings it comes from (none when derived)."""

    __slots__ = (
        "workspace_id",
        "specs",
        "origin",
        "state",
        "phone_number",
        "phone_number_id",
        "name",
        "conversational",
        "before",
        "number",
        "action",
        "failure",
        "owners",
    )

    def __init__(
        self,
        workspace_id,
        specs=(),
        origin=LISTED,
        state="present",
        phone_number=None,
        phone_number_id=None,
        name=None,
        conversational=None,
        owners=(),
    ):
        self.workspace_id = workspace_id
        self.specs = tuple(specs)
        self.origin = origin
        self.state = state
        self.phone_number = phone_number
        self.phone_number_id = phone_number_id
        self.name = name
        self.conversational = conversational
        self.owners = tuple(owners)
        self.before = None  # the Voice connector found, if any
        self.number = None  # the number object, when one was read
        self.action = None  # CREATE, DELETE or None
        self.failure = None

    @classmethod
    def listed(cls, specs):
        spec = specs[0]
        return cls(
            spec.workspace_id,
            specs,
            LISTED,
            spec.state,
            spec.phone_number,
            spec.phone_number_id,
            spec.name,
            spec.conversational,
        )

    @property
    def prefix(self):
        return self.specs[0].prefix if self.specs else ""

    @property
    def given(self):
        return self.phone_number or self.phone_number_id

    def create_name(self):
        """The name a new connector of this number gets."""
        return self.name or "Voice %s" % self.given

    def fail(self, message, api_error=None):
        self.failure = Failure(self.prefix + message, api_error)

    def adopt(self, connector):
        """Take the connector found as this number's, filling in what the input did not say."""
        self.before = connector
        self.phone_number_id = self.phone_number_id or connector_number_id(connector)
        self.phone_number = self.phone_number or connector_phone_number(connector)


class WorkspacePlan:
    """The steps of one workspace, what was read, and any failure of the workspace as a whole."""

    def __init__(self, group):
        self.group = group
        self.workspace_id = group.workspace_id
        self.steps = []
        self.voice = None
        self.failure = None
        self.warnings = []


class Planner:
    """Reads a workspace and decides its steps. ``pmap(func, items)`` runs reads concurrently."""

    def __init__(self, client, template_ref, slug, pmap):
        self.client = client
        self.template_ref = template_ref
        self.slug = slug
        self.pmap = pmap

    def plan(self, group):
        plan = WorkspacePlan(group)
        plan.steps = [Step.listed(listings) for listings in group.numbers]
        try:
            self._plan(plan)
        except BirdAPIError as err:
            plan.failure = Failure.from_api(err, "workspace %s: " % group.workspace_id)
        return plan

    def _plan(self, plan):
        group = plan.group
        plan.voice = voice = read_voice_connectors(
            self.client, group.workspace_id, self.slug, self.pmap
        )
        book = NumberBook(self.client, group.workspace_id, self.pmap)
        self._resolve(plan.steps, voice, book)
        plan.steps = self._merge_same_numbers(plan.steps)
        also = []
        for step in plan.steps:
            if step.failure is None:
                also.extend(self._decide(step, voice, plan.warnings))
        plan.steps.extend(also)
        if group.all_voice_numbers:
            plan.steps.extend(self._every_voice_number(plan, voice, book))
        if group.exclusive:
            plan.steps.extend(self._exclusive(plan, voice))

    # -- which number, and which connector ---------------------------------------------
    def _resolve(self, steps, voice, book):
        """Give each step its number id and connector; read numbers only where no connector tells."""
        needs: dict = {}
        for step in steps:
            found = voice.for_number(step.phone_number_id, step.phone_number)
            # The connectors found name the number (one, or one of each version of the template).
            named = set(connector_number_id(c) for c in found)
            if len(named) == 1 and step.phone_number_id is None:
                step.phone_number_id = named.pop()
            # Both forms given: the E.164 one is checked against what Bird says, the connector's echo
            # when there is one, else the number itself.
            given_both = bool(
                step.specs
                and step.specs[0].phone_number
                and step.specs[0].phone_number_id
            )
            echoed = sorted(
                set(
                    connector_phone_number(c)
                    for c in found
                    if connector_phone_number(c)
                )
            )
            if given_both and echoed and echoed != [step.phone_number]:
                step.fail(self._mismatch(step, echoed[0]))
                continue
            if (
                step.phone_number_id is None
                or (step.state == "present" and not found)
                or (given_both and not echoed)
            ):
                key = (
                    ("id", step.phone_number_id)
                    if step.phone_number_id
                    else ("e164", step.phone_number)
                )
                needs.setdefault(key, []).append(step)
        numbers = book.find(needs)
        for key, waiting in needs.items():
            number = numbers.get(key)
            for step in waiting:
                if isinstance(number, AmbiguousNumber):
                    step.fail(str(number))
                    continue
                self._take_number(step, number)

    @staticmethod
    def _take_number(step, number):
        step.number = number
        if number is None:
            return
        number_id = number.get("id")
        if step.phone_number_id is None and isinstance(number_id, str):
            step.phone_number_id = number_id.lower()
        e164 = number_e164(number)
        if step.phone_number and e164 and e164 != step.phone_number:
            step.fail(Planner._mismatch(step, e164))
        step.phone_number = step.phone_number or e164

    @staticmethod
    def _mismatch(step, e164):
        return "phone_number %s does not match phone_number_id %s, which is %s" % (
            step.phone_number,
            step.phone_number_id,
            e164,
        )

    @staticmethod
    def _merge_same_numbers(steps):
        """Listings that turned out to name one number (an E.164 and an id) are merged, or refused.

        Returns the steps left: a merged step takes the other's listings.
        """
        kept: list = []
        by_id: dict = {}
        for step in steps:
            first = (
                by_id.get(step.phone_number_id)
                if step.failure is None and step.phone_number_id
                else None
            )
            if first is None:
                if step.failure is None and step.phone_number_id:
                    by_id[step.phone_number_id] = step
                kept.append(step)
                continue
            conflicts = [
                c
                for c in (listing_conflict(first.specs[0], spec) for spec in step.specs)
                if c
            ]
            if conflicts:
                step.fail(
                    "it is the same number (id %s) as %s; %s"
                    % (
                        step.phone_number_id,
                        first.specs[0].label or "another entry",
                        conflicts[0],
                    )
                )
                kept.append(step)
            else:
                first.specs = first.specs + step.specs
        return kept

    def _decide(self, step, voice, warnings):
        """Decide ``step``; return the steps it adds: a number to be absent that has several Voice
        connectors (one of each version, where Bird allows it) loses every one of them.
        """
        found = voice.for_number(step.phone_number_id, step.phone_number)
        if step.state == "absent" and found:
            step.adopt(found[0])
            step.action = DELETE
            also = []
            for connector in found[1:]:
                extra = Step.listed(step.specs)
                extra.adopt(connector)
                extra.action = DELETE
                also.append(extra)
            return also
        chosen = the_connector(found, self.template_ref)
        if found and chosen is None:
            step.fail(
                "more than one %s connector exists for number %s in workspace %s: %s; delete the extra ones "
                "in Bird"
                % (
                    self.slug,
                    step.given,
                    step.workspace_id,
                    ", ".join(
                        sorted(
                            "%s (%s)" % (connector_id(c), describe_template(c))
                            for c in found
                        )
                    ),
                )
            )
            return []
        if chosen is not None:
            step.adopt(chosen)
            warnings.extend(self._keep_warnings(step, chosen, found))
            return []
        if step.state == "absent":
            return []
        number = step.number
        if number is None:
            # With both forms given, the id is what names the number.
            step.fail(
                "%s is not a number of workspace %s; check the number, or buy or move it into that "
                "workspace first"
                % (step.phone_number_id or step.given, step.workspace_id)
            )
        elif number_voice(number) is False:
            step.fail(
                "number %s (%s) has no voice capability, so it cannot have a Voice channel; pick a "
                "voice-enabled number" % (number_e164(number) or "?", number.get("id"))
            )
        else:
            step.action = CREATE
        return []

    def _keep_warnings(self, step, connector, found):
        others = [c for c in found if c is not connector]
        warnings = (
            [
                "%snumber %s also has %s, of another version of the template: kept as %s"
                % (
                    step.prefix,
                    step.given,
                    ", ".join(
                        "%s (%s)" % (connector_id(c), describe_template(c))
                        for c in others
                    ),
                    "it is" if len(others) == 1 else "they are",
                )
            ]
            if others
            else []
        )
        ref = connector_template_ref(connector)
        if ref and ref != self.template_ref:
            warnings.append(
                "%snumber %s already has a %s connector (%s), not %s: that is its Voice connector, "
                "kept as it is"
                % (
                    step.prefix,
                    step.given,
                    ref,
                    connector_id(connector),
                    self.template_ref,
                )
            )
        if step.name and step.name != connector.get("name"):
            warnings.append(
                "%sconnector %s is named %r, not %r: a name applies only when a connector is "
                "created; delete it (state: absent) and create it again to rename it"
                % (
                    step.prefix,
                    connector_id(connector),
                    connector.get("name"),
                    step.name,
                )
            )
        return warnings

    # -- every voice number; exactly these --------------------------------------------
    def _every_voice_number(self, plan, voice, book):
        listed_ids = set(s.phone_number_id for s in plan.steps if s.phone_number_id)
        listed_e164 = set(s.phone_number for s in plan.steps if s.phone_number)
        candidates = []
        for number in book.all():
            number_id = (
                number.get("id").lower() if isinstance(number.get("id"), str) else None
            )
            if (
                number_id is None
                or number_id in listed_ids
                or number_e164(number) in listed_e164
            ):
                continue
            candidates.append(number)
        # Where the list does not say whether a number has voice, its own endpoint may.
        unknown = [n for n in candidates if number_voice(n) is None]
        detailed = dict(
            zip(
                [id(n) for n in unknown],
                self.pmap(lambda n: book.get(n["id"]) or n, unknown),
            )
        )
        steps = []
        for number in candidates:
            number = detailed.get(id(number), number)
            has_voice = number_voice(number)
            if has_voice is False:
                continue
            if has_voice is None:
                plan.warnings.append(
                    "number %s (%s) does not say whether it has voice: its connector is created "
                    "and Bird decides" % (number_e164(number) or "?", number.get("id"))
                )
            step = Step(
                plan.workspace_id,
                origin=ALL_VOICE_NUMBERS,
                phone_number=number_e164(number),
                phone_number_id=number["id"].lower(),
                owners=plan.group.owners,
            )
            self._take_number(step, number)
            self._decide(step, voice, plan.warnings)
            steps.append(step)
        return steps

    def _exclusive(self, plan, voice):
        group = plan.group
        kept = set(
            s.phone_number_id
            for s in plan.steps
            if s.state == "present" and s.phone_number_id
        )
        handled = set(id(s.before) for s in plan.steps if s.before is not None)
        steps = []
        for connector in voice.all:
            if id(connector) in handled or connector_number_id(connector) in kept:
                continue
            step = Step(
                plan.workspace_id, origin=EXCLUSIVE, state="absent", owners=group.owners
            )
            step.adopt(connector)
            step.action = DELETE
            steps.append(step)
        if len(steps) > group.max_deletions:
            plan.failure = Failure(
                "workspace %s: exclusive would delete %d Voice connectors, more than max_deletions (%d): %s; "
                "check the listed numbers, or raise max_deletions for this workspace"
                % (
                    group.workspace_id,
                    len(steps),
                    group.max_deletions,
                    ", ".join(s.given or connector_id(s.before) for s in steps[:10])
                    + (" and %d more" % (len(steps) - 10) if len(steps) > 10 else ""),
                )
            )
        return steps
