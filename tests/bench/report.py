# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's tables, in Markdown (ready to paste into docs/performance.md).

``results`` (what bench.py gathers, and writes with ``--json``)::

    {"config": {...}, "machine": "...",
     "main": [{"latency", "ping": {...}, "rows": [row, ...], "single": [row, ...]}],
     "scale": {"latency", "ping": {...}, "sizes": [{"numbers", "workspaces", "rows": [row, ...]}]} or None}

A row is a dict from scenarios.py: ``scenario`` (role or ideal), ``kind`` (fresh or converged; for the
role also ``playbooks.YAML_CONVERGED``, the numbers as YAML in the play, in the main blocks), seconds,
request counts and, for the role, what interpreter.py saw of the module.
"""

from __future__ import annotations

import statistics

from playbooks import YAML_CONVERGED  # pylint: disable=import-error

TARGETS = {"fresh": 1.3, "converged": 1.5, YAML_CONVERGED: 1.5}
# The role's runs against their floors: the ideal client's run of the same job.
FLOOR_KINDS = {"fresh": "fresh", "converged": "converged", YAML_CONVERGED: "converged"}
SINGLE_TARGET = 0.3
LINEAR_TARGET = 1.2


def find(rows, scenario, kind):
    for row in rows:
        if row["scenario"] == scenario and row["kind"] == kind:
            return row
    return None


def _ms(latency):
    return "%.0f ms" % (latency * 1000)


def _table(columns, lines):
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    out += ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
    return "\n".join(out)


def _mark(value, limit):
    return "yes" if value <= limit else "no"


def _per_ws(reads, key):
    value = "%.1f" % reads[key]
    spread = reads.get(key + "_range")
    if spread and spread[0] != spread[1]:
        value += " (%d-%d)" % spread
    return value


def _opt(row, key, fmt="%.2f", scale=1.0):
    return fmt % (row[key] * scale) if row.get(key) is not None else "-"


def floor_of(ping, ideal):
    return ping["seconds"] + ideal["seconds"]


def header(results):
    config = results["config"]
    return "\n".join(
        [
            "Bird voice_channels benchmark: %d workspaces x %d numbers (half by E.164), %.1f s channel delay, "
            "limits %d GET/s and %d POST/s per workspace; ideal client: %d in flight, re-read every %.1f s"
            % (
                config["workspaces"],
                config["numbers"],
                config["channel_delay"],
                config["rate_get"],
                config["rate_post"],
                config["max_in_flight"],
                config["poll_interval"],
            ),
            "machine: %s" % results["machine"],
            "floor = ping play (median of %d) + ideal client; ratio = role / floor; times in seconds, "
            "medians of %d run(s) (scale: %d)"
            % (config["ping_samples"], config["repeat"], config["scale_repeat"]),
            "the role's module: %s"
            % (
                "a traced module process (--module-process)"
                if config.get("module_process")
                else "in a fork of Ansible's worker (ansible-playbook's Python on localhost)"
            ),
        ]
    )


def role_kinds(rows):
    """The role's kinds of run in ``rows``, in the order of FLOOR_KINDS."""
    return [k for k in FLOOR_KINDS if find(rows, "role", k)]


def floor_table(results):
    lines = []
    for block in results["main"]:
        for kind in role_kinds(block["rows"]):
            role, ideal = find(block["rows"], "role", kind), find(
                block["rows"], "ideal", FLOOR_KINDS[kind]
            )
            floor = floor_of(block["ping"], ideal)
            ratio = role["seconds"] / floor
            lines.append(
                [
                    _ms(block["latency"]),
                    kind,
                    "%.2f" % role["seconds"],
                    "%.2f" % block["ping"]["seconds"],
                    "%.2f" % ideal["seconds"],
                    "%.2f" % floor,
                    "%.2fx" % ratio,
                    "%.1fx: %s" % (TARGETS[kind], _mark(ratio, TARGETS[kind])),
                ]
            )
    return _table(
        [
            "latency",
            "run",
            "role",
            "ping play",
            "ideal client",
            "floor",
            "ratio",
            "target met",
        ],
        lines,
    )


