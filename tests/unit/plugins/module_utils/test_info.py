# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read-only questions: Voice connectors, the workspace as code, numbers, channel ids."""

import pytest

from ansible_collections.bird.engagements.plugins.module_utils._errors import (
    BirdAPIError,
    InputError,
)
from ansible_collections.bird.engagements.plugins.module_utils._info import (
    channel_ids,
    numbers,
    voice_connectors,
    workspace_spec,
)
from ansible_collections.bird.engagements.tests.unit.helpers import (
    N101,
    N102,
    N103,
    N199,
    WS1,
    client,
    simulator,
    writes,
)
from ansible_collections.bird.engagements.tests.unit.plugins.module_utils.service_helpers import (
    batch,
    execute,
)

TEMPLATE = "voice-messagebird:1"


def test_voice_connectors_of_any_version_with_their_channel_status():
    sim = simulator()
    first = sim.insert_connector(WS1, N101, name="Support")
    second = sim.insert_connector(WS1, N102, template="voice-messagebird:2")
    sim.insert_connector(WS1, N103, template="sms-messagebird:1")
    rows = voice_connectors(client(sim), WS1, TEMPLATE)
    assert [
        (r["connector_id"], r["connector_template_ref"], r["channel_status"])
        for r in rows
    ] == [
        (first["id"], "voice-messagebird:1", "active"),
        (second["id"], "voice-messagebird:2", "active"),
    ]
    only = voice_connectors(
        client(sim), WS1, TEMPLATE, phone_number="+31201230102", channel_status=False
    )
    assert [r["connector_id"] for r in only] == [second["id"]] and only[0][
        "channel_status"
    ] is None


@pytest.mark.parametrize("list_", ["connectors", "channels"])
def test_a_listed_item_without_an_id_is_a_malformed_answer_not_no_connectors(list_):
    sim = simulator()
    sim.insert_connector(WS1, N101)
    sim.add_faults(
        {
            "method": "GET",
            "path": "/%s$" % list_,
            "kind": "malformed",
            "malformed": "items_without_id",
        }
    )
    with pytest.raises(
        BirdAPIError, match="malformed answer: a list item without an id"
    ):
        voice_connectors(client(sim), WS1, TEMPLATE)


@pytest.mark.parametrize("ids", ["both", "none"])
def test_the_workspace_spec_fed_back_changes_nothing(ids):
    sim = simulator(list_item_ids=ids)
    sim.insert_connector(WS1, N101, name="Support NL")
    sim.insert_connector(WS1, N102, template="voice-messagebird:2")
    spec, warnings = workspace_spec(WS1, voice_connectors(client(sim), WS1, TEMPLATE))
    assert warnings == []
    assert spec == {
        "workspace_id": WS1,
        "numbers": [
            {
                "phone_number_id": N101,
                "phone_number": "+31201230101",
                "name": "Support NL",
            },
            {
                "phone_number_id": N102,
                "phone_number": "+31201230102",
                "name": "Voice +31201230102",
            },
        ],
    }
    sim.reset_stats()
    report = execute(sim, batch([dict(spec, exclusive=True)]))
    assert not report.changed and not report.failed and writes(sim) == 0


@pytest.mark.parametrize(
    "shape", ["list", "dict", "string", "objects", "endpoint", "cycle"]
)
def test_numbers_say_voice_in_every_shape(shape):
    sim = simulator(capabilities_format=shape)
    rows = numbers(client(sim), WS1)
    assert [(r["phone_number"], r["voice"]) for r in rows] == [
        ("+31201230101", True),
        ("+31201230102", True),
        ("+31201230103", True),
        ("+31201230104", True),
        ("+31201230199", False),
    ]
    assert rows[0]["id"] == N101 and rows[0]["number"]["id"] == N101
    assert [r["id"] for r in numbers(client(sim), WS1, voice=False)] == [N199]
    assert [
        r["id"] for r in numbers(client(sim), WS1, phone_number="+31201230101")
    ] == [N101]


def test_numbers_that_do_not_say_are_unknown():
    sim = simulator(capabilities_format="absent")
    rows = numbers(client(sim), WS1)
    assert {r["voice"] for r in rows} == {None}
    assert (
        numbers(client(sim), WS1, voice=True) == []
        and numbers(client(sim), WS1, voice=False) == []
    )


def test_channel_ids_come_in_the_order_of_the_terms_from_one_read():
    sim = simulator()
    first = sim.insert_connector(WS1, N101)
    second = sim.insert_connector(WS1, N102, template="voice-messagebird:2")
    sim.reset_stats()
    found, warnings = channel_ids(client(sim), WS1, [N102, "+31201230101"], TEMPLATE)
    assert found == [second["channel"]["channelId"], first["channel"]["channelId"]]
    assert warnings == []
    assert sim.stats()["by_route"] == {
        "GET /workspaces/{ws}/connectors": 1,
        "GET /workspaces/{ws}/channels": 1,
    }


def test_a_term_without_a_voice_channel_fails_naming_it():
    sim = simulator()
    sim.insert_connector(WS1, N101, channel_delay=60)
    with pytest.raises(InputError) as info:
        channel_ids(
            client(sim), WS1, ["+31201230101", "+31201230102", "nonsense"], TEMPLATE
        )
    assert info.value.errors == [
        "'nonsense' is neither an E.164 number (+31201234567) nor a phone number id (UUID)"
    ]
    with pytest.raises(InputError) as info:
        channel_ids(client(sim), WS1, ["+31201230101", "+31201230102"], TEMPLATE)
    assert info.value.errors[0].startswith("+31201230101 has a Voice connector (")
    assert "whose channel Bird has not assigned yet" in info.value.errors[0]
    assert (
        info.value.errors[1]
        == "+31201230102 has no Voice connector in workspace %s" % WS1
    )


@pytest.mark.parametrize("template_fields", ["full", "slug"])
def test_of_a_numbers_connectors_of_two_versions_the_one_asked_for_has_its_channel_id(
    template_fields,
):
    # Where Bird lets a number have a connector of each version (duplicate_scope: template).
    sim = simulator(duplicate_scope="template", list_item_template=template_fields)
    one_ = sim.insert_connector(WS1, N101)
    two = sim.insert_connector(WS1, N101, template="voice-messagebird:2")
    terms = ["+31201230101", N101]
    assert (
        channel_ids(client(sim), WS1, terms, TEMPLATE)[0]
        == [one_["channel"]["channelId"]] * 2
    )
    assert (
        channel_ids(client(sim), WS1, terms, "voice-messagebird:2")[0]
        == [two["channel"]["channelId"]] * 2
    )
    # Neither is the one asked for: nothing says which is the number's.
    with pytest.raises(InputError) as info:
        channel_ids(client(sim), WS1, [N101], "voice-messagebird:3")
    (error,) = info.value.errors
    assert "more than one Voice connector" in error
    assert one_["id"] in error and two["id"] in error
