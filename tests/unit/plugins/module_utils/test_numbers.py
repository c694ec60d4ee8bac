# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Phone numbers: E.164 checks and voice capability in every shape Bird documents."""

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._numbers import (
    check_e164,
    number_e164,
    number_voice,
)

ENDPOINT_VOICE = [
    {
        "name": "voice",
        "inbound": {"status": "active", "issues": []},
        "outbound": {"status": "active", "issues": []},
    },
    {"name": "sms", "inbound": {"status": "active", "issues": []}},
]


@pytest.mark.parametrize(
    "capabilities,voice",
    [
        # The comma-separated string of a connector's embedded number.
        ("mms-inbound,mms-outbound,sms-inbound,sms-outbound", False),
        ("sms-inbound,voice-inbound", True),
        ("voice", True),
        ("", None),
        # The object of objects of long-code numbers: present but both directions off says no.
        (
            {
                "voice": {"inbound": False, "outbound": False},
                "sms": {"inbound": True, "outbound": True},
            },
            False,
        ),
        ({"voice": {"inbound": True, "outbound": False}}, True),
        (
            {
                "voice": {
                    "inbound": {"status": "active"},
                    "outbound": {"status": "inactive"},
                }
            },
            True,
        ),
        (
            {
                "voice": {
                    "inbound": {"status": "inactive"},
                    "outbound": {"status": "inactive"},
                }
            },
            False,
        ),
        ({"voice": {}}, None),
        ({"sms": {"inbound": True, "outbound": True}}, None),
        # The list of objects of a number's endpoint.
        (ENDPOINT_VOICE, True),
        (ENDPOINT_VOICE[1:], False),
        (
            [
                {
                    "name": "voice",
                    "inbound": {"status": "inactive", "issues": ["x"]},
                    "outbound": {"status": "inactive", "issues": []},
                }
            ],
            False,
        ),
        ([{"name": "voice", "inbound": {"status": "pending"}}], None),
        ([{"name": "Voice"}], True),
        # The simple forms seen in public code.
        (["sms", "voice"], True),
        (["sms"], False),
        ({"voice": True, "sms": False}, True),
        ({"voice": False}, False),
        ({"voice": "active"}, True),
        # Nothing said about voice: unknown, and Bird decides.
        (None, None),
        (42, None),
        ([], None),
        ([{"issues": []}], None),
    ],
)
def test_voice_is_read_from_every_documented_capabilities_shape(capabilities, voice):
    assert number_voice({"capabilities": capabilities}) is voice


def test_a_number_without_capabilities_says_nothing_about_voice():
    assert number_voice({"id": "x"}) is None
    assert number_voice("not an object") is None


@pytest.mark.parametrize(
    "number,e164",
    [
        ({"number": "+31201234567"}, "+31201234567"),
        ({"phoneNumber": "+31201234567"}, "+31201234567"),
        ({"number": "31201234567"}, "+31201234567"),
        ({"number": "", "phoneNumber": "+31201234567"}, "+31201234567"),
        ({"number": None}, None),
        ({}, None),
    ],
)
def test_the_e164_form_is_read_from_either_field(number, e164):
    assert number_e164(number) == e164


def test_e164_checks_name_the_field_and_explain_unquoted_yaml():
    assert check_e164("+31201234567", "f") is None
    for bad in ("+0201234567", "+31 20 123", "+3120", "31201234567", None):
        assert check_e164(bad, "phone_number").startswith(
            "phone_number must be an E.164 phone number"
        )
    assert 'write it quoted, "+31201234567"' in check_e164(31201234567, "x")
