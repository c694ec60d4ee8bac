# Copyright (c) Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make test`: every nox session of the collection, as stages, with readable output.

    python tests/tools/make_test.py [--jobs N] [--keep-going] [STAGE...]

Each stage is one `nox` run (sessions in noxfile.py / antsibull-nox.toml).
Its whole output goes to tests/output/logs/<stage>.log; the terminal gets one
line when a stage starts and one when it ends, then a table of every stage
with its result and time. When a stage fails, the end of its log is printed
and no further stage is started (unless --keep-going).

Stages run two at a time (--jobs, or TEST_JOBS): the machines have two cores,
and the longest stages (integration) mostly wait on the simulator. The order
below starts the longest first.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def logs_dir() -> Path:
    """Where the stages' logs go: tests/output/logs/, or $MAKE_TEST_LOGS (the tool's own tests)."""
    return Path(os.environ.get("MAKE_TEST_LOGS") or ROOT / "tests" / "output" / "logs")


TAIL_LINES = 60
# Seconds a stopped stage gets to end before it is killed.
STOP_GRACE = 30


@dataclass
class Stage:  # pylint: disable=too-many-instance-attributes
    """One nox run of make test, and how it went."""

    name: str
    sessions: list[str]
    what: str
    # Arguments after `nox ... --`, for every session of the stage.
    posargs: list[str] = field(default_factory=list)
    # A stage whose log matches this fails even when nox succeeded.
    fail_pattern: str | None = None
    fail_reason: str = ""
    result: str = "not run"
    seconds: float = 0.0
    log: Path = field(init=False)
    process: subprocess.Popen | None = field(default=None, init=False, repr=False)
    started: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self.log = logs_dir() / f"{self.name}.log"

    def start(self, nox: list[str]) -> None:
        """Start nox for this stage's sessions, its output going to the log."""
        command = nox + [
            "--error-on-missing-interpreters",
            "--no-color",
            "-e",
            *self.sessions,
        ]
        if self.posargs:
            command += ["--", *self.posargs]
        env = dict(os.environ)
        # Check, never rewrite (antsibull-nox's formatters fix files unless in
        # CI), and plain output: the same locally as in CI.
        env.update(
            CI="true",
            NO_COLOR="1",
            PY_COLORS="0",
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
        )
        with open(self.log, "w", encoding="utf-8") as handle:
            handle.write(f"$ {' '.join(command)}\n")
            handle.flush()
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                command,
                cwd=ROOT,
                stdin=subprocess.DEVNULL,
                stdout=handle,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # its own process group, to stop it whole
            )
        self.started = time.monotonic()

    def poll(self) -> bool:
        """Whether the stage has ended (its result is then set)."""
        assert self.process is not None
        returncode = self.process.poll()
        if returncode is None:
            return False
        self.seconds = time.monotonic() - self.started
        if returncode == 0 and self.fail_pattern:
            text = self.log.read_text(encoding="utf-8", errors="replace")
            hits = [
                line for line in text.splitlines() if re.search(self.fail_pattern, line)
            ]
            if hits:
                with open(self.log, "a", encoding="utf-8") as handle:
                    handle.write(
                        f"\n*** {self.fail_reason}:\n" + "\n".join(hits) + "\n"
                    )
                returncode = 1
        self.result = "passed" if returncode == 0 else "FAILED"
        return True

    def stop(self) -> None:
        """Stop the stage's nox and everything it started (killed if it lingers)."""
        assert self.process is not None
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=STOP_GRACE)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process.wait()
        self.seconds = time.monotonic() - self.started
        self.result = "stopped"


def stages() -> list[Stage]:
    """The stages of make test, longest first."""
    return [
        Stage(
            "integration-2.21",
            ["ansible-test-integration-2.21"],
            "ansible-test integration, newest core",
        ),
        Stage(
            "integration-2.16",
            ["ansible-test-integration-2.16"],
            "ansible-test integration, ansible-core 2.16",
        ),
        Stage(
            "functional",
            ["functional"],
            "pytest tests/functional (+ tests/simulator/tests)",
        ),
        Stage(
            "sanity-2.21",
            ["ansible-test-sanity-2.21"],
            "ansible-test sanity, newest core",
        ),
        Stage(
            "sanity-2.16",
            ["ansible-test-sanity-2.16"],
            "ansible-test sanity, ansible-core 2.16",
        ),
        Stage(
            "units",
            ["ansible-test-units-2.16", "ansible-test-units-2.21"],
            "ansible-test units on both cores",
        ),
        Stage(
            "lint",
            ["lint"],
            "formatters, codeqa, yamllint, typing, antsibull-nox config",
        ),
        Stage(
            "build-import-check",
            ["build-import-check"],
            "ansible-galaxy collection build + galaxy-importer",
            # galaxy-importer exits 0 after logging problems; Galaxy would show
            # every one of them on the collection's page, so none is accepted.
            fail_pattern=r"^\s*(WARNING|ERROR):",
            fail_reason="galaxy-importer logged warnings or errors",
        ),
        Stage(
            "docs",
            ["docs-check", "docs-build"],
            "antsibull-docs lint + the strict docsite build",
        ),
        Stage("ansible-lint", ["ansible-lint"], "ansible-lint --profile production"),
        Stage(
            "eda",
            ["eda"],
            "tests/eda: the webhook source, the rulebook end to end (ansible-rulebook, Java 17)",
        ),
        Stage(
            "checks",
            ["extra-checks", "license-check", "changelog", "workflows"],
            "action group, unwanted files, characters, REUSE, changelog, workflow schema",
        ),
    ]


