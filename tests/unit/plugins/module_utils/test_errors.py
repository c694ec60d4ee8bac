# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors carry what Bird said, and never the key."""

import json

from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    REDACTED,
    BirdAPIError,
    Failure,
    scrub_secret,
    secret_forms,
)


def test_the_key_is_scrubbed_everywhere_also_in_its_escaped_form():
    key = "k3y\n"
    value = {"a": "x k3y\n y", "b": ["k3y\\n"], "k3y\n": 1}
    assert scrub_secret(value, key) == {
        "a": "x %s y" % REDACTED,
        "b": [REDACTED],
        REDACTED: 1,
    }
    assert scrub_secret("unchanged", "") == "unchanged"


def test_the_key_is_scrubbed_as_json_carries_it():
    # A Bird text that is JSON (a body that is no object, a message embedding a JSON dump)
    # carries a quote, a backslash, a slash or non-ASCII escaped.
    key = 'a"b\\c/d\u00e9'
    texts = [
        json.dumps("AccessKey " + key),
        json.dumps({"h": "AccessKey " + key}, ensure_ascii=False),
        json.dumps({"h": "AccessKey " + key}).replace("/", "\\/"),
        "AccessKey " + key,
    ]
    for text in texts:
        assert key not in scrub_secret(text, key)
        assert REDACTED in scrub_secret(text, key), text
    assert scrub_secret(texts[0], key) == json.dumps("AccessKey " + REDACTED)
    assert secret_forms("plain-key-123") == ["plain-key-123"]


def test_an_api_error_reads_as_what_happened_and_what_to_do():
    err = BirdAPIError(
        "HTTP 403",
        status=403,
        code="Forbidden",
        api_message="no",
        details={"p": ["q"]},
        request_id="r-1",
        method="POST",
        path="/workspaces/w/connectors",
        hint="Grant it",
    )
    err.retries = 2
    assert str(err) == (
        "POST /workspaces/w/connectors: HTTP 403 Forbidden: no; details: {'p': ['q']} "
        "(after 2 retries); request id: r-1. Grant it"
    )


def test_a_failure_keeps_birds_status_code_message_details_and_request_id():
    err = BirdAPIError(
        "HTTP 403",
        status=403,
        code="Forbidden",
        api_message="no",
        details={"p": ["q"]},
        request_id="r-1",
    )
    fields = Failure.from_api(err, "entry: ").result_fields()
    assert fields == dict(
        msg="entry: HTTP 403 Forbidden: no; details: {'p': ['q']}; request id: r-1",
        status=403,
        api_code="Forbidden",
        api_message="no",
        api_details={"p": ["q"]},
        request_id="r-1",
    )
    assert Failure("plain").result_fields()["status"] is None


def test_a_malformed_answer_names_the_endpoint_and_the_request_id():
    err = BirdAPIError.malformed(
        "GET", "/workspaces/w/connectors", "no results", request_id="r-2"
    )
    assert str(err).startswith(
        "GET /workspaces/w/connectors: malformed answer: no results; request id: r-2."
    )
