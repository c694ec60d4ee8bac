# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report of ``make live`` (``tests/output/live/report.json``) and its summary.

Every field is what the API did, seen by this run; a field stays null when the run did not get
far enough to see it. The report holds ids, statuses and Bird's error codes and messages, never
the access key (everything is scrubbed of it before it is written or printed) and never the
spare number's E.164 form.
"""

from __future__ import annotations

import json
import os
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

REPORT_VERSION = 1

# The unverified points of bird-api.md, in the order the report and the summary give them.
KEYS = (
    "duplicate_refused",
    "duplicate_status",
    "duplicate_code",
    "template_filter_honoured",
    "list_items_name_number",
    "capabilities_shape",
    "number_capabilities_shape",
    "number_field",
    "delete_status",
    "delete_async",
    "deleted_channel_visible",
    "channel_statuses_seen",
    "create_returns_channel",
    "pending_channel_shape",
    "request_id_header",
    "get_names_number",
    "list_items_name_template",
    "connector_listed_after_seconds",
)


class Report:
    """What a run saw, its failures and notes, its steps."""

    def __init__(self, settings, scrub):
        self.scrub = scrub
        # Texts kept out of the report (the spare number's E.164 form), though printed while running.
        self.private: list = []
        self.started = time.time()
        self.data: dict = {
            "report_version": REPORT_VERSION,
            "ok": None,
            "stopped_before_writes": None,
            "failures": [],
            "api_url": _without_userinfo(settings["api_url"]),
            "workspace_id": settings["workspace_id"],
            "number_id": settings["number_id"],
            "started_at": _iso(self.started),
        }
        self.data.update((key, None) for key in KEYS)
        self.data["channel_statuses_seen"] = []
        for group in (
            "number",
            "paging",
            "create",
            "channel",
            "listing",
            "template_filter",
            "duplicate",
            "delete",
            "modules",
        ):
            self.data[group] = {}
        self.data.update(
            workspace={},
            writes=[],
            request_ids={},
            notes=[],
            steps=[],
        )

    def __getitem__(self, key):
        return self.data[key]

    def __setitem__(self, key, value):
        self.data[key] = value

    def fail(self, message):
        message = self.scrub(message)
        self.data["failures"].append(message)
        log("FAILED: %s" % message)

    def note(self, message):
        self.data["notes"].append(self.scrub(message))

    @contextmanager
    def step(self, name):
        """Time a step and record how it ended (an exception passes through, recorded)."""
        log(name)
        started = time.monotonic()
        entry = {"step": name, "ok": True}
        self.data["steps"].append(entry)
        try:
            yield entry
        except BaseException as exc:
            entry["ok"] = False
            entry["error"] = type(exc).__name__
            raise
        finally:
            entry["seconds"] = round(time.monotonic() - started, 2)

    def finish(self):
        self.data["finished_at"] = _iso(time.time())
        self.data["seconds"] = round(time.time() - self.started, 1)
        self.data["ok"] = not self.data["failures"] and not (
            self.data["stopped_before_writes"]
        )
        self.data = _replace(self.scrub(self.data), self.private, "<the spare number>")

    def write(self, path):
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(self.data, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)

    def summary(self, path):
        """The short summary printed at the end."""
        d = self.data
        dup = d["duplicate"]
        lines = [
            "make live: bird.engagements against %s, workspace %s, spare number %s"
            % (d["api_url"], d["workspace_id"], d["number_id"]),
        ]
        if d["stopped_before_writes"]:
            lines.append("  stopped before any write: %s" % d["stopped_before_writes"])
            lines.append("Report: %s" % _shown(path))
            lines.append("NOT OK")
            return "\n".join(lines)
        rows = [
            (
                "second install",
                _yes_no(
                    d["duplicate_refused"],
                    "refused: HTTP %s %s"
                    % (d["duplicate_status"], d["duplicate_code"]),
                    "accepted (HTTP %s), deleted at once" % dup.get("accepted_status"),
                ),
            ),
            (
                "template filter",
                _yes_no(
                    d["template_filter_honoured"],
                    "honoured (%s)" % d["template_filter"].get("match"),
                    "not honoured (%s)" % d["template_filter"].get("match"),
                    "cannot tell: no connector of another template",
                ),
            ),
            ("list items name number", _yes_no(d["list_items_name_number"])),
            (
                "capabilities shape",
                "list: %s, GET one: %s"
                % (d["capabilities_shape"], d["number_capabilities_shape"]),
            ),
            ("E.164 field", str(d["number_field"])),
            (
                "delete",
                "HTTP %s, %s, channel afterwards %s"
                % (
                    d["delete_status"],
                    _yes_no(d["delete_async"], "asynchronous", "synchronous"),
                    _yes_no(
                        d["deleted_channel_visible"],
                        "readable as %s" % d["delete"].get("deleted_channel_status"),
                        "not readable",
                    ),
                ),
            ),
            (
                "channel statuses seen",
                " -> ".join(str(s) for s in d["channel_statuses_seen"]) or "-",
            ),
            (
                "create answer",
                "HTTP %s, %s"
                % (
                    d["create"].get("status"),
                    _yes_no(
                        d["create_returns_channel"],
                        "carries the channel",
                        "channel pending (%s)" % d["pending_channel_shape"],
                    ),
                ),
            ),
            ("request id header", _yes_no(d["request_id_header"])),
            (
                "paging",
                "last page token %s; limit above the maximum %s"
                % (
                    d["paging"].get("last_page_token"),
                    d["paging"].get("limit_above_max"),
                ),
            ),
            ("modules", d["modules"].get("verdict", "not run")),
            ("workspace", d["workspace"].get("verdict", "not compared")),
        ]
        lines += ["  %-24s %s" % row for row in rows]
        for failure in d["failures"]:
            lines.append("  FAILED: %s" % failure)
        lines.append(
            "Report: %s (no access key in it; attach it to an issue)" % _shown(path)
        )
        lines.append("OK" if d["ok"] else "NOT OK")
        return "\n".join(lines)


def _without_userinfo(url):
    """A URL without ``user:password@``, should one have been given."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<not a URL>"
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc))


def _replace(value, texts, by):
    """``value`` (str, dict or list, recursively) with every one of ``texts`` replaced ``by``."""
    if isinstance(value, str):
        for text in texts:
            value = value.replace(text, by)
        return value
    if isinstance(value, dict):
        return {k: _replace(v, texts, by) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, texts, by) for v in value]
    return value


def _shown(path):
    """A path as the reader typed it: relative when it is under the working directory."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _yes_no(value, yes="yes", no="no", unknown="not seen"):
    if value is None:
        return unknown
    return yes if value else no


def _iso(seconds):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def log(message):
    sys.stderr.write("[live %s] %s\n" % (time.strftime("%H:%M:%S"), message))
    sys.stderr.flush()
