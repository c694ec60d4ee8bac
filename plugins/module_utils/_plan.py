# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning: read each workspace once and decide, for every number, what to do. Internal.

Nothing here writes. Each number gets a :class:`~._steps.Step` (create, delete, replace, or
nothing) or a failure; ``all_voice_numbers`` and ``exclusive`` add steps. Any failure here, and
``max_deletions``, stop the run before the first write.
"""

from ansible_collections.bird.engagements.plugins.module_utils._channels import (
    check_channels,
)
from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    listing_conflict,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    Failure,
)
from ansible_collections.bird.engagements.plugins.module_utils._http import (
    workspace_path,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_id,
    connector_number_id,
    connector_template_ref,
    describe_template,
)
from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    number_e164,
    number_id,
    number_voice,
)
from ansible_collections.bird.engagements.plugins.module_utils._steps import (
    ALL_VOICE_NUMBERS,
    CREATE,
    EXCLUSIVE,
    REPLACE,
    UNREAD,
    Step,
    WorkspacePlan,
)
from ansible_collections.bird.engagements.plugins.module_utils._workspace import (
    AmbiguousNumber,
    NumberBook,
    read_voice_connectors,
    the_connector,
)


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
            if err.status == 404 and err.path == workspace_path(
                group.workspace_id, "connectors"
            ):
                err.hint = (
                    "Bird does not know this workspace: check workspace_id, and that the access key "
                    "belongs to the organization of that workspace"
                )
            plan.failure = Failure.from_api(err, "workspace %s: " % group.workspace_id)
            for step in plan.steps:
                step.skipped = step.skipped or UNREAD
        return plan

    def _plan(self, plan):
        group = plan.group
        voice = read_voice_connectors(
            self.client, group.workspace_id, self.slug, self.pmap
        )
        book = NumberBook(self.client, group.workspace_id)
        self._resolve(plan.steps, voice, book)
        plan.steps = self._merge_same_numbers(plan.steps)
        also = []
        for step in plan.steps:
            if step.failure is None:
                also.extend(self._decide(step, voice, plan.warnings))
        plan.steps.extend(also)
        if group.options.all_voice_numbers:
            plan.steps.extend(self._every_voice_number(plan, voice, book))
        if group.options.exclusive:
            plan.steps.extend(self._exclusive(plan, voice, book))
        check_channels(self.client, plan, voice.channels, self.slug, self.pmap)
        self._guard(plan)

    # -- which number, and which connector ---------------------------------------------
    def _resolve(self, steps, voice, book):
        """Give each step its number id and connector; read numbers only where no connector tells."""
        needs: dict = {}
        for step in steps:
            found = voice.for_number(step.phone_number_id, step.phone_number)
            named = set(connector_number_id(c) for c in found)
            if len(named) == 1 and step.phone_number_id is None:
                step.phone_number_id = named.pop()
            # Both forms given: the E.164 one must match the connector's echo, else the number's.
            listed = step.specs[0]  # every step here comes from a listing
            given_both = bool(listed.phone_number and listed.phone_number_id)
            echoed = sorted(set(voice.e164_of(c) for c in found if voice.e164_of(c)))
            if given_both and echoed and echoed != [step.phone_number]:
                step.fail(self._mismatch(step, echoed[0]))
                continue
            # Not found by its id: the number's E.164 form may find it among connectors that
            # name no number id (present: a create must not duplicate; absent: it must go).
            unfound = not found and (step.state == "present" or voice.by_e164_only)
            if step.phone_number_id is None or unfound or (given_both and not echoed):
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
        step.phone_number_id = step.phone_number_id or number_id(number)
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
        """The steps left once listings that turned out to name one number (an E.164 and an id)
        are merged (the first step takes the other's listings), or refused."""
        kept: list = []
        by_id: dict = {}
        for step in steps:
            key = step.phone_number_id if step.failure is None else None
            first = by_id.get(key) if key else None
            if first is None:
                if key:
                    by_id[key] = step
                kept.append(step)
                continue
            conflicts = [listing_conflict(first.specs[0], spec) for spec in step.specs]
            conflicts = [c for c in conflicts if c]
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
            step.to_delete(found[0], voice.e164_of(found[0]))
            return [
                Step.listed(step.specs).to_delete(c, voice.e164_of(c))
                for c in found[1:]
            ]
        chosen = the_connector(found, self.template_ref)
        if found and chosen is None:
            step.fail(
                "more than one %s connector exists for number %s in workspace %s: %s; delete the extra ones "
                "in Bird"
                % (self.slug, step.given, step.workspace_id, _described(found, True))
            )
            return []
        if chosen is not None:
            step.adopt(chosen, voice.e164_of(chosen))
            warnings.extend(self._adopted_warnings(step, chosen, found))
            return []
        if voice.unidentified:
            # One of them may be this number's: a create could make a second one, a delete miss it.
            names = ", ".join(connector_id(c) for c in voice.unidentified)
            if step.state == "absent":
                warnings.append(
                    "%snumber %s has no Voice connector that names it, but %s names no number at all "
                    "(nor does its channel): if it is this number's, it was not deleted"
                    % (step.prefix, step.given, names)
                )
                return []
            step.fail(
                "Voice connector %s of workspace %s names no number (nor does its channel), so it may be "
                "the one of number %s: nothing is created for it; delete that connector in Bird if it is "
                "not needed" % (names, step.workspace_id, step.given)
            )
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

    def _adopted_warnings(self, step, connector, found):
        others = [c for c in found if c is not connector]
        warnings = []
        if others:
            warnings.append(
                "%snumber %s also has %s, of another version of the template: kept as %s"
                % (
                    step.prefix,
                    step.given,
                    _described(others),
                    "it is" if len(others) == 1 else "they are",
                )
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
        # Listed or kept, by id or by E.164 form.
        skip = plan.group.keep | set(
            v for s in plan.steps for v in (s.phone_number_id, s.phone_number) if v
        )
        candidates = [
            n
            for n in book.all()
            if number_id(n) and not skip & {number_id(n), number_e164(n)}
        ]
        steps = []
        for listed, number in zip(candidates, book.detailed(candidates, self.pmap)):
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
                phone_number_id=number_id(listed),
            )
            self._take_number(step, number)
            self._decide(step, voice, plan.warnings)
            steps.append(step)
        return steps

    def _exclusive(self, plan, voice, book):
        """The deletions ``exclusive`` makes: every Voice connector of the workspace that no step
        handles, whose number is not present and not kept."""
        kept = set(
            s.phone_number_id
            for s in plan.steps
            if s.state == "present" and s.phone_number_id
        )
        kept |= set(k for k in plan.group.keep if not k.startswith("+"))
        handled = set(id(s.before) for s in plan.steps if s.before is not None)
        candidates = [
            c
            for c in voice.all
            if id(c) not in handled and connector_number_id(c) not in kept
        ]
        kept_e164 = set(k for k in plan.group.keep if k.startswith("+"))
        if candidates and kept_e164:
            # A connector may not echo its E.164 number: the kept ones are looked up by id too.
            found = book.find([("e164", k) for k in sorted(kept_e164)])
            kept |= set(number_id(n) for n in found.values()) - {None}
            candidates = [
                c
                for c in candidates
                if connector_number_id(c) not in kept
                and voice.e164_of(c) not in kept_e164
            ]
        steps = []
        for connector in candidates:
            if connector in voice.unidentified:
                plan.warnings.append(
                    "connector %s names no phone number, so exclusive cannot tell whether a listed "
                    "number owns it: it is left alone; delete it in Bird if no number needs it"
                    % connector_id(connector)
                )
                continue
            step = Step(plan.workspace_id, origin=EXCLUSIVE, state="absent")
            steps.append(step.to_delete(connector, voice.e164_of(connector)))
        return steps

    @staticmethod
    def _guard(plan):
        """max_deletions: stop the run before any write if the workspace options would delete more."""
        options = plan.group.options
        steps = [
            s
            for s in plan.steps
            if s.origin == EXCLUSIVE or (s.action == REPLACE and s.failure is None)
        ]
        if len(steps) <= options.max_deletions:
            return
        what = (
            "exclusive would delete"
            if options.exclusive
            else "replace_failed would replace"
        )
        if options.exclusive and options.replace_failed:
            what = "exclusive and replace_failed would delete"
        reason = (
            "max_deletions: %s %d Voice connectors of workspace %s, more than max_deletions (%d)"
            % (what, len(steps), plan.workspace_id, options.max_deletions)
        )
        for step in steps:
            step.skipped = reason
        plan.guard = Failure(
            "%s: %s; check the listed numbers (and keep), or raise max_deletions for this workspace"
            % (
                reason,
                ", ".join(s.given or connector_id(s.before) for s in steps[:10])
                + (" and %d more" % (len(steps) - 10) if len(steps) > 10 else ""),
            )
        )


def _described(connectors, ordered=False):
    """Connectors as messages list them: each id with its template."""
    texts = ["%s (%s)" % (connector_id(c), describe_template(c)) for c in connectors]
    return ", ".join(sorted(texts) if ordered else texts)
