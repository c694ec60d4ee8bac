# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the voice_channels role against its floor, measured in the same run.

For each latency, against the bundled simulator (Bird's default limits, 50 GET/s and 500 POST/s
per workspace; a channel delay): the role fresh (no connectors) and converged (everything in
place), its numbers read from a JSON file, and converged once more with the numbers written as
YAML in the play's vars; and the floor of each: a one-task ``ansible.builtin.ping`` play plus the
ideal client (floor.py) doing the same job in the same simulator state. Then the single-module create
latency, and with --scale the role over 10,000 numbers beside 1,000. See docs/performance.md.
Not part of the test suite: ``make bench``.

    python tests/bench/bench.py                  # 20 and 100 ms; no scale run
    python tests/bench/bench.py --scale          # what make bench runs
    python tests/bench/bench.py --quick          # 20 ms only, fewer samples (about a minute)
    python tests/bench/bench.py --trace          # also the phases of every run (perturbs the timing)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time

import playbooks  # pylint: disable=import-error
import report  # pylint: disable=import-error
import scenarios  # pylint: disable=import-error
import sim  # pylint: disable=import-error


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--latency",
        default="0.02,0.1",
        help="simulated latencies in seconds, comma-separated",
    )
    parser.add_argument("--workspaces", type=int, default=10)
    parser.add_argument(
        "--numbers", type=int, default=100, help="numbers per workspace"
    )
    parser.add_argument("--channel-delay", type=float, default=1.0)
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each role/ideal scenario (median)",
    )
    parser.add_argument(
        "--scale-repeat", type=int, default=1, help="the same for the scale runs"
    )
    parser.add_argument(
        "--ping-samples",
        type=int,
        default=3,
        help="runs of the ping play per latency (median)",
    )
    parser.add_argument(
        "--single-samples",
        type=int,
        default=5,
        help="single-module runs per latency (0: none)",
    )
    parser.add_argument(
        "--scale", action="store_true", help="also 10,000 numbers beside 1,000"
    )
    parser.add_argument("--scale-workspaces", type=int, default=100)
    parser.add_argument(
        "--scale-latency", type=float, default=None, help="default: the first --latency"
    )
    parser.add_argument(
        "--max-in-flight", type=int, default=32, help="the ideal client's bound"
    )
    parser.add_argument(
        "--poll-interval",
        type=float,
        default=0.1,
        help="the ideal client's re-read period",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the first latency only, one run of each scenario, 2 ping and 2 single samples, no scale",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="record every request and print the phases of each run (costs CPU: timing suffers)",
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="run every module process under cProfile, writing <module>-<pid>.prof files to DIR (slower;"
        " implies --module-process)",
    )
    parser.add_argument(
        "--module-process",
        action="store_true",
        help="run the role's module as a traced module process (interpreter.py), not in a fork of Ansible's"
        " worker: the module's own start, exit and memory are measured",
    )
    parser.add_argument(
        "--json", metavar="PATH", help="also write the raw results here"
    )
    parser.add_argument(
        "--render",
        metavar="PATH",
        help="run nothing: print the tables of a --json file",
    )
    args = parser.parse_args(argv)
    args.latencies = [float(v) for v in args.latency.split(",") if v.strip()]
    if args.quick:
        args.latencies = args.latencies[:1]
        args.repeat = 1
        args.ping_samples = min(args.ping_samples, 2)
        args.single_samples = min(args.single_samples, 2)
        args.scale = False
    if args.scale_latency is None:
        args.scale_latency = args.latencies[0]
    return args


