# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the voice_channels role beside its floor, measured in the same run (``make bench``).

Against the bundled simulator (Bird's limits: 50 GET/s and 500 POST/s per workspace; a channel is
active 1 s after its connector's create), for each ansible-core install and each latency:

- 10 workspaces x 100 numbers on ``localhost`` (a host variable read from a JSON file by a lookup):
  the role fresh (no connectors) and converged; its floor, the floor play (one
  ``ansible.builtin.ping`` carrying the same numbers in and back) plus the ideal client (floor.py)
  doing the same job in the same simulator state;
- hosts as workspaces: an inventory of 100 hosts, each with one workspace of 10 numbers, converged,
  the role over ``hosts: all``; its floor, a three-task play over the same hosts (the argument check
  per host, one ``run_once`` ping carrying every host's numbers, a ``set_fact`` per host) plus the
  ideal client.

Then, with the newest install: the numbers as YAML in the inventory instead of the lookup, the
time from a channel becoming active to the result of a single-number ``bird_voice_connector`` task,
and with ``--scale`` the time per number at 10,000 numbers beside 1,000. See docs/performance.md.

    python tests/bench/bench.py --scale     # what make bench runs (both installs)
    python tests/bench/bench.py --quick     # the newest install, 20 ms, one run of each
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import floor  # pylint: disable=import-error
import report  # pylint: disable=import-error
import sim  # pylint: disable=import-error

import playbooks  # pylint: disable=import-error

ROOT = playbooks.ROOT
# The installs make bench measures: the oldest core the collection supports, in a venv made here
# like the Makefile's .venv, and the newest, the one running this script (make bench: .venv).
OLDEST = (".venv-oldest", "tests/dev-requirements-oldest.txt")


class BenchError(Exception):
    """A run did not do its job: its figures would mean nothing."""


def log(message):
    sys.stderr.write("[bench %s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--core",
        action="append",
        help="an ansible-core install to measure: 'oldest' (made in %s from %s), 'newest' (this Python's)"
        " or the bin directory of a venv; repeatable (default: oldest and newest)"
        % OLDEST,
    )
    parser.add_argument(
        "--python-oldest",
        default="python3.11",
        help="the Python 3.11 to make %s with" % OLDEST[0],
    )
    parser.add_argument(
        "--latency",
        default="0.02,0.1",
        help="simulated latencies in seconds, comma-separated",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each scenario (the median counts)",
    )
    parser.add_argument(
        "--channel-delay",
        type=float,
        default=1.0,
        help="seconds from create to active channel",
    )
    parser.add_argument(
        "--single-samples",
        type=int,
        default=3,
        help="single-number runs per latency (0: none)",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="also 10,000 numbers beside 1,000 (about a minute)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the newest install, the first latency, one run each",
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
    args.core = args.core or (["newest"] if args.quick else ["oldest", "newest"])
    if args.quick:
        args.latencies, args.repeat, args.single_samples = (
            args.latencies[:1],
            1,
            min(args.single_samples, 1),
        )
    return args


def oldest_venv(python):
    """The venv of the oldest core, (re)made when its pins changed since it was made."""
    venv, pins = (os.path.join(ROOT, p) for p in OLDEST)
    marker = os.path.join(venv, ".installed")
    if not os.path.exists(marker) or os.path.getmtime(marker) < os.path.getmtime(pins):
        log("making %s with %s from %s" % (OLDEST[0], python, OLDEST[1]))
        subprocess.run([python, "-m", "venv", "--clear", venv], check=True)
        python = os.path.join(venv, "bin", "python")
        pip = [python, "-m", "pip", "install", "-qq", "--disable-pip-version-check"]
        subprocess.run(pip + ["-c", pins, "ansible-core", "requests"], check=True)
        with open(marker, "w", encoding="utf-8"):
            pass
    return os.path.join(venv, "bin")


def bin_dir(core, args):
    if core == "oldest":
        return oldest_venv(args.python_oldest)
    if core == "newest":
        return os.path.dirname(sys.executable)
    return os.path.abspath(core)


# -- the runs ------------------------------------------------------------------------------
def role_run(
    simulator, ansible, workspaces, play, inventory="localhost.yml", fresh=False
):
    """The role (``play``) over ``workspaces``; ``fresh`` resets the simulator to no connectors first."""
    if fresh:
        simulator.reset()
    simulator.reset_stats()
    run = ansible.run(play, inventory)
    stats = simulator.stats()
    problems = sim.check_state(simulator.state(), workspaces)
    if problems or (not fresh and stats["writes"]):
        raise BenchError(
            "the role left %s, %d writes" % (problems[:3], stats["writes"])
        )
    run["counts"] = sim.counts(stats)
    return run


def ideal_run(simulator, workspaces, fresh=False):
    if fresh:
        simulator.reset()
    simulator.reset_stats()
    began = time.monotonic()
    results = floor.IdealClient(simulator.url, sim.KEY).run(workspaces)
    seconds = time.monotonic() - began
    changed = sum(r["changed"] for r in results)
    problems = sim.check_state(simulator.state(), workspaces)
    if problems or changed != (len(results) if fresh else 0):
        raise BenchError("the ideal client: %d changed; %s" % (changed, problems[:3]))
    return {"seconds": seconds, "counts": sim.counts(simulator.stats())}


def median_run(runs):
    """The median time of ``runs``, each task's median time, and the counts of the median run."""
    ordered = sorted(runs, key=lambda r: r["seconds"])
    result = dict(
        ordered[(len(ordered) - 1) // 2],
        seconds=statistics.median(r["seconds"] for r in runs),
    )
    if "tasks" in result:
        result["tasks"] = [
            [
                name,
                statistics.median(
                    r["tasks"][i][1] for r in runs if len(r["tasks"]) > i
                ),
            ]
            for i, (name, dummy) in enumerate(result["tasks"])
        ]
    result["samples"] = [r["seconds"] for r in runs]
    return result


def measure(rounds, repeat, label):
    """``rounds`` maps a name to a function doing one run; all of them in turn, ``repeat`` times, so
    that a change of load on the machine hits every one alike. Returns the median of each.
    """
    runs: dict = dict((name, []) for name in rounds)
    for attempt in range(repeat):
        for name, function in rounds.items():
            runs[name].append(function())
            log(
                "%s, %s (%d/%d): %.2f s"
                % (label, name, attempt + 1, repeat, runs[name][-1]["seconds"])
            )
    return dict((name, median_run(found)) for name, found in runs.items())


def core_block(core, bin_path, main_sim, hosts_sim, work, args):
    """Every latency's runs with one ansible-core install."""
    ansible = playbooks.Ansible(
        bin_path, os.path.join(work, core), main_sim.url, sim.KEY
    )
    hosts = playbooks.Ansible(
        bin_path, os.path.join(work, core + "-hosts"), hosts_sim.url, sim.KEY
    )
    main_ws, hosts_ws = sim.entries(10, 100), sim.entries(100, 10)
    ansible.write("workspaces.json", main_ws)
    hosts.write("hosts.yml", playbooks.hosts_inventory(hosts_ws))
    hosts_floor = playbooks.hosts_floor_play()
    blocks = []
    for latency in args.latencies:
        label = "%s, %.0f ms" % (core, latency * 1000)
        main_sim.configure(latency=latency)
        hosts_sim.configure(latency=latency)
        found = measure(
            {
                "floor play": lambda: ansible.run(playbooks.PING_PLAY),
                "role, fresh": lambda: role_run(
                    main_sim, ansible, main_ws, playbooks.ROLE_PLAY, fresh=True
                ),
                "role, converged": lambda: role_run(
                    main_sim, ansible, main_ws, playbooks.ROLE_PLAY
                ),
                "ideal, converged": lambda: ideal_run(main_sim, main_ws),
                "ideal, fresh": lambda: ideal_run(main_sim, main_ws, fresh=True),
            },
            args.repeat,
            label,
        )
        found.update(
            measure(
                {
                    "hosts: floor play": lambda: hosts.run(hosts_floor, "hosts.yml"),
                    "hosts: role": lambda: role_run(
                        hosts_sim,
                        hosts,
                        hosts_ws,
                        playbooks.HOSTS_ROLE_PLAY,
                        "hosts.yml",
                    ),
                    "hosts: ideal": lambda: ideal_run(hosts_sim, hosts_ws),
                },
                args.repeat,
                label,
            )
        )
        blocks.append({"latency": latency, "runs": found})
    return blocks


def newest_extras(bin_path, main_sim, work, args):
    """With the newest install: the numbers as YAML, the single-number create, the scale."""
    ansible = playbooks.Ansible(
        bin_path, os.path.join(work, "extras"), main_sim.url, sim.KEY
    )
    main_ws = sim.entries(10, 100)
    ansible.write("workspaces.json", main_ws)
    extras: dict = {"latency": args.latencies[0]}
    main_sim.configure(latency=args.latencies[0])
    ansible.write("yaml.yml", playbooks.localhost_inventory(main_ws))
    extras["input"] = measure(
        {
            "lookup": lambda: role_run(main_sim, ansible, main_ws, playbooks.ROLE_PLAY),
            "yaml": lambda: role_run(
                main_sim, ansible, main_ws, playbooks.ROLE_PLAY, "yaml.yml"
            ),
        },
        args.repeat,
        "numbers as YAML",
    )
    extras["single"] = []
    workspace = main_ws[0]["workspace_id"]
    number = main_ws[0]["numbers"][1]["phone_number_id"]
    for latency in args.latencies:
        main_sim.configure(latency=latency)
        gaps = []
        for dummy in range(args.single_samples):
            main_sim.reset()
            run = ansible.run(
                playbooks.MODULE_PLAY,
                extra_vars={"workspace_id": workspace, "phone_number_id": number},
            )
            active = sim.last_active(main_sim.state())
            if active is None:
                raise BenchError("the single-number run left no channel")
            gaps.append(run["end"] - run["tasks"][-1][1] - active)
        log(
            "single number, %.0f ms: %s s"
            % (latency * 1000, ", ".join("%.2f" % g for g in gaps))
        )
        extras["single"].append({"latency": latency, "gaps": gaps})
    main_sim.reset()  # the next core's first run is a fresh one anyway
    if args.scale:
        extras["scale"] = scale(bin_path, work, args)
    return extras


def scale(bin_path, work, args):
    """The role, fresh and converged, over 10 and then 100 workspaces of 100 numbers."""
    log("scale: a simulator with 100 workspaces x 100 numbers")
    simulator = sim.Simulator(work, 100, 100, args.channel_delay)
    try:
        simulator.configure(latency=args.latencies[0])
        ansible = playbooks.Ansible(
            bin_path, os.path.join(work, "scale"), simulator.url, sim.KEY
        )
        sizes = []
        for n_workspaces in (10, 100):
            workspaces = sim.entries(100, 100)[:n_workspaces]
            ansible.write("workspaces.json", workspaces)
            size = {"numbers": n_workspaces * 100}
            for kind in ("fresh", "converged"):
                run = role_run(
                    simulator,
                    ansible,
                    workspaces,
                    playbooks.ROLE_PLAY,
                    fresh=kind == "fresh",
                )
                size[kind] = run["seconds"]
                log(
                    "scale, %d numbers, %s: %.2f s"
                    % (size["numbers"], kind, run["seconds"])
                )
            sizes.append(size)
    finally:
        simulator.stop()
    return sizes


def main(argv=None):
    args = parse_args(argv)
    if args.render:
        with open(args.render, encoding="utf-8") as handle:
            print(report.render(json.load(handle)))
        return
    started = time.monotonic()
    cores = [(core, bin_dir(core, args)) for core in args.core]
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "machine": "%d cores, load average %.1f at the start"
        % (os.cpu_count() or 0, os.getloadavg()[0]),
        "repeat": args.repeat,
        "channel_delay": args.channel_delay,
        "cores": [],
    }
    work = tempfile.mkdtemp(prefix="bird-bench-")
    main_sim = sim.Simulator(work, 10, 100, args.channel_delay)
    hosts_sim = sim.Simulator(work, 100, 10, args.channel_delay, converged=True)
    try:
        for core, path in cores:
            name = playbooks.ansible_core(path)
            log("%s: %s" % (core, name))
            results["cores"].append(
                {
                    "core": name,
                    "blocks": core_block(core, path, main_sim, hosts_sim, work, args),
                }
            )
        results["extras"] = newest_extras(cores[-1][1], main_sim, work, args)
        results["extras"]["core"] = results["cores"][-1]["core"]
    except (BenchError, floor.FloorError) as err:
        raise SystemExit("benchmark void: %s" % err) from err
    finally:
        main_sim.stop()
        hosts_sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    results["elapsed"] = time.monotonic() - started
    results["machine"] += ", %.1f at the end, %.0f s later" % (
        os.getloadavg()[0],
        results["elapsed"],
    )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
    print(report.render(results))


if __name__ == "__main__":
    main()
