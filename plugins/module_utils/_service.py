# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one entry point every writing module runs: :func:`run` a request, get a report. Internal.

1. check the input (``_desired``): any problem, and nothing is sent;
2. plan (``_plan``): read every workspace once, concurrently, and decide each number;
   any problem, and nothing is written;
3. apply (``_create``): deletes, then creates, concurrently across workspaces and
   within Bird's limits (skipped in check mode, which predicts the same changes);
4. wait (``_wait``): poll until every new connector has its channel id.

Every entry's outcome is reported, also when others failed.
"""

import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.bird.engagements.plugins.module_utils._backoff import Deadline
from ansible_collections.bird.engagements.plugins.module_utils._create import (
    Creator,
    delete,
)
from ansible_collections.bird.engagements.plugins.module_utils._desired import (
    check_request,
    group_workspaces,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import Failure
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    template_slug,
)
from ansible_collections.bird.engagements.plugins.module_utils._plan import (
    CREATE,
    DELETE,
    Planner,
)
from ansible_collections.bird.engagements.plugins.module_utils._report import (
    Outcome,
    Report,
)
from ansible_collections.bird.engagements.plugins.module_utils._wait import (
    await_channels,
)


class Parallel:
    """``pmap(func, items)``: ``func`` over ``items`` on up to ``limit`` threads, results in order.

    Each call has its own threads, so a function may call ``pmap`` again; the client's
    in-flight gate, not the thread count, bounds the requests.
    """

    def __init__(self, limit):
        self.limit = max(1, int(limit))

    def __call__(self, func, items):
        items = list(items)
        if len(items) <= 1 or self.limit == 1:
            return [func(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.limit, len(items))) as pool:
            return list(pool.map(func, items))


def interleave(outcomes):
    """Round-robin over workspaces, so that every workspace's writes start early."""
    queues: dict = {}
    for outcome in outcomes:
        queues.setdefault(outcome.step.workspace_id, []).append(outcome)
    ordered: list = []
    depth = max([len(q) for q in queues.values()] or [0])
    for index in range(depth):
        ordered.extend(q[index] for q in queues.values() if index < len(q))
    return ordered


def run(client, req, sleep=time.sleep, clock=time.monotonic):
    """Carry out ``req`` (a ``_desired.Request``) and return its :class:`Report`."""
    errors = check_request(req)
    if errors:
        return Report(req, problems=[Failure(e) for e in errors], stopped=True)
    groups = group_workspaces(req)[0]
    for group in groups:
        client.throttle.set_limits(
            group.workspace_id, group.settings[3], group.settings[4]
        )
    pmap = Parallel(req.concurrency)
    template_ref = req.template_ref.strip()
    slug = template_slug(template_ref)

    plans = pmap(Planner(client, template_ref, slug, pmap).plan, groups)
    outcomes = [Outcome(step) for plan in plans for step in plan.steps]
    report = Report(
        req,
        outcomes,
        problems=[p.failure for p in plans if p.failure is not None],
        warnings=[w for plan in plans for w in plan.warnings],
        unread=[p.workspace_id for p in plans if p.failure is not None],
    )
    if report.failed:
        report.stopped = True
        return report
    if req.check_mode:
        for outcome in outcomes:
            outcome.changed = outcome.step.action is not None
        return report

    deadline = Deadline(req.wait_timeout, clock)
    pmap(
        lambda outcome: delete(client, outcome),
        [o for o in outcomes if o.step.action == DELETE],
    )
    creator = Creator(client, template_ref, slug, deadline, pmap, sleep)
    creator.create_all(interleave([o for o in outcomes if o.step.action == CREATE]))
    if req.wait and req.wait_timeout > 0:
        pages = {plan.workspace_id: plan.voice.page_count() for plan in plans}
        await_channels(client, outcomes, pages, deadline, pmap, sleep, clock)
    return report
