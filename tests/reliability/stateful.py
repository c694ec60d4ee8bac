#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The property-based test, long profile: the state machine of tests/support/stateful.py for many steps.

    PYTHONPATH=.cache/collections .venv/bin/python tests/reliability/stateful.py [--examples 40] [--steps 30]
        [--role-runs 2] [--seed N] [--shrink]

The machine and its properties are those of tests/functional/test_stateful.py (the bounded profile
in the test command); here they run longer and, unless --seed is given, from a random seed (printed,
to replay). Prints its figures: steps, runs (in-process module runs, ansible-playbook role runs,
converged re-runs), changes made behind the collection's back, faults fired, and violations, which
must be 0. Exit status 1 on a violation, after printing the failing sequence of steps.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
import traceback

try:
    from hypothesis import seed as hypothesis_seed
    from hypothesis.stateful import run_state_machine_as_test

    from ansible_collections.bird.engagements.tests.support import stateful
    from ansible_collections.bird.engagements.tests.support.ansible_runs import (
        ansible_core_version,
    )
except ImportError as exc:  # pragma: no cover - say how to run it, in one line
    sys.exit(
        "%s: %s: run it from the repository root with hypothesis installed, PYTHONPATH=.cache/collections and "
        "the link .cache/collections/ansible_collections/bird/engagements -> ../../../.."
        % (sys.argv[0], exc)
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument(
        "--examples", type=int, default=40, help="sequences of steps (default 40)"
    )
    parser.add_argument(
        "--steps", type=int, default=30, help="steps per sequence, at most (default 30)"
    )
    parser.add_argument(
        "--role-runs",
        type=int,
        default=2,
        help="ansible-playbook role runs per sequence, at most (default 2)",
    )
    parser.add_argument(
        "--seed", type=int, default=None, help="seed (default: random, printed)"
    )
    parser.add_argument(
        "--shrink", action="store_true", help="shrink a failing sequence (slow)"
    )
    args = parser.parse_args(argv)
    seed = (
        args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    )
    machine = stateful.machine_with(args.role_runs)
    settings = stateful.profile(
        args.examples, args.steps, derandomize=False, shrink=args.shrink
    )
    print(
        "bird.engagements property-based test, long profile: seed %d, %d sequences of up to %d steps, "
        "at most %d role runs each" % (seed, args.examples, args.steps, args.role_runs),
        flush=True,
    )
    stateful.FIGURES.reset()
    started = time.monotonic()
    violations = 0
    try:
        run_state_machine_as_test(hypothesis_seed(seed)(machine), settings=settings)
    # pylint: disable-next=broad-exception-caught  # a violation: hypothesis printed the steps
    except Exception:
        violations = 1
        traceback.print_exc()
    elapsed = time.monotonic() - started
    print()
    print(
        "machine: %s CPUs, Python %s, ansible-core %s, %s"
        % (
            os.cpu_count(),
            platform.python_version(),
            ansible_core_version(),
            time.strftime("%Y-%m-%d %H:%M %Z"),
        )
    )
    print(
        "duration: %.0f s (module runs %.0f s, role runs %.0f s)"
        % (
            elapsed,
            stateful.FIGURES.seconds["module"] + stateful.FIGURES.seconds["batch"],
            stateful.FIGURES.seconds["role"],
        )
    )
    print()
    stateful.print_figures()
    print("  %-44s %6s   (must be 0)" % ("violations", violations))
    print()
    print("RESULT: %s" % ("FAIL" if violations else "PASS"))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
