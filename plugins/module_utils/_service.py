# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one entry point every writing module runs: :func:`run` a request, get a report. Internal.

1. check the input (``_desired``): any problem, and nothing is sent;
2. plan (``_plan``): read every workspace once, concurrently, and decide each number;
   any problem, and nothing is written;
3. create (``_create``), concurrently across workspaces and within Bird's limits (a
   replacement deletes the connector of the failed channel first), then wait (``_wait``)
   until every new channel is past setting up;
4. delete, in each workspace whose creates all succeeded: a swap never removes the old
   channel before the new one works.

Check mode stops after 2 and predicts the same changes. Every entry's outcome is reported,
also when others failed.
"""

import time
from itertools import zip_longest

from ansible_collections.bird.engagements.plugins.module_utils._backoff import Deadline
from ansible_collections.bird.engagements.plugins.module_utils._create import (
    Creator,
    delete,
    remove_replaced,
)
from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    check_request,
    group_workspaces,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import Failure
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    template_slug,
)
from ansible_collections.bird.engagements.plugins.module_utils._parallel import (
    Executor,
)
from ansible_collections.bird.engagements.plugins.module_utils._plan import Planner
from ansible_collections.bird.engagements.plugins.module_utils._report import (
    Outcome,
    Report,
)
from ansible_collections.bird.engagements.plugins.module_utils._steps import (
    CREATE,
    DELETE,
    REPLACE,
)
from ansible_collections.bird.engagements.plugins.module_utils._wait import (
    await_channels,
)

STOPPED = "the run stopped before any write"
CREATES_FAILED = (
    "a create in this workspace did not succeed, so nothing in it was deleted"
)


def interleave(outcomes):
    """Round-robin over workspaces, so that every workspace's writes start early."""
    queues: dict = {}
    for outcome in outcomes:
        queues.setdefault(outcome.step.workspace_id, []).append(outcome)
    return [o for row in zip_longest(*queues.values()) for o in row if o is not None]


def run(client, req, sleep=time.sleep, clock=time.monotonic):
    """Carry out ``req`` (a ``_desired.Request``) and return its :class:`Report`."""
    errors = check_request(req)
    if errors:
        return Report(req, problems=[Failure(e) for e in errors])
    with Executor(req.concurrency) as executor:
        return _run(client, req, executor, sleep, clock)


def _run(client, req, executor, sleep, clock):
    groups = group_workspaces(req)[0]
    for group in groups:
        options = group.options
        client.throttle.set_limits(
            group.workspace_id, options.reads_per_second, options.writes_per_second
        )
    template_ref = req.template_ref.strip()
    slug = template_slug(template_ref)

    plans = executor.map(Planner(client, template_ref, slug, executor).plan, groups)
    outcomes = [Outcome(step) for plan in plans for step in plan.steps]
    report = Report(
        req,
        outcomes,
        problems=[p.failure or p.guard for p in plans if p.failure or p.guard],
        warnings=[w for plan in plans for w in plan.warnings],
    )
    if report.failed:
        report.stopped = True
        for outcome in outcomes:
            if outcome.step.action is not None:
                outcome.skip(STOPPED)
        return report
    if req.check_mode:
        for outcome in outcomes:
            outcome.changed = outcome.step.action is not None
        return report

    deadline = Deadline(req.wait_timeout, clock)
    creates = [o for o in outcomes if o.step.action in (CREATE, REPLACE)]
    # A replacement's connector goes first: Bird may refuse a second one on the number.
    executor.map(
        lambda outcome: remove_replaced(client, outcome),
        [o for o in creates if o.step.action == REPLACE],
    )
    Creator(client, template_ref, slug, deadline, executor, sleep).create_all(
        interleave([o for o in creates if o.failure is None])
    )
    if req.wait and req.wait_timeout > 0:
        report.warnings.extend(
            await_channels(
                client, outcomes, deadline, executor, sleep, clock, template_ref
            )
        )
    unfinished = set(o.step.workspace_id for o in creates if o.failure is not None)
    deletes = [o for o in outcomes if o.step.action == DELETE]
    for outcome in deletes:
        if outcome.step.workspace_id in unfinished:
            outcome.skip(CREATES_FAILED)
    executor.map(
        lambda outcome: delete(client, outcome),
        [o for o in deletes if o.step.workspace_id not in unfinished],
    )
    return report