def shown(path: Path) -> str:
    """A path as printed: relative to the checkout when inside it."""
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def fmt(seconds: float) -> str:
    """1m05s, 42s."""
    return (
        f"{int(seconds) // 60}m{int(seconds) % 60:02d}s"
        if seconds >= 60
        else f"{int(seconds)}s"
    )


def say(message: str) -> None:
    """A progress line."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def tail(path: Path, lines: int) -> str:
    """The last lines of a file."""
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    )


def run(todo: list[Stage], nox: list[str], jobs: int, keep_going: bool) -> None:
    """Run the stages, ``jobs`` at a time; after a failure start no more (unless keep_going)."""
    pending = list(todo)
    running: list[Stage] = []
    failed = False
    try:
        # After a failure (without keep_going) nothing more starts: the stages
        # still pending stay "not run", and the loop ends once none is running.
        while running or (pending and not (failed and not keep_going)):
            while pending and len(running) < jobs and not (failed and not keep_going):
                stage = pending.pop(0)
                stage.start(nox)
                running.append(stage)
                say(f"start  {stage.name}: {stage.what}")
            for stage in [stage for stage in running if stage.poll()]:
                running.remove(stage)
                say(f"{stage.result:6} {stage.name} in {fmt(stage.seconds)}")
                if stage.result == "passed":
                    continue
                failed = True
                print(f"\n----- last {TAIL_LINES} lines of {shown(stage.log)} -----")
                print(tail(stage.log, TAIL_LINES))
                print("-----\n", flush=True)
            if failed and not keep_going and running:
                for stage in running:
                    say(f"stopping {stage.name}")
                    stage.stop()
                running.clear()
            time.sleep(0.5)
    finally:
        for stage in running:
            stage.stop()


def report(todo: list[Stage], total: float) -> bool:
    """Print the closing table; whether every stage passed."""
    width = max(len(stage.name) for stage in todo)
    print()
    print(f"{'stage':<{width}}  {'result':<7}  {'time':>6}  log")
    for stage in todo:
        ran = stage.result != "not run"
        log = shown(stage.log) if ran else "-"
        print(
            f"{stage.name:<{width}}  {stage.result:<7}  {fmt(stage.seconds) if ran else '-':>6}  {log}"
        )
    passed = sum(stage.result == "passed" for stage in todo)
    bad = sum(stage.result == "FAILED" for stage in todo)
    skipped = len(todo) - passed - bad
    ok = not bad and not skipped
    print(f"{'total':<{width}}  {'passed' if ok else 'FAILED':<7}  {fmt(total):>6}")
    print()
    print(
        f"stages: {passed} passed, {bad} failed"
        + (f", {skipped} skipped" if skipped else "")
    )
    return ok


def main() -> int:
    """Command line."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--jobs", type=int, default=int(os.environ.get("TEST_JOBS", "2"))
    )
    parser.add_argument(
        "--keep-going", action="store_true", help="run every stage even after a failure"
    )
    parser.add_argument(
        "--nox", default=os.environ.get("NOX", "nox"), help="the nox command"
    )
    parser.add_argument(
        "names", nargs="*", metavar="STAGE", help="run only these stages"
    )
    args = parser.parse_args()

    todo = stages()
    known = [stage.name for stage in todo]
    unknown = sorted(set(args.names) - set(known))
    if unknown:
        parser.error(
            f"unknown stage(s) {', '.join(unknown)}; stages: {', '.join(known)}"
        )
    if args.names:
        todo = [stage for stage in todo if stage.name in args.names]

    logs = logs_dir()
    logs.mkdir(parents=True, exist_ok=True)
    jobs = max(args.jobs, 1)
    say(f"make test: {len(todo)} stages, {jobs} at a time; full logs in {shown(logs)}/")
    began = time.monotonic()
    run(todo, [shutil.which(args.nox) or args.nox], jobs, args.keep_going)
    return 0 if report(todo, time.monotonic() - began) else 1


if __name__ == "__main__":
    sys.exit(main())
