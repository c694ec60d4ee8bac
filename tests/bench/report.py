# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's tables, in Markdown, from what bench.py gathers (and writes with ``--json``)."""

from __future__ import annotations

import statistics

# run: (the role's run, its floor play, the ideal client's run, the target ratio)
TARGETS = {
    "fresh": ("role, fresh", "floor play", "ideal, fresh", 1.3),
    "converged": ("role, converged", "floor play", "ideal, converged", 1.5),
    "hosts as workspaces, converged": (
        "hosts: role",
        "hosts: floor play",
        "hosts: ideal",
        1.5,
    ),
}
SINGLE_TARGET = 0.3
PAGES = ("connector_pages", "channel_pages", "number_pages", "other_gets")


def _table(columns, lines):
    out = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    return "\n".join(
        out + ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
    )


def _ms(latency):
    return "%.0f ms" % (latency * 1000)


def _blocks(results):
    for core in results["cores"]:
        for block in core["blocks"]:
            yield core["core"], block["latency"], block["runs"]


def ratios(results):
    """(core, latency, run, role s, floor play s, ideal s, ratio, target) for every target."""
    for core, latency, runs in _blocks(results):
        for name, (role, play, ideal, target) in TARGETS.items():
            role_s, play_s, ideal_s = (runs[k]["seconds"] for k in (role, play, ideal))
            yield core, latency, name, role_s, play_s, ideal_s, role_s / (
                play_s + ideal_s
            ), target


def floor_table(results):
    lines = [
        [
            core,
            _ms(latency),
            name,
            "%.2f" % role,
            "%.2f" % play,
            "%.2f" % ideal,
            "%.2f" % (play + ideal),
            "%.2fx" % ratio,
            "%.1fx: %s" % (target, "met" if ratio <= target else "missed"),
        ]
        for core, latency, name, role, play, ideal, ratio, target in ratios(results)
    ]
    columns = [
        "core",
        "latency",
        "run",
        "role s",
        "floor play s",
        "ideal client s",
        "floor s",
        "ratio",
        "target",
    ]
    return _table(columns, lines)


def _pages(counts, key):
    mean, low, high = counts[key]
    return "%.1f" % mean + ("" if low == high else " (%d-%d)" % (low, high))


def reads_table(results):
    """Reads per workspace of the converged runs, the role's beside the ideal client's."""
    lines = []
    for core, latency, runs in _blocks(results):
        for name, role, ideal in (
            ("converged", "role, converged", "ideal, converged"),
            ("hosts as workspaces", "hosts: role", "hosts: ideal"),
        ):
            for who, key in (("role", role), ("ideal client", ideal)):
                counts = runs[key]["counts"]
                lines.append(
                    [core, _ms(latency), name, who]
                    + [_pages(counts, k) for k in PAGES]
                    + [counts["writes"]]
                )
    columns = [
        "core",
        "latency",
        "run",
        "by",
        "connector pages",
        "channel pages",
        "number pages",
        "other GETs",
        "writes",
    ]
    return _table(columns, lines)


def requests_table(results):
    """Requests of the fresh runs."""
    lines = []
    for core, latency, runs in _blocks(results):
        for key in ("role, fresh", "ideal, fresh"):
            counts = runs[key]["counts"]
            lines.append(
                [
                    core,
                    _ms(latency),
                    key,
                    counts["GET"],
                    counts["writes"],
                    counts["429s"],
                ]
                + [_pages(counts, k) for k in PAGES]
            )
    columns = [
        "core",
        "latency",
        "run",
        "GETs",
        "writes",
        "429s",
        "connector pages/ws",
        "channel pages/ws",
        "number pages/ws",
        "other GETs/ws",
    ]
    return _table(columns, lines)


def tasks_lines(results):
    """Where each playbook run's time goes: start-up, each task (start to the next one's start), exit."""
    lines = []
    for core, latency, runs in _blocks(results):
        for key in (
            "floor play",
            "role, fresh",
            "role, converged",
            "hosts: floor play",
            "hosts: role",
        ):
            run = runs[key]
            parts = ", ".join(
                "%s %.2f" % (name, seconds) for name, seconds in run["tasks"]
            )
            lines.append(
                "- %s, %s, %s: %.2f s = %s"
                % (core, _ms(latency), key, run["seconds"], parts)
            )
    return "\n".join(lines)


def extras_lines(results):
    extras = results.get("extras") or {}
    lines = []
    found = extras.get("input")
    if found:
        lookup, yaml = found["lookup"]["seconds"], found["yaml"]["seconds"]
        lines.append(
            "- numbers as YAML in the inventory instead of the JSON lookup (%s, %s, converged): %.2f s against"
            " %.2f s (%+.2f s)"
            % (extras["core"], _ms(extras["latency"]), yaml, lookup, yaml - lookup)
        )
    for single in extras.get("single", []):
        gap = statistics.median(single["gaps"])
        lines.append(
            "- single-number create (bird_voice_connector, %s, %s): its task's result %.2f s after the channel"
            " became active (median of %d; target %.1f s: %s)"
            % (
                extras["core"],
                _ms(single["latency"]),
                gap,
                len(single["gaps"]),
                SINGLE_TARGET,
                "met" if gap <= SINGLE_TARGET else "missed",
            )
        )
    sizes = extras.get("scale")
    if sizes:
        small, large = sizes
        lines.append(
            "- scale (%s, %s): per number, %s numbers take %.2fx the time of %s fresh (%.1f s against %.1f s)"
            " and %.2fx converged (%.1f s against %.1f s)"
            % (
                extras["core"],
                _ms(extras["latency"]),
                "{:,}".format(large["numbers"]),
                (large["fresh"] / large["numbers"])
                / (small["fresh"] / small["numbers"]),
                "{:,}".format(small["numbers"]),
                large["fresh"],
                small["fresh"],
                (large["converged"] / large["numbers"])
                / (small["converged"] / small["numbers"]),
                large["converged"],
                small["converged"],
            )
        )
    return "\n".join(lines)


def render(results):
    header = (
        "%s, %s. Simulator: Bird's limits (50 GET/s, 500 POST/s per workspace), channels active %.1f s after"
        " the create. floor = floor play + ideal client; ratio = role / floor; seconds, medians of %d runs"
        " taken in turn."
        % (
            results["date"],
            results["machine"],
            results["channel_delay"],
            results["repeat"],
        )
    )
    parts = [
        header,
        "",
        "### Time against the floor",
        "",
        floor_table(results),
        "",
        "### Converged runs: reads per workspace (mean, and range when not the same everywhere)",
        "",
        reads_table(results),
        "",
        "### Fresh runs: requests",
        "",
        requests_table(results),
        "",
        "### Where the time of each playbook run goes (seconds; a task from its start to the next one's)",
        "",
        tasks_lines(results),
    ]
    extras = extras_lines(results)
    if extras:
        parts += ["", "### Other figures", "", extras]
    return "\n".join(parts)
