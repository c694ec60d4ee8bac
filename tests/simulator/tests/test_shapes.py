# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""How items are rendered: capabilities shapes, ids and template fields of connector list items (shapes.py)."""

from __future__ import annotations

import pytest

from ansible_collections.bird.engagements.tests.simulator import (
    CAPABILITY_FORMATS,
    render_capabilities,
)

from .helpers import SMS_CONNECTOR, SMS_ONLY, VOICE, WS1, Client, in_memory, number_id

VOICE_AND_SMS = ["sms", "voice"]
ACTIVE = {"status": "active", "issues": []}

SHAPES = [
    ("list", VOICE_AND_SMS, ["sms", "voice"]),
    ("list", ["sms"], ["sms"]),
    ("dict", VOICE_AND_SMS, {"sms": True, "voice": True, "mms": False}),
    ("dict", ["sms"], {"sms": True, "voice": False, "mms": False}),
    ("string", VOICE_AND_SMS, "sms-inbound,sms-outbound,voice-inbound,voice-outbound"),
    ("string", ["sms", "mms"], "mms-inbound,mms-outbound,sms-inbound,sms-outbound"),
    (
        "objects",
        VOICE_AND_SMS,
        {
            "voice": {"inbound": True, "outbound": True},
            "sms": {"inbound": True, "outbound": True},
        },
    ),
    (
        "objects",
        ["sms"],
        {
            "voice": {"inbound": False, "outbound": False},
            "sms": {"inbound": True, "outbound": True},
        },
    ),
    (
        "endpoint",
        VOICE_AND_SMS,
        [
            {"name": "voice", "inbound": ACTIVE, "outbound": ACTIVE},
            {"name": "sms", "inbound": ACTIVE, "outbound": ACTIVE},
        ],
    ),
    ("endpoint", ["sms"], [{"name": "sms", "inbound": ACTIVE, "outbound": ACTIVE}]),
]


@pytest.mark.parametrize("fmt, capabilities, expected", SHAPES)
def test_capabilities_render_in_each_documented_shape(fmt, capabilities, expected):
    assert render_capabilities(capabilities, fmt) == expected


@pytest.mark.parametrize("fmt", [shape[0] for shape in SHAPES[::2]])
def test_capabilities_format_applies_to_number_lists_single_numbers_and_connectors(fmt):
    sim = in_memory(capabilities_format=fmt)
    client = Client(sim)
    sms_only = render_capabilities(["sms"], fmt)
    listed = {n["id"]: n for n in client.get("/numbers", limit=20).json()["results"]}
    assert listed[SMS_ONLY]["capabilities"] == sms_only
    assert listed[number_id(0)]["capabilities"] == render_capabilities(
        VOICE_AND_SMS, fmt
    )
    assert client.get(f"/numbers/{SMS_ONLY}").json()["capabilities"] == sms_only
    assert (
        client.get(f"/connectors/{SMS_CONNECTOR}").json()["number"]["capabilities"]
        == sms_only
    )
    created = client.create(0).json()
    assert created["number"]["capabilities"] == render_capabilities(VOICE_AND_SMS, fmt)


def test_absent_capabilities_leave_the_field_out_everywhere():
    sim = in_memory(capabilities_format="absent")
    client = Client(sim)
    assert all(
        "capabilities" not in n
        for n in client.get("/numbers", limit=20).json()["results"]
    )
    assert "capabilities" not in client.get(f"/numbers/{SMS_ONLY}").json()
    number = client.get(f"/connectors/{SMS_CONNECTOR}").json()["number"]
    assert "capabilities" not in number and number["numberId"] == SMS_ONLY


def test_cycle_gives_each_number_the_shape_of_its_position():
    sim = in_memory(capabilities_format="cycle")
    client = Client(sim)
    numbers = client.get("/numbers", limit=20).json()["results"]
    for position, number in enumerate(numbers):
        fmt = CAPABILITY_FORMATS[position % len(CAPABILITY_FORMATS)]
        capabilities = ["sms"] if number["id"] == SMS_ONLY else VOICE_AND_SMS
        if fmt == "absent":
            assert "capabilities" not in number, position
        else:
            assert number["capabilities"] == render_capabilities(
                capabilities, fmt
            ), position
    assert (
        len({repr(n.get("capabilities")) for n in numbers[:6]}) == 6
    )  # one run meets every shape
    assert (
        client.get(f"/numbers/{number_id(2)}").json()["capabilities"]
        == numbers[2]["capabilities"]
    )


