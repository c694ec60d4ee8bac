# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Fault rules: which requests they hit, and the answers they make (see "Fault rules" in the README)."""

from __future__ import annotations

import copy
import http
import json
import re

from .checks import as_bool, as_choice, as_float, as_int
from .paging import START, list_envelope
from .shapes import NO_BODY_STATUSES, Response, error_body
from .tokens import encode_token

FAULT_KINDS = ("status", "drop", "drop_after_apply", "delay", "malformed", "gateway")
MALFORMED_MODES = (
    "no_results",
    "empty_object",
    "results_not_list",
    "not_object",
    "token_loop",
    "endless",
    "items_without_id",
)
FAULT_RULE_KEYS = (
    "method",
    "path",
    "kind",
    "status",
    "body",
    "count",
    "skip",
    "probability",
    "retry_after",
    "delay",
    "echo_headers",
    "malformed",
)


class FaultRule:
    """One fault injection rule, with the counters of the requests it has seen and fired on."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault rule must be a JSON object")
        unknown = sorted(set(spec) - set(FAULT_RULE_KEYS))
        if unknown:
            raise ValueError(
                f'unknown fault rule key(s) {", ".join(unknown)}; known keys: {", ".join(FAULT_RULE_KEYS)}'
            )
        self.method = str(spec.get("method") or "*").upper()
        self.path = str(spec.get("path") or ".*")
        try:
            self.regex = re.compile(self.path)
        except re.error as exc:
            raise ValueError(
                f"fault rule path {self.path!r} is not a valid regular expression: {exc}"
            ) from None
        self.kind = as_choice("kind", spec.get("kind", "status"), FAULT_KINDS)
        if self.kind == "gateway":
            # What a proxy in front of Bird says: 502 unless told, and always a 5xx.
            self.status = as_int("status", spec.get("status", 502), 500, 599)
        else:
            self.status = as_int("status", spec.get("status", 503), 100, 599)
        self.body = copy.deepcopy(spec.get("body"))
        try:
            json.dumps(self.body)
        except (TypeError, ValueError):
            raise ValueError("fault rule body must be JSON") from None
        self.count = (
            None if spec.get("count") is None else as_int("count", spec["count"], 0)
        )
        self.skip = as_int("skip", spec.get("skip") or 0, 0)
        self.probability = as_float(
            "probability",
            1.0 if spec.get("probability") is None else spec["probability"],
            0.0,
            1.0,
        )
        self.retry_after = (
            None
            if spec.get("retry_after") is None
            else as_float("retry_after", spec["retry_after"], 0.0)
        )
        self.delay = as_float("delay", spec.get("delay") or 0.0, 0.0)
        self.echo_headers = as_bool("echo_headers", spec.get("echo_headers", False))
        self.malformed = None
        if self.kind == "malformed":
            self.malformed = as_choice(
                "malformed", spec.get("malformed") or "no_results", MALFORMED_MODES
            )
        elif spec.get("malformed") is not None:
            raise ValueError('fault rule key malformed needs kind "malformed"')
        self.seen = 0
        self.fired = 0

    def spec(self):
        return {
            "method": self.method,
            "path": self.path,
            "kind": self.kind,
            "status": self.status,
            "body": copy.deepcopy(self.body),
            "count": self.count,
            "skip": self.skip,
            "probability": self.probability,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "echo_headers": self.echo_headers,
            "malformed": self.malformed,
        }

    def describe(self):
        result = self.spec()
        result.update(seen=self.seen, fired=self.fired)
        return result

    def matches(self, method, path, is_list):
        if self.kind == "malformed" and not is_list:
            return False  # only a list GET has a list answer to spoil
        return (self.method in ("*", method)) and self.regex.search(path) is not None

    def retry_after_header(self):
        if self.retry_after is None:
            return None
        value = self.retry_after
        return str(int(value)) if value == int(value) else str(value)


def decide(rules, method, path, is_list, rng, fired_counts):
    """(lock held) Return (total delay, deciding rule or None) for a request, counting what fires."""
    delay = 0.0
    for rule in rules:
        if not rule.matches(method, path, is_list):
            continue
        rule.seen += 1
        if rule.seen <= rule.skip:
            continue
        if rule.count is not None and rule.fired >= rule.count:
            continue
        if rule.probability < 1.0 and rng.random() >= rule.probability:
            continue
        rule.fired += 1
        fired_counts[rule.kind] += 1
        if rule.kind == "delay":
            delay += rule.delay
            continue
        return delay, rule
    return delay, None


def status_response(rule, headers):
    """The answer of a rule of kind "status" (the request is not processed)."""
    status = rule.status
    extra = {}
    retry_after = rule.retry_after_header()
    if retry_after is not None:
        extra["Retry-After"] = retry_after
    if status in NO_BODY_STATUSES or status < 200:
        return Response(status, None, extra)
    if rule.body is not None:
        body = copy.deepcopy(rule.body)
    else:
        body = error_body(status, f"injected fault: HTTP {status}")
    if rule.echo_headers and isinstance(body, dict):
        details: dict = body["details"] if isinstance(body.get("details"), dict) else {}
        for name, value in headers.items():
            details.setdefault(name, []).append(value)
        body["details"] = details
    return Response(status, body, extra)


def gateway_response(rule):
    """The answer of a rule of kind "gateway": an HTML page from a proxy in front of Bird, not processed.

    The simulator sends it without a Messagebird-Request-Id (the request never reached Bird).
    """
    try:
        phrase = http.HTTPStatus(rule.status).phrase
    except ValueError:
        phrase = "Server Error"
    page = (
        f"<html>\r\n<head><title>{rule.status} {phrase}</title></head>\r\n<body>\r\n"
        f"<center><h1>{rule.status} {phrase}</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    headers = {"Content-Type": "text/html"}
    retry_after = rule.retry_after_header()
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return Response(rule.status, page.encode("ascii"), headers)


def malformed_body(mode, page, results):
    """The body of a list answer spoilt as ``mode`` (see MALFORMED_MODES); page is a paging.Page, results its rendered items."""
    token = {"nextPageToken": page.next_token} if page.next_token else {}
    if mode == "no_results":
        return dict({"items": results}, **token)
    if mode == "empty_object":
        return {}
    if mode == "results_not_list":
        return dict(
            {
                "results": {
                    str(item.get("id", index)): item
                    for index, item in enumerate(results)
                }
            },
            **token,
        )
    if mode == "not_object":
        return results
    if mode == "token_loop":
        # A token the client was already given: the one it sent, or (on the first page) one that starts over.
        return {
            "results": results,
            "nextPageToken": page.request_token
            or encode_token(page.resource, START, page.style),
        }
    if mode == "items_without_id":
        # An empty page gets one such item, so that the answer is spoilt whatever the page.
        spoilt = [{k: v for k, v in item.items() if k != "id"} for item in results]
        return dict({"results": spoilt or [{"name": "an item without an id"}]}, **token)
    # endless: the real pages, then empty pages without end, each with a token never given before.
    return {
        "results": results,
        "nextPageToken": page.next_token
        or encode_token(page.resource, page.position + 1, page.style),
    }


def list_answer(ctx, cfg, page, results):
    """The answer of a list GET: the normal envelope, or spoilt as the request's malformed rule says."""
    if ctx.malformed:
        return Response(200, malformed_body(ctx.malformed, page, results))
    return Response(200, list_envelope(results, page, cfg["last_page_token"]))
