# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order of ``make live``, and the cleanup that runs whatever happened.

1. Read only: the connection checked, the workspace read (every connector and channel), the
   spare number checked (a number of the workspace, with voice, without a Voice connector: else
   stop before any write), the numbers' shapes and the paging seen.
2. The raw cycle (``raw_cycle``): one install watched and probed, then deleted.
3. The module cycle (``module_cycle``): one install through the modules, then ``absent``.
4. Always (``finally``): every connector this run created that still exists is deleted, the
   workspace is read again once the deletes have settled, and compared with step 1.
"""

from __future__ import annotations

import signal
import sys
import traceback

from ansible_collections.bird.engagements.plugins.module_utils._connection import (
    check_connection,
    make_client,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    InputError,
    scrub_secret,
)
from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    connector_id,
)
from ansible_collections.bird.engagements.tests.live import module_cycle
from ansible_collections.bird.engagements.tests.live.probe import GuardError, Probe
from ansible_collections.bird.engagements.tests.live.raw_cycle import (
    Clock,
    RawCycle,
    wait_gone,
)
from ansible_collections.bird.engagements.tests.live.report import Report, log
from ansible_collections.bird.engagements.tests.live.workspace import (
    Refusal,
    Snapshot,
    check_spare,
    compare,
    read_snapshot,
    spare_connectors,
)

EXIT_OK, EXIT_FAILED, EXIT_STOPPED = 0, 1, 3


class Interrupted(BaseException):
    """SIGTERM: stop, and clean up as for any failure."""


def _on_sigterm(signum, frame):
    raise Interrupted("terminated")


UNEXPECTED = (Exception, KeyboardInterrupt, Interrupted)


class LiveCheck:
    def __init__(self, settings, collections_path, clock=None):
        self.settings = settings
        self.collections_path = collections_path
        self.clock = clock or Clock()
        self.report = Report(settings, self.scrub)
        self._probe: Probe | None = None
        self.before: Snapshot | None = None
        self.e164 = None
        self.writes_started = False
        self.maybe_untracked = False

    def scrub(self, value):
        return scrub_secret(value, self.settings["access_key"])

    @property
    def probe(self) -> Probe:
        assert self._probe is not None, "connect() makes the probe"
        return self._probe

    def run(self):
        report = self.report
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
        try:
            self.connect()
            self.read_only()
            self.writes_started = True
            raw = RawCycle(
                self.probe,
                report,
                self.before,
                self.settings["wait_seconds"],
                self.clock,
            )
            try:
                clean = raw.run()
            finally:
                self.maybe_untracked = self.maybe_untracked or raw.maybe_untracked
            if clean:
                self.modules()
            else:
                report["modules"][
                    "verdict"
                ] = "not run: the raw install did not go through"
        except Refusal as refusal:
            report["stopped_before_writes"] = str(refusal)
            log("stopped before any write: %s" % self.scrub(str(refusal)))
        except (BirdAPIError, GuardError) as err:
            self._stop_or_fail(str(err))
        # pylint: disable-next=broad-exception-caught  # a bug, Ctrl-C or SIGTERM: clean up all the same
        except UNEXPECTED as err:
            self._stop_or_fail(
                "%s: %s\n%s" % (type(err).__name__, err, traceback.format_exc(limit=8))
            )
        finally:
            self.finally_()
            signal.signal(signal.SIGTERM, previous)
        if report["stopped_before_writes"]:
            return EXIT_STOPPED
        return EXIT_OK if not report["failures"] else EXIT_FAILED

    def _stop_or_fail(self, message):
        if self.writes_started:
            self.report.fail(message)
        else:
            self.report["stopped_before_writes"] = self.scrub(message)
            log("stopped before any write: %s" % self.scrub(message))

    # -- 1. read only ---------------------------------------------------------------------
    def connect(self):
        options = dict(
            access_key=self.settings["access_key"],
            api_url=self.settings["api_url"],
            validate_certs=True,
            ca_path=None,
            timeout=30,
            retries=5,
        )
        try:
            warnings = check_connection(options)
        except InputError as err:
            raise Refusal("; ".join(err.errors)) from None
        for warning in warnings:
            self.report.note(warning)
        self._probe = Probe(
            make_client(options),
            self.settings["workspace_id"],
            self.settings["number_id"],
        )

    def read_only(self):
        report, probe = self.report, self.probe
        with report.step("read the workspace: every connector and channel"):
            self.before = read_snapshot(probe.client, probe.workspace_id)
            report["workspace"]["before"] = self.before.summary()
        with report.step("check that the spare number is spare"):
            dummy, self.e164 = check_spare(probe, report["number"], report.private)
            for key in (
                "capabilities_shape",
                "number_capabilities_shape",
                "number_field",
            ):
                report[key] = report["number"][key]
        with report.step(
            "paging: the last page, a limit above the maximum, a page token"
        ):
            self.paging()

    def paging(self):
        probe, seen = self.probe, self.report["paging"]
        dummy, info = probe.pages("connectors", limit=100)
        seen["last_page_token"] = info["last_page_token"]
        above = probe.get("connectors", params={"limit": 101})
        seen["limit_above_max"] = "accepted" if above.ok else "refused"
        seen["limit_above_max_status"] = above.status
        if above.ok and isinstance(above.body, dict):
            seen["limit_above_max_items"] = len(above.body.get("results") or [])
        else:
            seen["limit_above_max_code"] = above.code
        first = probe.get("connectors", params={"limit": 1})
        token = (
            first.body.get("nextPageToken") if isinstance(first.body, dict) else None
        )
        if token:
            seen["page_token_needs_quoting"] = any(c in token for c in "+/= ")
            seen["page_token_round_trip"] = probe.get(
                "connectors", params={"limit": 1, "pageToken": token}
            ).ok

    # -- 3. the modules -------------------------------------------------------------------
    def modules(self):
        report, probe = self.report, self.probe
        with report.step(
            "the modules: check mode, install, re-run, check mode, absent, absent again"
        ):
            self.maybe_untracked = True  # until the install's connector id is known
            results, returncode, tail = module_cycle.run_modules(
                self.collections_path,
                probe.workspace_id,
                probe.spare_id,
                self.settings["wait_seconds"],
            )
            install = results.get("install")
            if isinstance(install, dict) and install.get("connector_id"):
                probe.adopt(
                    dict(install.get("connector") or {}, id=install["connector_id"])
                )
            # Without the install's connector id, the cleanup looks for one on the spare number, unless
            # the results say the install never ran (the play stopped before it).
            self.maybe_untracked = not (
                (isinstance(install, dict) and install.get("connector_id"))
                or (results and install is None)
            )
            briefs, checks, failures = module_cycle.evaluate(results or {})
            absent = briefs.get("absent") or {}
            if (
                absent.get("changed")
                and not absent.get("failed")
                and absent.get("connector_id")
            ):
                probe.deleted.add(absent["connector_id"])
            seen = report["modules"]
            seen.update(steps=briefs, checks=checks, returncode=returncode)
            for failure in failures:
                report.fail(failure)
            if failures or returncode != 0:
                seen["output_tail"] = self.scrub(tail)
            seen["verdict"] = (
                "as expected (check mode, install, re-run, absent)"
                if not failures and returncode == 0
                else "NOT as expected: see modules in the report"
            )

    # -- 4. always ------------------------------------------------------------------------
    def finally_(self):
        report, probe = self.report, self._probe
        try:
            if self.writes_started:
                with report.step(
                    "clean up: delete what this run created and still exists"
                ):
                    self.cleanup()
            if self.before is not None:
                with report.step("read the workspace again and compare"):
                    self.compare()
        # pylint: disable-next=broad-exception-caught  # still write the report
        except UNEXPECTED as err:
            report.fail(
                "cleanup or comparison failed: %s: %s" % (type(err).__name__, err)
            )
            report["workspace"]["verdict"] = "NOT compared: %s" % type(err).__name__
        if probe is not None:
            report["writes"] = probe.writes
            report["request_ids"] = dict(probe.request_ids)
            if probe.request_ids["with"] + probe.request_ids["without"]:
                report["request_id_header"] = probe.request_ids["without"] == 0
        report.finish()
        report.write(self.settings["report_path"])
        sys.stdout.write(report.summary(self.settings["report_path"]) + "\n")
        sys.stdout.flush()

    def cleanup(self):
        probe, before = self.probe, self.before
        assert before is not None, "no write before the workspace was read"
        if self.maybe_untracked:
            for connector in spare_connectors(probe, self.e164):
                if connector_id(connector) not in before.connectors:
                    self.report.note(
                        "connector %s on the spare number was made by a create whose answer was lost; deleted"
                        % connector_id(connector)
                    )
                    probe.adopt(connector)
        for cid in list(probe.ours):
            # One Bird said it deleted may still be readable for a while (an asynchronous delete).
            if cid not in probe.deleted and probe.get("connectors", cid).ok:
                answer = probe.delete(cid)
                self.report.note(
                    "cleanup deleted connector %s: HTTP %s" % (cid, answer.status)
                )
        left = wait_gone(probe, probe.ours, self.settings["wait_seconds"], self.clock)
        if left:
            self.report.fail(
                "connectors %s created by this run were still there %s seconds after their delete"
                % (", ".join(left), self.settings["wait_seconds"])
            )

    def compare(self):
        after = read_snapshot(self.probe.client, self.probe.workspace_id)
        differences, notes = compare(self.before, after, set(self.probe.ours))
        seen = self.report["workspace"]
        seen.update(
            after=after.summary(), unchanged=not differences, differences=differences
        )
        for note in notes:
            self.report.note(note)
        for difference in differences:
            self.report.fail("workspace: %s" % difference)
        seen["verdict"] = (
            "as found" if not differences else "DIFFERENT: see workspace in the report"
        )


def run(settings, collections_path):
    return LiveCheck(settings, collections_path).run()