def requests_table(results):
    lines = []
    for block in results["main"]:
        for kind in ("fresh", "converged"):
            for scenario in ("role", "ideal"):
                row = find(block["rows"], scenario, kind)
                reads = row["reads"]
                lines.append(
                    [
                        _ms(block["latency"]),
                        "%s, %s" % (scenario, kind),
                        "%.2f" % row["seconds"],
                        row["GET"],
                        row["POST"],
                        row["DELETE"],
                        _per_ws(reads, "connector_pages"),
                        _per_ws(reads, "number_pages"),
                        "%.1f" % reads["other_gets"],
                        row["writes"],
                        row["http_429"],
                        _opt(row, "module_seconds"),
                        _opt(row, "assigned_to_module_end"),
                        _opt(row, "module_rss_mib", "%.0f"),
                    ]
                )
    return _table(
        [
            "latency",
            "scenario",
            "seconds",
            "GET",
            "POST",
            "DELETE",
            "connector pages/ws",
            "number pages/ws",
            "other GETs/ws",
            "writes",
            "429s",
            "module s",
            "last channel to exit s",
            "module peak RSS MiB",
        ],
        lines,
    )


PARTS = (
    "to_first_task",
    "argspec",
    "module_task",
    "task_to_module",
    "module_seconds",
    "module_to_result",
    "publish",
    "to_end",
)
PART_NAMES = [
    "to first task",
    "arg spec check",
    "module task",
    "task to module",
    "module",
    "module to result",
    "publish",
    "to end",
]


def overhead_table(results):
    """Where the seconds of a playbook run go (callbacks/bench_timer.py and interpreter.py)."""
    lines = []
    blocks = [(b["latency"], b["ping"], b["rows"], "") for b in results["main"]]
    if results.get("scale"):
        blocks += [
            (
                results["scale"]["latency"],
                s["ping"],
                s["rows"],
                " (%s)" % "{:,}".format(s["numbers"]),
            )
            for s in results["scale"]["sizes"]
        ]
    for latency, ping, rows, suffix in blocks:
        runs = [("ping play" + suffix, ping)]
        runs += [
            ("role, %s%s" % (kind, suffix), find(rows, "role", kind))
            for kind in role_kinds(rows)
        ]
        for name, row in runs:
            lines.append(
                [_ms(latency), name, "%.2f" % row["seconds"]]
                + [_opt(row, key) for key in PARTS]
                + [
                    _opt(row, "result_bytes", "%.0f", 1 / 1024.0),
                    "%.0f" % row["ansible_rss_mib"],
                ]
            )
    return _table(
        ["latency", "run", "seconds"]
        + PART_NAMES
        + ["result KiB", "ansible-playbook peak RSS MiB"],
        lines,
    )


def scale_table(results):
    scale = results["scale"]
    lines = []
    per_number, floors = {}, {}
    for size in scale["sizes"]:
        for kind in ("fresh", "converged"):
            role, ideal = find(size["rows"], "role", kind), find(
                size["rows"], "ideal", kind
            )
            floor = floor_of(size["ping"], ideal)
            per_number[(size["numbers"], kind)] = role["seconds"] / size["numbers"]
            floors[(size["numbers"], kind)] = floor
            lines.append(
                [
                    "{:,}".format(size["numbers"]),
                    size["workspaces"],
                    kind,
                    "%.2f" % role["seconds"],
                    "%.2f" % (1000.0 * role["seconds"] / size["numbers"]),
                    "%.2f" % floor,
                    "%.2f" % (1000.0 * floor / size["numbers"]),
                    "%.2fx" % (role["seconds"] / floor),
                    _opt(role, "module_seconds"),
                    _opt(role, "module_rss_mib", "%.0f"),
                    "%.0f" % role["ansible_rss_mib"],
                    "%.0f" % (size["args_bytes"] / 1024.0),
                    _opt(role, "result_bytes", "%.0f", 1 / 1024.0),
                    role["GET"],
                    role["POST"],
                    role["http_429"],
                ]
            )
    text = [
        _table(
            [
                "numbers",
                "workspaces",
                "run",
                "role s",
                "role ms/number",
                "floor s",
                "floor ms/number",
                "ratio",
                "module s",
                "module peak RSS MiB",
                "ansible-playbook peak RSS MiB",
                "args KiB",
                "result KiB",
                "GET",
                "POST",
                "429s",
            ],
            lines,
        )
    ]
    sizes = sorted(s["numbers"] for s in scale["sizes"])
    if len(sizes) >= 2:
        text.append("")
        small, large = sizes[0], sizes[-1]
        for kind in ("fresh", "converged"):
            ratio = per_number[(large, kind)] / per_number[(small, kind)]
            marginal = (
                per_number[(large, kind)] * large - per_number[(small, kind)] * small
            ) / (large - small)
            excess = dict(
                (n, (per_number[(n, kind)] * n - floors[(n, kind)]) / n)
                for n in (small, large)
            )
            text.append(
                "- %s: time per number at %s is %.2fx that at %s (target %.1fx: %s); each number past %s "
                "costs %.2f ms; time above the floor per number: %.2f ms at %s, %.2f ms at %s (%.1fx)"
                % (
                    kind,
                    "{:,}".format(large),
                    ratio,
                    "{:,}".format(small),
                    LINEAR_TARGET,
                    _mark(ratio, LINEAR_TARGET),
                    "{:,}".format(small),
                    1000.0 * marginal,
                    1000.0 * excess[small],
                    "{:,}".format(small),
                    1000.0 * excess[large],
                    "{:,}".format(large),
                    (
                        excess[large] / excess[small]
                        if excess[small] > 0
                        else float("nan")
                    ),
                )
            )
    if not results["config"].get("module_process"):
        text.append(
            "- module memory: the module runs in a fork of Ansible's worker, so its peak RSS is within"
            " ansible-playbook's (the largest of its processes; `--module-process` measures the module"
            " process alone)"
        )
    return "\n".join(text)


