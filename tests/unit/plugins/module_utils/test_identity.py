# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a Voice connector is: template slug and version, number id, channel id, from partial list items."""

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._identity import (
    check_template_ref,
    check_uuid,
    connector_channel_id,
    connector_number_id,
    connector_phone_number,
    connector_slug,
    needs_detail,
    template_slug,
)

NUMBER = "b1b2c3d4-0001-4000-8000-000000000101"


@pytest.mark.parametrize(
    "connector,slug",
    [
        ({"connectorTemplateRef": "voice-messagebird:2"}, "voice-messagebird"),
        ({"connectorTemplateSlug": "voice-messagebird"}, "voice-messagebird"),
        ({"channel": {"platform": "voice-messagebird"}}, "voice-messagebird"),
        (
            {
                "connectorTemplateRef": "sms-messagebird:1",
                "channel": {"platform": "voice-messagebird"},
            },
            "sms-messagebird",
        ),
        ({"channel": None}, None),
        ({}, None),
    ],
)
def test_the_template_slug_comes_from_the_ref_the_slug_or_the_platform(connector, slug):
    assert connector_slug(connector) == slug


def test_every_version_of_a_template_has_one_slug():
    assert (
        template_slug("voice-messagebird:1")
        == template_slug("voice-messagebird:2")
        == "voice-messagebird"
    )


@pytest.mark.parametrize(
    "connector,number_id",
    [
        ({"arguments": {"phoneNumberId": NUMBER.upper()}}, NUMBER),
        ({"number": {"numberId": NUMBER}}, NUMBER),
        ({"arguments": {}, "number": None}, None),
        ({"arguments": "junk"}, None),
    ],
)
def test_the_number_id_comes_from_the_arguments_or_the_embedded_number(
    connector, number_id
):
    assert connector_number_id(connector) == number_id


def test_a_pending_channel_has_no_id_in_any_shape():
    for connector in (
        {"channel": None},
        {"channel": {"platform": "voice-messagebird"}},
        {},
        {"channel": {"channelId": ""}},
    ):
        assert connector_channel_id(connector) is None
    assert connector_channel_id({"channel": {"channelId": "c1"}}) == "c1"
    assert (
        connector_phone_number({"number": {"phoneNumber": "31201230101"}})
        == "+31201230101"
    )


def test_list_items_that_hide_template_or_number_need_reading_on_their_own():
    voice = "voice-messagebird"
    assert needs_detail(
        {"id": "c1", "connectorTemplateRef": "voice-messagebird:1"}, voice
    )
    assert needs_detail({"id": "c1", "arguments": {"phoneNumberId": NUMBER}}, voice)
    complete = {
        "id": "c1",
        "connectorTemplateRef": "voice-messagebird:1",
        "arguments": {"phoneNumberId": NUMBER},
    }
    assert not needs_detail(complete, voice)
    # Another platform's connector is never a Voice connector, whatever number it names.
    assert not needs_detail(
        {"id": "c1", "connectorTemplateRef": "sms-messagebird:1"}, voice
    )


@pytest.mark.parametrize(
    "value", ["", "   ", "voice-messagebird", ":1", "voice messagebird:1", None, 1]
)
def test_a_template_ref_must_be_slug_and_version(value):
    assert check_template_ref(value).startswith(
        "connector_template_ref must be a connector template reference"
    )


def test_uuid_checks_name_the_field():
    assert check_uuid("2cffb55c-120e-41a8-8f10-ed9d1b412d29", "f") is None
    assert check_uuid("1234", "workspaces[0].workspace_id").startswith(
        "workspaces[0].workspace_id must be a UUID"
    )
