# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make live``: check the collection against the real Bird API, on one spare voice number.

    BIRD_ACCESS_KEY=... BIRD_WORKSPACE_ID=... BIRD_LIVE_NUMBER_ID=... make live
    python tests/live/live.py [--report PATH] [--check-env]

Environment: ``BIRD_ACCESS_KEY``, ``BIRD_WORKSPACE_ID`` and ``BIRD_LIVE_NUMBER_ID`` (the id of a
voice number of the workspace that has no Voice connector) are required; ``BIRD_API_URL``
defaults to https://api.bird.com; ``BIRD_LIVE_WAIT`` is the seconds to wait for a channel or a
delete (default 180). Missing or malformed variables are named before anything is imported or
sent (``--check-env`` stops there).

It installs the Voice connector on the spare number and uninstalls it, twice (raw requests,
then the collection's modules), writes only for that number, and leaves the workspace as it
found it, also when a step fails. The report (default ``tests/output/live/report.json``) says
what the API did on each point bird-api.md marks unverified; see
docs/docsite/rst/api_assumptions.rst.

Exit status: 0 as expected; 1 a check failed or the workspace differs; 2 missing or malformed
variables (nothing sent); 3 stopped before any write (the number is not spare, the key is
refused, ...).
"""

from __future__ import annotations

import argparse
import os
import re
import sys

EXIT_ENVIRONMENT = 2
REQUIRED = (
    (
        "BIRD_ACCESS_KEY",
        "a Bird access key (AccessKey) with the connectors, channels and numbers permissions",
    ),
    ("BIRD_WORKSPACE_ID", "the id (UUID) of the workspace to check in"),
    (
        "BIRD_LIVE_NUMBER_ID",
        "the id (UUID) of a spare voice number of that workspace, without a Voice connector",
    ),
)
UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
DEFAULT_API_URL = "https://api.bird.com"
DEFAULT_WAIT = 180
# The checkout: tests/live/live.py -> the repository root, which is the collection root.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
DEFAULT_REPORT = os.path.join(ROOT, "tests", "output", "live", "report.json")


def read_environment(environ):
    """``(settings, problems)``: each problem names its variable; the key's value is never shown."""
    problems = []
    for name, what in REQUIRED:
        if not environ.get(name, "").strip():
            problems.append("%s is not set: give %s" % (name, what))
    for name in ("BIRD_WORKSPACE_ID", "BIRD_LIVE_NUMBER_ID"):
        value = environ.get(name, "").strip()
        if value and not UUID_RE.match(value):
            problems.append(
                "%s must be a UUID such as 2cffb55c-120e-41a8-8f10-ed9d1b412d29, got %r"
                % (name, value)
            )
    wait = environ.get("BIRD_LIVE_WAIT", "").strip() or str(DEFAULT_WAIT)
    if not wait.isdigit() or int(wait) < 1:
        problems.append(
            "BIRD_LIVE_WAIT must be a whole number of seconds, got %r" % wait
        )
    settings = {
        "access_key": environ.get("BIRD_ACCESS_KEY", ""),
        "api_url": environ.get("BIRD_API_URL", "").strip() or DEFAULT_API_URL,
        "workspace_id": environ.get("BIRD_WORKSPACE_ID", "").strip().lower(),
        "number_id": environ.get("BIRD_LIVE_NUMBER_ID", "").strip().lower(),
        "wait_seconds": int(wait) if wait.isdigit() else DEFAULT_WAIT,
    }
    return settings, problems


def use_this_checkout():
    """Import the collection from this checkout (the link the Makefile makes, made here if missing)."""
    link = os.path.join(COLLECTIONS, "ansible_collections", "bird", "engagements")
    if not os.path.lexists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(os.path.join("..", "..", "..", ".."), link)
    sys.path.insert(0, COLLECTIONS)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--report", default=DEFAULT_REPORT, help="where to write the report (JSON)"
    )
    parser.add_argument(
        "--check-env", action="store_true", help="only check the environment variables"
    )
    args = parser.parse_args(argv)
    settings, problems = read_environment(os.environ)
    if problems:
        for problem in problems:
            sys.stderr.write("make live: %s\n" % problem)
        sys.stderr.write(
            'make live: nothing was sent; see CONTRIBUTING.md, "Live check against Bird"\n'
        )
        return EXIT_ENVIRONMENT
    if args.check_env:
        return 0
    settings["report_path"] = os.path.abspath(args.report)
    use_this_checkout()
    # Only now: the collection, requests and the rest.
    from ansible_collections.bird.engagements.tests.live.checker import (  # pylint: disable=import-outside-toplevel
        run,
    )

    return run(settings, COLLECTIONS)


if __name__ == "__main__":
    sys.exit(main())