def single_table(results):
    lines = []
    for block in results["main"]:
        rows = block.get("single") or []
        if not rows:
            continue
        gaps = [r["assigned_to_module_end"] for r in rows]
        median = statistics.median(gaps)
        lines.append(
            [
                _ms(block["latency"]),
                len(rows),
                "%.2f" % statistics.median(r["create_to_assigned"] for r in rows),
                "%.2f (%.2f-%.2f)" % (median, min(gaps), max(gaps)),
                "%.2f" % statistics.median(r["assigned_to_end"] for r in rows),
                "%.2f" % statistics.median(r["seconds"] for r in rows),
                "%.0f" % statistics.median(r["GET"] for r in rows),
                "%.1f s: %s" % (SINGLE_TARGET, _mark(median, SINGLE_TARGET)),
            ]
        )
    if not lines:
        return ""
    return _table(
        [
            "latency",
            "samples",
            "create to channel assigned",
            "assigned to module exit, median (min-max)",
            "assigned to ansible-playbook exit",
            "ansible-playbook s",
            "GETs",
            "target met",
        ],
        lines,
    )


def converged_reads(results):
    """The converged-run target besides time: no write, connector pages only."""
    lines = []
    for block in results["main"]:
        row, ideal = find(block["rows"], "role", "converged"), find(
            block["rows"], "ideal", "converged"
        )
        only_pages = (
            row["reads"]["number_pages"] == 0 and row["reads"]["other_gets"] == 0
        )
        lines.append(
            [
                _ms(block["latency"]),
                row["writes"],
                "%.1f" % row["reads"]["connector_pages"],
                "%.1f" % ideal["reads"]["connector_pages"],
                "%.1f" % row["reads"]["number_pages"],
                "%.1f" % row["reads"]["other_gets"],
                "yes" if row["writes"] == 0 and only_pages else "no",
            ]
        )
    return _table(
        [
            "latency",
            "writes",
            "connector pages/ws",
            "ideal: connector pages/ws",
            "number pages/ws",
            "other GETs/ws",
            "target met",
        ],
        lines,
    )


def timeline_table(results):
    """With --trace: the phases of each run, seconds from its start."""
    lines = []
    blocks = [(b["latency"], b["rows"]) for b in results["main"]]
    if results.get("scale"):
        blocks += [
            (results["scale"]["latency"], s["rows"]) for s in results["scale"]["sizes"]
        ]
    for latency, rows in blocks:
        for row in rows:
            t = row.get("timeline")
            if not t:
                continue
            lines.append(
                [
                    _ms(latency),
                    "%s, %s, %d" % (row["scenario"], row["kind"], row["numbers"]),
                    _opt(t, "module_start"),
                    "%.2f" % t["first_request"],
                    "%.2f" % t["plan_end"],
                    "%d + %d" % (t["plan_connector_pages"], t["plan_number_pages"]),
                    _opt(t, "writes_start"),
                    _opt(t, "writes_end"),
                    t.get("writes_in_flight", "-"),
                    _opt(t, "writes_per_s", "%.0f"),
                    t.get("wait_connector_pages", "-"),
                    t.get("wait_other_gets", "-"),
                    "%.2f" % t["last_request"],
                    _opt(t, "module_end"),
                    _opt(t, "end"),
                ]
            )
    if not lines:
        return ""
    return _table(
        [
            "latency",
            "run",
            "module start",
            "first request",
            "plan end",
            "plan reads (conn + num)",
            "writes start",
            "writes end",
            "writes in flight",
            "writes/s",
            "wait: conn pages",
            "wait: other GETs",
            "last request",
            "module end",
            "end",
        ],
        lines,
    )