def test_number_capabilities_format_gives_the_single_number_endpoint_its_own_shape():
    sim = in_memory(capabilities_format="list", number_capabilities_format="objects")
    client = Client(sim)
    assert client.get(f"/numbers/{SMS_ONLY}").json()[
        "capabilities"
    ] == render_capabilities(["sms"], "objects")
    listed = client.get("/numbers", searchTerm="+31205559999").json()["results"][0]
    assert listed["capabilities"] == ["sms"]
    assert client.get(f"/connectors/{SMS_CONNECTOR}").json()["number"][
        "capabilities"
    ] == ["sms"]
    sim.update_config(number_capabilities_format=None)
    assert client.get(f"/numbers/{SMS_ONLY}").json()["capabilities"] == ["sms"]
    assert (
        sim.update_config(number_capabilities_format="null")[
            "number_capabilities_format"
        ]
        is None
    )


def _ids(items):
    has_args = ["phoneNumberId" in (c.get("arguments") or {}) for c in items]
    has_number = ["numberId" in (c.get("number") or {}) for c in items]
    return has_args, has_number


def test_list_item_ids_modes_leave_ids_out_of_list_items_only():
    sim = in_memory()
    client = Client(sim)
    for index in range(4):
        client.create(index)
    for mode in ("both", "arguments", "number", "alternate", "none", "mixed"):
        sim.update_config(list_item_ids=mode)
        items = client.get("/connectors", templateRef=VOICE).json()["results"]
        has_args, has_number = _ids(items)
        if mode == "both":
            assert all(has_args) and all(has_number)
        elif mode == "arguments":
            assert all(has_args) and not any(has_number)
        elif mode == "number":
            assert not any(has_args) and all(has_number)
        elif mode == "alternate":
            assert any(has_args) and any(has_number)
            assert all(a != n for a, n in zip(has_args, has_number))
        elif mode == "none":
            assert not any(has_args) and not any(has_number)
            assert all("number" not in c for c in items)
        for item in items:
            single = client.get(f'/connectors/{item["id"]}').json()
            assert single["arguments"]["phoneNumberId"] == single["number"]["numberId"]


def test_mixed_list_item_ids_strip_every_third_connector_by_creation():
    sim = in_memory(list_item_ids="mixed")
    client = Client(sim)
    for index in range(5):
        client.create(index)
    items = client.get("/connectors").json()[
        "results"
    ]  # seq 1 is the seeded SMS connector
    bare = [
        "number" not in c and "phoneNumberId" not in (c.get("arguments") or {})
        for c in items
    ]
    assert bare == [False, False, True, False, False, True]
    assert all(
        "numberId" in c["number"] and c["arguments"]["phoneNumberId"]
        for c, b in zip(items, bare)
        if not b
    )


@pytest.mark.parametrize(
    "mode, ref, slug, platform",
    [
        ("full", True, True, True),
        ("ref", True, False, False),
        ("slug", False, True, False),
        ("none", False, False, False),
    ],
)
def test_list_item_template_modes_leave_template_fields_out_of_list_items_only(
    mode, ref, slug, platform
):
    sim = in_memory(list_item_template=mode)
    client = Client(sim)
    created = client.create(0).json()
    item = client.get("/connectors", templateRef=VOICE).json()["results"][0]
    assert ("connectorTemplateRef" in item) is ref
    assert ("connectorTemplateSlug" in item) is slug
    assert ("platform" in item["channel"]) is platform
    assert item["channel"]["channelId"] == created["channel"]["channelId"]
    for full in (
        created,
        client.get(f'/connectors/{created["id"]}').json(),
        sim.state()["workspaces"][WS1]["connectors"][1],
    ):
        assert (
            full["connectorTemplateRef"] == VOICE
            and full["connectorTemplateSlug"] == "voice-messagebird"
        )
        assert full["channel"]["platform"] == "voice-messagebird"


