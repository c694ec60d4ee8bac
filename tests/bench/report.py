# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's tables, in Markdown, from what bench.py gathers (and writes with ``--json``)."""

from __future__ import annotations

import statistics

# name: (the role's run, its floor play, the ideal client's run, the target ratio)
TARGETS = {
    "fresh": ("role, fresh", "floor play", "ideal, fresh", 1.3),
    "converged": ("role, converged", "floor play", "ideal, converged", 1.5),
    "hosts as workspaces": ("hosts: role", "hosts: floor play", "hosts: ideal", 1.5),
}
SINGLE_TARGET = 0.3
PAGES = ("connector_pages", "channel_pages", "number_pages", "other_gets")


def _table(columns, lines):
    out = [
        "| %s |" % columns.replace("|", " | "),
        "|" + "---|" * (columns.count("|") + 1),
    ]
    return "\n".join(
        out + ["| %s |" % " | ".join(str(c) for c in line) for line in lines]
    )


def _ms(latency):
    return "%.0f ms" % (latency * 1000)


def _blocks(results):
    """(core, latency, runs) of every block; the core as 'X.Y.Z' of ansible-core."""
    for core in results["cores"]:
        for block in core["blocks"]:
            yield core["core"].split()[1].rstrip(","), block["latency"], block["runs"]


def _met(value, target, form):
    return (form % target) + (": met" if value <= target else ": missed")


def floor_table(results):
    lines = []
    for core, latency, runs in _blocks(results):
        for name, (role, play, ideal, target) in TARGETS.items():
            role_s, play_s, ideal_s = (runs[k]["seconds"] for k in (role, play, ideal))
            ratio = role_s / (play_s + ideal_s)
            lines.append(
                [
                    core,
                    _ms(latency),
                    name,
                    "%.2f" % role_s,
                    "%.2f" % play_s,
                    "%.2f" % ideal_s,
                ]
                + [
                    "%.2f" % (play_s + ideal_s),
                    "%.2fx" % ratio,
                    _met(ratio, target, "%.1fx"),
                ]
            )
    columns = "core|latency|run|role s|floor play s|ideal client s|floor s|ratio|target"
    return _table(columns, lines)


def _pages(counts, key):
    mean, low, high = counts[key]
    return "%.1f" % mean + ("" if low == high else " (%d-%d)" % (low, high))


def requests_table(results):
    """Requests per workspace of each run against the simulator, the role's beside the ideal client's."""
    lines = []
    for core, latency, runs in _blocks(results):
        for name, runs_of in TARGETS.items():
            role, ideal = runs_of[0], runs_of[2]
            for who, key in (("role", role), ("ideal client", ideal)):
                counts = runs[key]["counts"]
                lines.append(
                    [core, _ms(latency), name, who]
                    + [_pages(counts, k) for k in PAGES]
                    + [counts["writes"], counts["429s"]]
                )
    columns = "core|latency|run|by|connector pages|channel pages|number pages|other GETs|writes|429s"
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
            parts = ", ".join("%s %.2f" % tuple(task) for task in runs[key]["tasks"])
            lines.append(
                "- %s, %s, %s: %.2f s = %s"
                % (core, _ms(latency), key, runs[key]["seconds"], parts)
            )
    return "\n".join(lines)


def extras_lines(results):
    extras = results.get("extras") or {}
    lines = []
    found = extras.get("input")
    if found:
        lookup, yaml = found["lookup"]["seconds"], found["yaml"]["seconds"]
        lines.append(
            "- converged, %s, the numbers as YAML in the inventory instead of the JSON file's lookup: %.2f s"
            " against %.2f s (%+.2f s)"
            % (_ms(extras["latency"]), yaml, lookup, yaml - lookup)
        )
    for single in (s for s in extras.get("single", []) if s["gaps"]):
        gap = statistics.median(single["gaps"])
        lines.append(
            "- one new number (bird_voice_connector), %s: the task's result %.2f s after the channel became"
            " active (median of %d; target %s)"
            % (
                _ms(single["latency"]),
                gap,
                len(single["gaps"]),
                _met(gap, SINGLE_TARGET, "%.1f s"),
            )
        )
    if extras.get("scale"):
        small, large = extras["scale"]
        per = dict(
            (kind, (large[kind] / large["numbers"]) / (small[kind] / small["numbers"]))
            for kind in ("fresh", "converged")
        )
        lines.append(
            "- scale, %s: time per number at %s numbers against %s: %.2fx fresh (%.1f s, %.1f s), %.2fx"
            " converged (%.1f s, %.1f s)"
            % (
                _ms(extras["latency"]),
                "{:,}".format(large["numbers"]),
                "{:,}".format(small["numbers"]),
                per["fresh"],
                large["fresh"],
                small["fresh"],
                per["converged"],
                large["converged"],
                small["converged"],
            )
        )
    return ("With %s:\n\n" % extras["core"] + "\n".join(lines)) if lines else ""


def render(results):
    header = [
        "%s, %s." % (results["date"], results["machine"]),
        "Cores: %s." % "; ".join(core["core"] for core in results["cores"]),
        "Simulator: Bird's limits (50 GET/s and 500 POST/s per workspace), a channel active %.1f s after its"
        " create. floor = floor play + ideal client; ratio = role / floor; seconds, medians of %d runs taken"
        " in turn." % (results["channel_delay"], results["repeat"]),
    ]
    parts = [
        "\n".join(header),
        "### Time against the floor",
        floor_table(results),
        "### Requests per workspace (mean, and range where workspaces differ)",
        requests_table(results),
        "### Where each playbook run's time goes (seconds; a task from its start to the next one's)",
        tasks_lines(results),
    ]
    extras = extras_lines(results)
    if extras:
        parts += ["### Other figures", extras]
    return "\n\n".join(parts)