def log(message):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def median_row(samples):
    """The sample with the median time (the lower middle one for an even count), with every time."""
    ordered = sorted(samples, key=lambda r: r["seconds"])
    row = dict(ordered[(len(ordered) - 1) // 2])
    row["samples"] = [r["seconds"] for r in samples]
    if len(samples) > 1:
        row["seconds"] = statistics.median(r["seconds"] for r in samples)
    return row


def run_set(
    simulator, ansible, workspaces, latency, args, label, repeat, yaml_vars=False
):
    """Role fresh, role converged (with ``yaml_vars`` once more, the numbers as YAML in the play), ideal
    converged (in the state the role left), ideal fresh; ``repeat`` times, each time after a share of the
    ping play samples, so that a change of load hits both sides alike. Returns the median rows and the
    ping summary."""
    samples: dict = {}
    pings: list = []
    per_round = -(-args.ping_samples // repeat)
    for attempt in range(repeat):
        count = min(per_round, args.ping_samples - len(pings))
        if count > 0:
            log("%s: ping play x %d" % (label, count))
            pings += scenarios.ping(ansible, count)
        for scenario, kind in (
            [("role", "fresh"), ("role", "converged")]
            + ([("role", playbooks.YAML_CONVERGED)] if yaml_vars else [])
            + [("ideal", "converged"), ("ideal", "fresh")]
        ):
            log("%s: %s, %s (%d/%d)" % (label, scenario, kind, attempt + 1, repeat))
            if scenario == "role":
                row = scenarios.role(
                    simulator, ansible, workspaces, kind, latency, trace=args.trace
                )
            else:
                row = scenarios.ideal(
                    simulator,
                    workspaces,
                    kind,
                    latency,
                    trace=args.trace,
                    max_in_flight=args.max_in_flight,
                    poll_interval=args.poll_interval,
                )
            samples.setdefault((scenario, kind), []).append(row)
            log("    %.2f s" % row["seconds"])
    return [median_row(rows) for rows in samples.values()], scenarios.ping_summary(
        pings
    )


def main_block(simulator, ansible, workspaces, latency, args):
    simulator.configure(latency=latency)
    label = "%.0f ms" % (latency * 1000)
    rows, ping = run_set(
        simulator,
        ansible,
        workspaces,
        latency,
        args,
        label,
        args.repeat,
        yaml_vars=True,
    )
    single = []
    if args.single_samples:
        log("%s: single module x %d" % (label, args.single_samples))
        single = scenarios.single(simulator, ansible, latency, args.single_samples)
    return {"latency": latency, "ping": ping, "rows": rows, "single": single}


def scale_block(work, args):
    big = sim.entries(args.scale_workspaces, args.numbers)
    sizes = [args.workspaces, args.scale_workspaces]
    log("scale: starting a simulator with %d workspaces" % args.scale_workspaces)
    simulator = sim.Simulator(
        work,
        args.scale_workspaces,
        args.numbers,
        args.scale_latency,
        args.channel_delay,
    )
    try:
        ansible = playbooks.Ansible(
            os.path.join(work, "scale"),
            simulator.url,
            sim.KEY,
            module_process=args.module_process,
        )
        blocks = []
        pings = []
        for n_workspaces in sizes:
            workspaces = big[:n_workspaces]
            args_bytes = ansible.write_json("workspaces.json", workspaces)
            rows, ping = run_set(
                simulator,
                ansible,
                workspaces,
                args.scale_latency,
                args,
                "scale %d numbers" % (n_workspaces * args.numbers),
                args.scale_repeat,
            )
            pings.append(ping)
            blocks.append(
                {
                    "numbers": n_workspaces * args.numbers,
                    "workspaces": n_workspaces,
                    "rows": rows,
                    "args_bytes": args_bytes,
                    "ping": ping,
                }
            )
    finally:
        simulator.stop()
    return {"latency": args.scale_latency, "ping": pings[0], "sizes": blocks}


def machine():
    try:
        # pylint: disable-next=import-outside-toplevel  # the benchmark itself needs no ansible
        from ansible.release import __version__
    except ImportError:
        __version__ = "?"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        "%s, %s cores, Python %s, ansible-core %s, load average %.1f at the start"
        % (
            platform.machine(),
            os.cpu_count(),
            platform.python_version(),
            __version__,
            load,
        )
    )


def main(argv=None):
    args = parse_args(argv)
    if args.render:
        with open(args.render, encoding="utf-8") as handle:
            print(report.render(json.load(handle)))
        return
    started = time.monotonic()
    if args.profile:
        args.module_process = True
        os.makedirs(args.profile, exist_ok=True)
        os.environ["BIRD_BENCH_PROFILE_DIR"] = os.path.abspath(args.profile)
    work = tempfile.mkdtemp(prefix="bird-bench-")
    results = {
        "config": {
            "workspaces": args.workspaces,
            "numbers": args.numbers,
            "channel_delay": args.channel_delay,
            "rate_get": 50,
            "rate_post": 500,
            "max_in_flight": args.max_in_flight,
            "poll_interval": args.poll_interval,
            "ping_samples": args.ping_samples,
            "repeat": args.repeat,
            "scale_repeat": args.scale_repeat,
            "latencies": args.latencies,
            "module_process": args.module_process,
        },
        "machine": machine(),
        "main": [],
        "scale": None,
    }
    try:
        workspaces = sim.entries(args.workspaces, args.numbers)
        simulator = sim.Simulator(
            work, args.workspaces, args.numbers, args.latencies[0], args.channel_delay
        )
        try:
            ansible = playbooks.Ansible(
                os.path.join(work, "main"),
                simulator.url,
                sim.KEY,
                module_process=args.module_process,
            )
            ansible.write_json("workspaces.json", workspaces)
            for latency in args.latencies:
                results["main"].append(
                    main_block(simulator, ansible, workspaces, latency, args)
                )
        finally:
            simulator.stop()
        if args.scale:
            results["scale"] = scale_block(work, args)
    except scenarios.BenchError as err:
        raise SystemExit("benchmark void: %s" % err) from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    results["elapsed"] = time.monotonic() - started
    results["machine"] += ", %.1f at the end (%.0f s later)" % (
        os.getloadavg()[0],
        results["elapsed"],
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1, default=list)
    print(report.render(results))
    log("done in %.0f s" % results["elapsed"])


if __name__ == "__main__":
    main()
