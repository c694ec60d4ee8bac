# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where a run's time goes (``--trace``): its phases, rebuilt from the simulator's request log.

The log gives each request's end time (ms precision); with a fixed simulated latency ``L`` a
request was in flight during about ``[end - L, end]``, which is enough to estimate how many were
in flight at once. All times are seconds from the ``ansible-playbook`` start (or the ideal
client's start).
"""

from __future__ import annotations

import datetime

from sim import CONNECTORS, NUMBERS  # pylint: disable=import-error


def epoch(iso):
    stamp = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ")
    return stamp.replace(tzinfo=datetime.timezone.utc).timestamp()


def max_in_flight(ends, latency):
    """Most requests whose ``[end - latency, end]`` overlap."""
    events = sorted(
        [(t - latency, 1) for t in ends] + [(t, -1) for t in ends],
        key=lambda e: (e[0], e[1]),
    )
    current = best = 0
    for dummy, step in events:
        current += step
        best = max(best, current)
    return best


def phases(log, start, latency, module=None, end=None):
    """A dict of phase boundaries and counts for one run; ``module`` is its ``interpreter.py`` line."""
    items = [dict(item, t=epoch(item["time"]) - start) for item in log]
    if not items:
        return {}
    posts = [i for i in items if i["method"] == "POST"]
    gets = [i for i in items if i["method"] == "GET"]
    result = {
        "first_request": items[0]["t"] - latency,
        "last_request": items[-1]["t"],
        "requests": len(items),
    }
    if module:
        result["module_start"] = module["start"] - start
        result["module_end"] = module["end"] - start
    if end is not None:
        result["end"] = end - start
    first_post = posts[0]["t"] if posts else None
    plan = [i for i in gets if first_post is None or i["t"] <= first_post]
    result["plan_connector_pages"] = sum(1 for i in plan if i["route"] == CONNECTORS)
    result["plan_number_pages"] = sum(1 for i in plan if i["route"] == NUMBERS)
    result["plan_end"] = (
        (first_post - latency) if first_post is not None else items[-1]["t"]
    )
    if posts:
        result["writes_start"] = posts[0]["t"] - latency
        result["writes_end"] = posts[-1]["t"]
        result["writes"] = len(posts)
        result["writes_in_flight"] = max_in_flight([p["t"] for p in posts], latency)
        span = posts[-1]["t"] - posts[0]["t"] + latency
        result["writes_per_s"] = len(posts) / span if span > 0 else 0.0
        after = [i for i in gets if i["t"] > posts[-1]["t"]]
        result["wait_connector_pages"] = sum(
            1 for i in after if i["route"] == CONNECTORS
        )
        result["wait_other_gets"] = sum(
            1 for i in after if i["route"] not in (CONNECTORS, NUMBERS)
        )
        result["wait_end"] = items[-1]["t"]
    result["all_in_flight"] = max_in_flight([i["t"] for i in items], latency)
    return result