def test_list_item_template_none_strips_the_platform_of_a_pending_channel_too():
    sim = in_memory(
        list_item_template="none", channel_delay=-1, pending_channel="no_id"
    )
    client = Client(sim)
    client.create(0)
    assert (
        client.get("/connectors", templateRef=VOICE).json()["results"][0]["channel"]
        == {}
    )


# --- voice directions: voice-inbound, voice-outbound, voice-none ------------------------

INBOUND = ["sms", "voice-inbound"]
OUTBOUND = ["voice-outbound"]
NO_VOICE = ["sms", "voice-none"]

DIRECTION_SHAPES = [
    ("list", INBOUND, ["sms", "voice-inbound"]),
    ("list", NO_VOICE, ["sms"]),
    ("dict", INBOUND, {"sms": True, "voice": True, "mms": False}),
    ("dict", NO_VOICE, {"sms": True, "voice": False, "mms": False}),
    ("string", INBOUND, "sms-inbound,sms-outbound,voice-inbound"),
    ("string", OUTBOUND, "voice-outbound"),
    ("string", NO_VOICE, "sms-inbound,sms-outbound"),
    (
        "objects",
        OUTBOUND,
        {
            "voice": {"inbound": None, "outbound": True},
            "sms": {"inbound": False, "outbound": False},
        },
    ),
    (
        "objects",
        NO_VOICE,
        {
            "voice": {"inbound": None, "outbound": None},
            "sms": {"inbound": True, "outbound": True},
        },
    ),
    (
        "endpoint",
        INBOUND,
        [
            {"name": "voice", "inbound": ACTIVE, "outbound": None},
            {"name": "sms", "inbound": ACTIVE, "outbound": ACTIVE},
        ],
    ),
    (
        "endpoint",
        NO_VOICE,
        [
            {"name": "voice", "inbound": None, "outbound": None},
            {"name": "sms", "inbound": ACTIVE, "outbound": ACTIVE},
        ],
    ),
]


@pytest.mark.parametrize("fmt, capabilities, expected", DIRECTION_SHAPES)
def test_voice_directions_render_faithfully_in_each_shape(fmt, capabilities, expected):
    assert render_capabilities(capabilities, fmt) == expected


def test_a_number_with_one_voice_direction_takes_a_connector_and_voice_none_does_not():
    sim = in_memory(capabilities_format="endpoint")
    client = Client(sim)
    inbound = sim.add_number(WS1, "+31205553001", capabilities=INBOUND)
    none = client.admin(
        "POST",
        "/numbers",
        {"workspace_id": WS1, "number": "+31205553002", "capabilities": NO_VOICE},
    )
    assert client.get(f'/numbers/{none["id"]}').json()["capabilities"][0] == {
        "name": "voice",
        "inbound": None,
        "outbound": None,
    }
    assert client.create(phone_number_id=inbound["id"]).status_code == 201
    response = client.create(phone_number_id=none["id"])
    assert response.status_code == 422
    assert "voice" in response.json()["details"]["arguments.phoneNumberId"][0]


# --- connectors that name no number ------------------------------------------------------


def test_list_item_ids_null_and_get_item_ids_null_give_null_number_and_arguments():
    sim = in_memory(list_item_ids="null")
    client = Client(sim)
    created = client.create(0).json()
    assert created["number"]["numberId"] == number_id(0)  # the 201 always has them
    listed = client.get("/connectors").json()["results"]
    assert all(c["number"] is None and c["arguments"] is None for c in listed)
    fetched = client.get(f'/connectors/{created["id"]}').json()
    assert fetched["arguments"] == {"phoneNumberId": number_id(0)}  # get_item_ids both
    sim.update_config(get_item_ids="null")
    fetched = client.get(f'/connectors/{created["id"]}').json()
    assert fetched["number"] is None and fetched["arguments"] is None
    assert fetched["channel"]["channelId"] == created["channel"]["channelId"]
    # the channel still names its connector and number
    channels = client.get("/channels", platform="voice-messagebird").json()["results"]
    assert [(c["connectorId"], c["identifier"]) for c in channels] == [
        (created["id"], "+31205550000")
    ]
    state = sim.state()["workspaces"][WS1]["connectors"]
    assert state[-1]["arguments"] == {"phoneNumberId": number_id(0)}
