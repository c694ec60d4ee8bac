#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Randomized fault-injection campaign against the Bird API simulator; prints its figures.

    .venv/bin/python tests/reliability/run.py [--rounds 5] [--seed N] [--workers 3]

Each round runs, in random order and with random parameters, one scenario of every
fault kind (429s with and without Retry-After, 5xx bursts, lost and dropped
responses, responses slower than the timeout, a channel never assigned, the API
echoing the access key, check mode under faults), two races of several
ansible-playbook processes (module or role, duplicate status 409 or 422) and one
restart of the simulator mid-run; the bad-input tables run once. Every run uses its
own random access key, and every output is searched for it.

Figures that must be 0: duplicates, orphaned connectors, writes in check mode, writes
for bad input, leaks, unclear failures, wrong ``changed`` reports, runs that did not
converge on a re-run, and errors of the campaign itself. The exit status is 1 if any
of them is not 0. The scenarios and their checks are those of tests/functional
(shared in tests/support).
"""

from __future__ import annotations

import argparse
import collections
import functools
import os
import platform
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

try:
    from ansible_collections.bird.engagements.tests.simulator import generated_ids
    from ansible_collections.bird.engagements.tests.support import ansible_runs as runs
    from ansible_collections.bird.engagements.tests.support import bad_inputs, leaks
    from ansible_collections.bird.engagements.tests.support import simulators as sims
    from ansible_collections.bird.engagements.tests.support.simulators import (
        WS1,
        WS1_VOICE,
        WS2,
        WS2_VOICE,
    )
except ImportError as exc:  # pragma: no cover - say how to run it, in one line
    sys.exit(
        "%s: ansible_collections.bird.engagements is not importable (%s): run it from the repository root with "
        "PYTHONPATH=.cache/collections and the link .cache/collections/ansible_collections/bird/engagements -> "
        "../../../.." % (sys.argv[0], exc)
    )

ALL_NUMBERS = [(WS1, n) for n in WS1_VOICE] + [(WS2, n) for n in WS2_VOICE]
ROUTES = {
    "list connectors": {"method": "GET", "path": "/connectors$"},
    "get connector": {"method": "GET", "path": "/connectors/[^/]+$"},
    "numbers": {"method": "GET", "path": "/numbers"},
    "create": {"method": "POST", "path": "/connectors$"},
}
FAULT_KINDS = (
    "rate_limit",
    "server_error",
    "lost_response",
    "dropped",
    "slow",
    "channel_never",
    "echo",
    "check",
)
MUST_BE_ZERO = (
    "duplicates",
    "orphans",
    "check_writes",
    "bad_input_writes",
    "leaks",
    "unclear",
    "wrong_changed",
    "not_converged",
    "errors",
)


class Tally:
    """Thread-safe counters and the problems found, with what caused them."""

    def __init__(self):
        self.counts: collections.Counter = collections.Counter()
        self.faults: collections.Counter = collections.Counter()
        self.problems = []
        self._lock = threading.Lock()

    def add(self, name, value=1):
        with self._lock:
            self.counts[name] += value

    def add_faults(self, stats):
        with self._lock:
            self.faults.update(stats["faults_fired"])

    def problem(self, figure, where, detail):
        with self._lock:
            self.counts[figure] += 1
            self.problems.append("%s [%s]: %s" % (figure, where, detail))


# -- judging one run ----------------------------------------------------------------------


def count_leaks(tally, where, key, run):
    """One leak per run whose outputs hold the key or a piece of it; the details name every output."""
    found = leaks.find_leaks(key, run.texts)
    if found:
        tally.problem(
            "leaks",
            where,
            "; ".join(
                "%s holds %r: ...%s..." % (name, piece, context.replace("x" * 20, ""))
                for name, piece, context in found
            ),
        )


def describe(faults):
    """A short description of fault rules, for messages."""
    parts = []
    for rule in faults:
        text = "%s %s %s" % (
            rule.get("method", "*"),
            rule.get("path", ".*"),
            rule["kind"],
        )
        if rule["kind"] == "status":
            text += " %s" % rule["status"]
        if rule["kind"] == "delay":
            text += " %ss" % rule["delay"]
        if rule.get("count"):
            text += " x%s" % rule["count"]
        if rule.get("echo_headers"):
            text += " echoing headers"
        if isinstance(rule.get("body"), str):
            text += " text body with the key at character %d" % (
                rule["body"].index("AccessKey") + 11
            )
        parts.append(text)
    return ", ".join(parts) or "no fault rule"


def judge_run(tally, where, run, key, expect_failure=False):
    """Count a run, search its outputs for the key, and classify it: converged, failed clearly or not."""
    tally.add("runs")
    count_leaks(tally, where, key, run)
    if run.rc == 0:
        tally.add("converged")
        if expect_failure:
            tally.problem("unclear", where, "succeeded although it should have failed")
    elif runs.is_clear_failure(run):
        tally.add("failed_clearly")
    else:
        tally.problem("unclear", where, repr(run)[:1500])


def demo_ids(numbers):
    """``[(workspace id, phone number id)]`` of demo ``[(workspace id, E.164)]``."""
    return [(ws, sims.number_id(n)) for ws, n in numbers]


def judge_state(tally, where, state, wanted, expect_channels=True):
    """No duplicate; no connector for a number that was not asked for; a channel for each one asked for.

    ``wanted`` lists (workspace id, phone number id); returns those without a connector (or channel).
    """
    by_number = sims.connectors_by_number(state)
    wanted = set(wanted)
    for key, ids in by_number.items():
        if len(ids) > 1:
            tally.problem("duplicates", where, "%s has connectors %s" % (key, ids))
        if key not in wanted:
            tally.problem(
                "orphans",
                where,
                "connector(s) %s for %s, which was not asked for" % (ids, key),
            )
    missing = [
        k
        for k in wanted
        if k not in by_number
        or (expect_channels and not sims.channel_of(state, k[0], k[1]))
    ]
    return missing


# -- fault scenarios ------------------------------------------------------------------------


def _fault_plan(rng, kind):
    """(simulator config, module options, verbosity/diff, whether the run must fail) for a fault kind."""
    config = dict(channel_delay=rng.choice([0.0, 0.2, 0.5]))
    options = dict(timeout=5, retries=6, wait_timeout=20)
    faults = []
    expect_failure = False
    if kind == "rate_limit":
        config.update(
            rate_limit_share=round(rng.uniform(0.3, 0.5), 2),
            retry_after_header=rng.random() < 0.5,
        )
        options.update(retries=12)
    elif kind == "server_error":
        for route in rng.sample(sorted(ROUTES), rng.randint(1, 3)):
            faults.append(
                dict(
                    ROUTES[route],
                    kind="status",
                    status=rng.choice([500, 502, 503]),
                    count=rng.randint(1, 3),
                    skip=rng.randint(0, 2),
                )
            )
    elif kind == "lost_response":
        faults.append(
            dict(ROUTES["create"], kind="drop_after_apply", count=rng.randint(1, 3))
        )
        if rng.random() < 0.5:
            faults.append(
                {
                    "method": "GET",
                    "kind": "drop",
                    "count": rng.randint(1, 2),
                    "skip": rng.randint(0, 3),
                }
            )
    elif kind == "dropped":
        for route in rng.sample(sorted(ROUTES), rng.randint(1, 2)):
            faults.append(dict(ROUTES[route], kind="drop", count=rng.randint(1, 2)))
    elif kind == "slow":
        options.update(timeout=1)
        if rng.random() < 0.3:
            # The create is held until the client, timed out, has looked it up; then applied (see tests/support/simulators.py).
            config.update(hold_create=True, faults=[])
            return config, options, expect_failure
        for route in rng.sample(sorted(ROUTES), rng.randint(1, 2)):
            faults.append(
                dict(
                    ROUTES[route],
                    kind="delay",
                    delay=round(rng.uniform(1.2, 3.0), 2),
                    count=rng.randint(1, 2),
                )
            )
    elif kind == "channel_never":
        config.update(channel_delay=-1)
        options.update(wait_timeout=rng.randint(1, 2))
        expect_failure = True
    elif kind == "echo":
        if rng.random() < 0.5:
            faults.append(
                dict(
                    ROUTES[rng.choice(sorted(ROUTES))],
                    kind="status",
                    echo_headers=True,
                    status=rng.choice([400, 401, 403, 422, 500, 503]),
                )
            )
        else:
            # A text error page echoing the key across the client's 500-character message limit.
            inside = rng.randint(10, 40)
            faults.append(
                dict(
                    ROUTES["list connectors"],
                    kind="status",
                    status=rng.choice([400, 502]),
                    body="x" * (500 - 1 - 17 - inside) + " echo: AccessKey {key}",
                )
            )
        options.update(retries=1)
    elif kind == "check":
        config.update(rate_limit_share=round(rng.uniform(0.0, 0.4), 2))
        options.update(retries=10)
        for route in rng.sample(
            ["list connectors", "numbers", "get connector"], rng.randint(1, 2)
        ):
            faults.append(
                dict(
                    ROUTES[route],
                    kind=rng.choice(["status", "drop"]),
                    status=503,
                    count=rng.randint(1, 2),
                )
            )
    config["faults"] = faults
    return config, options, expect_failure


def fault_job(rng, tmp, tally, kind):
    where = "%s seed=%s" % (kind, rng.seed_value)
    key = leaks.canary_key()
    config, options, expect_failure = _fault_plan(rng, kind)
    for rule in config["faults"]:
        if isinstance(rule.get("body"), str):
            rule["body"] = rule["body"].replace("{key}", key)
    role = rng.random() < 0.4
    numbers = (
        rng.sample(ALL_NUMBERS, rng.randint(2, 7))
        if role
        else [rng.choice(ALL_NUMBERS)]
    )
    check = kind == "check"
    hold = config.pop("hold_create", False)
    sim = sims.start_sim(
        seed=sims.seed_with_key(key), random_seed=rng.randrange(1 << 30), **config
    )
    if hold:
        sims.HoldCreateUntilLookup(sim)
        tally.add("held_creates")
        config["faults"] = [
            {
                "method": "POST",
                "path": "connectors",
                "kind": "held until after the lookup",
            }
        ]
    where += " %s; %s; %s" % (
        "role" if role else "module",
        describe(config["faults"]),
        ", ".join("%s=%s" % kv for kv in sorted(config.items()) if kv[0] != "faults"),
    )
    try:
        env = runs.ansible_env(sim, access_key=key)
        extra = ["-vvvv"] if rng.random() < 0.3 else []
        extra += ["--diff"] if rng.random() < 0.5 else []
        extra += ["--check"] if check else []
        if role:
            workspaces = []
            for ws in (WS1, WS2):
                mine = [dict(phone_number=n) for w, n in numbers if w == ws]
                if mine:
                    workspaces.append(dict(workspace_id=ws, numbers=mine))
            role_vars = dict(("voice_channels_%s" % k, v) for k, v in options.items())
            out = os.path.join(tmp, "result.json")
            run = runs.run_playbook(
                runs.role_playbook(
                    os.path.join(tmp, "play.json"), out, workspaces, role_vars
                ),
                env,
                out_file=out,
                args=extra,
            )
        else:
            ws, number = numbers[0]
            run = runs.run_adhoc(
                dict(options, workspace_id=ws, phone_number=number),
                env,
                oneline="-vvvv" not in extra,
                check=check,
                diff="--diff" in extra,
                verbosity=4 if "-vvvv" in extra else 0,
            )
        stats = sim.stats()
        tally.add_faults(stats)
        judge_run(tally, where, run, key, expect_failure)
        if check:
            if stats["writes"]:
                tally.problem(
                    "check_writes", where, "%d writes in check mode" % stats["writes"]
                )
            tally.add("check_runs")
        missing = judge_state(
            tally,
            where,
            sim.state(),
            [] if check else demo_ids(numbers),
            expect_channels=not expect_failure,
        )
        if run.rc == 0 and not check and missing:
            tally.problem(
                "unclear",
                where,
                "reported success, but %s have no connector or channel" % missing,
            )
        if kind == "channel_never" and run.rc != 0:
            ids = [
                c
                for ids in sims.connectors_by_number(sim.state()).values()
                for c in ids
            ]
            if not any(i in runs.failure_message(run) for i in ids):
                tally.problem(
                    "unclear",
                    where,
                    "the timeout message names no connector: %s"
                    % runs.failure_message(run),
                )
        if run.rc == 0 and isinstance(run.result, dict):
            if role:
                created = (run.result.get("summary") or {}).get("created")
                if created != len(numbers):
                    tally.problem(
                        "wrong_changed",
                        where,
                        "summary says %s created, not %d" % (created, len(numbers)),
                    )
            elif run.result.get("changed") is not True:
                tally.problem(
                    "wrong_changed",
                    where,
                    "the run created the connector but reports changed=%s"
                    % run.result.get("changed"),
                )
    finally:
        sim.stop()


# -- races ------------------------------------------------------------------------------------


def race_job(rng, tmp, tally):
    key = leaks.canary_key()
    processes = rng.randint(3, 5)
    duplicate_status = rng.choice([409, 422])
    role = rng.random() < 0.5
    where = "race %s x%d %d seed=%s" % (
        "role" if role else "module",
        processes,
        duplicate_status,
        rng.seed_value,
    )
    sim = sims.start_sim(
        seed=sims.seed_with_key(key),
        duplicate_status=duplicate_status,
        channel_delay=rng.choice([0.0, 0.3]),
        latency=0.01,
    )
    try:
        gate = sims.RaceGate(sim, processes, sims.numbers_search_key)
        env = runs.ansible_env(sim, access_key=key)
        jobs = []
        if role:
            numbers = rng.sample(ALL_NUMBERS, rng.randint(2, 7))
            workspaces = [
                dict(
                    workspace_id=ws,
                    numbers=[dict(phone_number=n) for w, n in numbers if w == ws],
                )
                for ws in (WS1, WS2)
                if any(w == ws for w, dummy in numbers)
            ]
        else:
            ws = rng.choice([WS1, WS2])
            numbers = [
                (ws, n)
                for n in rng.sample(
                    WS1_VOICE if ws == WS1 else WS2_VOICE, rng.randint(1, 2)
                )
            ]
        for index in range(processes):
            out = os.path.join(tmp, "run%d.json" % index)
            play = os.path.join(tmp, "play%d.json" % index)
            if role:
                play = runs.role_playbook(
                    play,
                    out,
                    workspaces,
                    dict(voice_channels_timeout=40, voice_channels_wait_timeout=60),
                )
            else:
                play = runs.module_race_playbook(
                    play, out, ws, [n for dummy, n in numbers], dict(timeout=40)
                )
            jobs.append((play, env, out))
        finished = runs.start_playbooks(jobs)
        tally.add("races")
        tally.add("race_processes", processes)
        for run in finished:
            judge_run(tally, where, run, key)
        tally.add_faults(sim.stats())
        if gate.broken:
            tally.problem(
                "errors",
                where,
                "the race gate opened on its timeout: not every process raced",
            )
        missing = judge_state(tally, where, sim.state(), demo_ids(numbers))
        if missing:
            tally.problem(
                "not_converged", where, "no connector or channel for %s" % missing
            )
        for ws, number in numbers:
            items = []
            for run in finished:
                if not isinstance(run.result, dict) or "results" not in run.result:
                    continue
                for item in run.result["results"]:
                    if item.get("item", item.get("phone_number")) == number:
                        items.append(item)
            channels = set(i.get("channel_id") for i in items)
            changed = [bool(i.get("changed")) for i in items]
            if len(items) != processes or len(channels) != 1 or None in channels:
                tally.problem(
                    "not_converged",
                    where,
                    "%s: runs report channels %s" % (number, channels),
                )
            if changed.count(True) != 1:
                tally.problem(
                    "wrong_changed",
                    where,
                    "%s: %d runs report changed" % (number, changed.count(True)),
                )
    finally:
        sim.stop()


# -- restart ------------------------------------------------------------------------------------


def restart_job(rng, tmp, tally):
    key = leaks.canary_key()
    count = rng.randint(12, 30)
    sig = rng.choice([signal.SIGTERM, signal.SIGKILL])
    where = "restart %d numbers %s seed=%s" % (count, sig.name, rng.seed_value)
    generated = generated_ids(1, count)
    seed = {
        "access_keys": [{"key": key, "workspaces": "*", "write": True}],
        "workspaces": generated,
    }
    ext = sims.ExternalSimulator(
        tmp,
        seed,
        config={
            "latency": round(rng.uniform(0.05, 0.15), 3),
            "channel_delay": rng.choice([0.0, 0.5, 1.0]),
        },
    )
    ext.start()
    wanted = [(generated[0]["id"], n["id"]) for n in generated[0]["numbers"]]
    workspaces = [
        dict(
            workspace_id=generated[0]["id"],
            numbers=[dict(phone_number=n["number"]) for n in generated[0]["numbers"]],
        )
    ]
    env = runs.ansible_env(ext, access_key=key)
    try:
        out = os.path.join(tmp, "first.json")
        play = runs.role_playbook(
            os.path.join(tmp, "first.yml"),
            out,
            workspaces,
            dict(
                voice_channels_retries=8,
                voice_channels_timeout=5,
                voice_channels_wait_timeout=60,
                voice_channels_concurrency=rng.choice([2, 4, 8]),
            ),
        )
        # pylint: disable-next=consider-using-with  # waited for below
        proc = subprocess.Popen(
            [runs.ANSIBLE_PLAYBOOK, play],
            env=env,
            cwd=runs.ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        threshold = rng.randint(1, count // 2)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if sims.connector_count(ext.state()) >= threshold:
                break
            time.sleep(0.03)
        if proc.poll() is None:
            ext.stop(sig)
            tally.add("restarts")
            time.sleep(rng.uniform(0.2, 1.5))
            ext.start()
        stdout, stderr = proc.communicate(timeout=300)
        first = runs.Run(
            subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
            out_file=out,
        )
        judge_run(tally, where, first, key)
        judge_state(tally, where + " (after the first run)", ext.state(), wanted)
        out2 = os.path.join(tmp, "second.json")
        second = runs.run_playbook(
            runs.role_playbook(os.path.join(tmp, "second.yml"), out2, workspaces),
            env,
            out_file=out2,
        )
        judge_run(tally, where + " (re-run)", second, key)
        missing = judge_state(tally, where + " (after the re-run)", ext.state(), wanted)
        if second.rc != 0 or missing:
            tally.problem(
                "not_converged",
                where,
                "the re-run did not converge: rc=%s, missing %s" % (second.rc, missing),
            )
        tally.add_faults(ext.stats())
    finally:
        ext.stop()


# -- bad input ------------------------------------------------------------------------------------


def bad_input_job(rng, tmp, tally, role):
    cases = bad_inputs.BAD_ROLE_INPUTS if role else bad_inputs.BAD_MODULE_INPUTS
    where = "bad input (%s)" % ("role" if role else "module")
    key = leaks.canary_key()
    seed = sims.seed_with_key(key)
    started = [sims.start_sim(seed=seed) for dummy in cases]
    try:
        out = os.path.join(tmp, "bad.json")
        play = bad_inputs.bad_input_playbook(
            os.path.join(tmp, "bad.yml"),
            out,
            cases,
            [s.url for s in started],
            role=role,
        )
        args = ["-vvvv"] if rng.random() < 0.5 else []
        run = runs.run_playbook(
            play, runs.ansible_env(None, access_key=key), out_file=out, args=args
        )
        tally.add("runs")
        count_leaks(tally, where, key, run)
        results = run.result if isinstance(run.result, dict) else {}
        for case, sim in zip(cases, started):
            stats = sim.stats()
            tally.add("bad_inputs")
            if stats["writes"]:
                tally.problem(
                    "bad_input_writes",
                    where,
                    "%s: %d writes" % (case["id"], stats["writes"]),
                )
            problems = bad_inputs.judge_bad_input(
                case, results.get(case["id"]), dict(stats, writes=0)
            )
            for problem in problems:
                tally.problem("unclear", "%s %s" % (where, case["id"]), problem)
    finally:
        for sim in started:
            sim.stop()


# -- the campaign ------------------------------------------------------------------------------------


class JobRandom(random.Random):
    """A random generator that remembers its seed, to name and replay a scenario."""

    def __init__(self, seed_value):
        super().__init__(seed_value)
        self.seed_value = seed_value


def plan_jobs(rng, rounds):
    jobs = [
        ("bad input (module)", functools.partial(bad_input_job, role=False)),
        ("bad input (role)", functools.partial(bad_input_job, role=True)),
    ]
    for dummy in range(rounds):
        batch: list = [
            (kind, functools.partial(fault_job, kind=kind)) for kind in FAULT_KINDS
        ]
        batch += [("race", race_job), ("race", race_job), ("restart", restart_job)]
        rng.shuffle(batch)
        jobs.extend(batch)
    # Long jobs first, so that the pool ends together.
    jobs.sort(key=lambda job: not job[0].startswith(("restart", "race", "bad input")))
    return [(name, func, rng.randrange(1 << 31)) for name, func in jobs]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--rounds", type=int, default=5, help="rounds of every fault kind (default 5)"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=None,
        help="campaign seed (default: random, printed)",
    )
    parser.add_argument(
        "--workers", type=int, default=3, help="scenarios run at once (default 3)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print each scenario as it ends"
    )
    args = parser.parse_args(argv)
    seed = (
        args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    )
    rng = random.Random(seed)
    tally = Tally()
    jobs = plan_jobs(rng, args.rounds)
    started = time.monotonic()
    base = tempfile.mkdtemp(prefix="bird-reliability-")

    def execute(job):
        name, func, job_seed = job
        tmp = tempfile.mkdtemp(
            prefix=name.replace(" ", "-").strip("()") + "-", dir=base
        )
        job_started = time.monotonic()
        try:
            func(JobRandom(job_seed), tmp, tally)
        except Exception:  # pylint: disable=broad-except
            tally.problem(
                "errors",
                "%s seed=%s" % (name, job_seed),
                traceback.format_exc()[-1500:],
            )
        if args.verbose:
            print(
                "  %-20s seed=%-11s %5.1fs"
                % (name, job_seed, time.monotonic() - job_started),
                flush=True,
            )

    print(
        "bird.engagements reliability campaign: seed %d, %d rounds, %d scenarios, %d at once"
        % (seed, args.rounds, len(jobs), args.workers),
        flush=True,
    )
    runs.parallel(execute, jobs, workers=args.workers)
    elapsed = time.monotonic() - started
    counts, faults = tally.counts, tally.faults

    def line(label, value, must_be_zero=False):
        print(
            "  %-44s %6s%s" % (label, value, "   (must be 0)" if must_be_zero else "")
        )

    print()
    print(
        "machine: %s CPUs, Python %s, ansible-core %s, %s"
        % (
            os.cpu_count(),
            platform.python_version(),
            runs.ansible_core_version(),
            time.strftime("%Y-%m-%d %H:%M %Z"),
        )
    )
    print("duration: %.0f s" % elapsed)
    print()
    line("ansible runs (ad hoc and playbook processes)", counts["runs"])
    line("  converged", counts["converged"])
    line("  failed with a clear message (as some must)", counts["failed_clearly"])
    print("  faults injected (simulator faults_fired):")
    for kind in ("rate_limited", "status", "drop", "drop_after_apply", "delay"):
        line("  %s" % kind, faults[kind])
    line("  creates held until after the lookup", counts["held_creates"])
    line("  simulator restarts mid-run", counts["restarts"])
    line("races run", counts["races"])
    line("  ansible-playbook processes in races", counts["race_processes"])
    line("bad inputs tried", counts["bad_inputs"])
    line("check-mode runs under faults", counts["check_runs"])
    line("duplicates found", counts["duplicates"], True)
    line("orphaned connectors", counts["orphans"], True)
    line("writes sent in check mode", counts["check_writes"], True)
    line("writes sent for bad input", counts["bad_input_writes"], True)
    line("leaks found", counts["leaks"], True)
    line("unclear failures or wrong messages", counts["unclear"], True)
    line("wrong changed reports", counts["wrong_changed"], True)
    line("not converged (races, re-runs)", counts["not_converged"], True)
    line("errors of the campaign itself", counts["errors"], True)
    failed = [name for name in MUST_BE_ZERO if counts[name]]
    if tally.problems:
        print()
        print("problems:")
        for problem in tally.problems[:40]:
            print("  - " + problem.replace("\n", "\n    "))
        if len(tally.problems) > 40:
            print("  ... and %d more" % (len(tally.problems) - 40))
    print()
    print("RESULT: %s" % ("FAIL (%s)" % ", ".join(failed) if failed else "PASS"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