def targets_table(results):
    """Every target, one line each, with what this run measured."""
    lines = []
    blocks = results["main"]
    for kind in role_kinds(blocks[0]["rows"]):
        cells = []
        for block in blocks:
            role, ideal = find(block["rows"], "role", kind), find(
                block["rows"], "ideal", FLOOR_KINDS[kind]
            )
            ratio = role["seconds"] / floor_of(block["ping"], ideal)
            cells.append(
                "%s: %.2fx (%s)"
                % (_ms(block["latency"]), ratio, _mark(ratio, TARGETS[kind]))
            )
        lines.append(
            [
                "role %s run within %.1fx of its floor" % (kind, TARGETS[kind]),
                "; ".join(cells),
            ]
        )
    cells = []
    for block in blocks:
        row = find(block["rows"], "role", "converged")
        reads = row["reads"]
        met = (
            row["writes"] == 0
            and reads["number_pages"] == 0
            and reads["other_gets"] == 0
        )
        cells.append(
            "%s: %d writes, %.1f connector + %.1f number pages + %.1f other GETs per workspace (%s)"
            % (
                _ms(block["latency"]),
                row["writes"],
                reads["connector_pages"],
                reads["number_pages"],
                reads["other_gets"],
                "yes" if met else "no",
            )
        )
    lines.append(
        [
            "converged run writes nothing and reads only connector pages",
            "; ".join(cells),
        ]
    )
    cells = []
    for block in blocks:
        if block.get("single"):
            gap = statistics.median(
                r["assigned_to_module_end"] for r in block["single"]
            )
            cells.append(
                "%s: %.2f s (%s)"
                % (_ms(block["latency"]), gap, _mark(gap, SINGLE_TARGET))
            )
    if cells:
        lines.append(
            [
                "single-module create returns within %.1f s of the channel assignment (median)"
                % SINGLE_TARGET,
                "; ".join(cells),
            ]
        )
    scale = results.get("scale")
    if scale and len(scale["sizes"]) >= 2:
        small, large = scale["sizes"][0], scale["sizes"][-1]
        cells = []
        for kind in ("fresh", "converged"):
            ratio = (
                find(large["rows"], "role", kind)["seconds"] / large["numbers"]
            ) / (find(small["rows"], "role", kind)["seconds"] / small["numbers"])
            cells.append("%s: %.2fx (%s)" % (kind, ratio, _mark(ratio, LINEAR_TARGET)))
        lines.append(
            [
                "time per number at %s within %.1fx of that at %s"
                % (
                    "{:,}".format(large["numbers"]),
                    LINEAR_TARGET,
                    "{:,}".format(small["numbers"]),
                ),
                "; ".join(cells),
            ]
        )
    return _table(["target", "measured (met?)"], lines)


def render(results):
    parts = [
        "```",
        header(results),
        "```",
        "",
        "### Targets",
        "",
        targets_table(results),
        "",
        "### Time against the floor",
        "",
        floor_table(results),
        "",
        "### Requests",
        "",
        requests_table(results),
        "",
        "### Converged run: reads and writes",
        "",
        converged_reads(results),
        "",
        "### Where the role run spends its time",
        "",
        overhead_table(results),
    ]
    single = single_table(results)
    if single:
        parts += [
            "",
            "### Single-module create: return after the channel is assigned",
            "",
            single,
        ]
    if results.get("scale"):
        parts += [
            "",
            "### Scale (%s latency)" % _ms(results["scale"]["latency"]),
            "",
            scale_table(results),
        ]
    trace = timeline_table(results)
    if trace:
        parts += [
            "",
            "### Phases (--trace; seconds from the start of each run)",
            "",
            trace,
        ]
    return "\n".join(parts)
