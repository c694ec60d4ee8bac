# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The public API: auth and routing, connectors, channels, numbers, pagination (api.py, paging.py, access.py)."""

from __future__ import annotations

import time

import pytest

from .helpers import (
    KEY,
    READ_ONLY_KEY,
    SMS_CONNECTOR,
    SMS_ONLY,
    VOICE,
    WS1,
    WS2,
    WS2_ONLY_KEY,
    Client,
    in_memory,
    list_all,
    number_id,
    serving,
)

# --- auth and routing --------------------------------------------------------


def test_a_missing_unknown_or_bearer_key_gets_401():
    with serving() as sim:
        anonymous = Client(sim, key=None)
        response = anonymous.get("/connectors")
        assert response.status_code == 401
        assert response.json()["code"] == "Unauthorized"
        assert response.headers["Messagebird-Request-Id"]
        assert Client(sim, key="wrong").get("/connectors").status_code == 401
        bearer = Client(sim, key=None)
        bearer.session.headers["Authorization"] = f"Bearer {KEY}"
        assert bearer.get("/connectors").status_code == 401


def test_a_key_reaches_only_its_workspaces_and_writes_only_with_write():
    with serving() as sim:
        response = Client(sim, key=WS2_ONLY_KEY).get("/connectors")
        assert response.status_code == 403
        assert response.json()["code"] == "Forbidden"
        assert (
            Client(sim, key=WS2_ONLY_KEY, workspace=WS2).get("/connectors").status_code
            == 200
        )
        read_only = Client(sim, key=READ_ONLY_KEY)
        assert read_only.get("/connectors").status_code == 200
        response = read_only.create(0)
        assert response.status_code == 403
        assert response.json()["code"] == "Forbidden"


def test_unknown_workspaces_and_paths_get_404_and_other_methods_405():
    with serving() as sim:
        client = Client(sim)
        response = Client(sim, workspace="00000000-0000-4000-8000-00000000dead").get(
            "/connectors"
        )
        assert response.status_code == 404
        assert response.json()["code"] == "NotFound"
        assert client.get("/bogus").status_code == 404
        assert client.session.get(f"{sim.url}/nothing", timeout=5).status_code == 404
        response = client.session.put(f"{client.base}/connectors/x", json={}, timeout=5)
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, DELETE"


def test_every_response_has_a_fresh_request_id():
    with serving() as sim:
        client = Client(sim)
        request_ids = {
            client.get("/connectors").headers["Messagebird-Request-Id"]
            for _attempt in range(3)
        }
        assert len(request_ids) == 3


# --- create / channel ---------------------------------------------------------


def test_create_returns_the_full_connector_and_its_channel_exists():
    with serving() as sim:
        client = Client(sim)
        response = client.create(1, name="My Voice Channel")
        assert response.status_code == 201, response.text
        connector = response.json()
        assert connector["workspaceId"] == WS1
        assert connector["name"] == "My Voice Channel"
        assert connector["region"] == "eu-west-1"
        assert connector["connectorTemplateRef"] == VOICE
        assert connector["connectorTemplateSlug"] == "voice-messagebird"
        assert connector["arguments"] == {"phoneNumberId": number_id(1)}
        assert connector["channel"]["platform"] == "voice-messagebird"
        assert connector["number"] == {
            "numberId": number_id(1),
            "phoneNumber": "+31205550001",
            "capabilities": ["sms", "voice"],
            "country": "NL",
        }
        assert connector["createdAt"].endswith("Z") and connector["updatedAt"].endswith(
            "Z"
        )
        assert connector["extraUnknownField"] == {}
        assert "status" not in connector
        channel = client.get(f'/channels/{connector["channel"]["channelId"]}').json()
        assert channel["platformId"] == "voice-messagebird"
        assert channel["connectorId"] == connector["id"]
        assert channel["identifier"] == "+31205550001"
        assert channel["status"] == "active"
        assert channel["name"] == "My Voice Channel"
        sim.update_config(extra_fields=False)
        assert (
            "extraUnknownField"
            not in client.get(f'/connectors/{connector["id"]}').json()
        )


def test_the_channel_is_assigned_after_channel_delay():
    with serving(channel_delay=0.3) as sim:
        client = Client(sim)
        connector = client.create(0).json()
        assert connector["channel"] is None
        assert client.get(f'/connectors/{connector["id"]}').json()["channel"] is None
        assert [c["platformId"] for c in client.get("/channels").json()["results"]] == [
            "sms-messagebird"
        ]
        time.sleep(0.35)
        fetched = client.get(f'/connectors/{connector["id"]}').json()
        channel_id = fetched["channel"]["channelId"]
        assert fetched["channel"]["platform"] == "voice-messagebird"
        assert client.get(f"/channels/{channel_id}").status_code == 200
        voice = client.get("/channels", platform="voice-messagebird").json()["results"]
        assert [c["id"] for c in voice] == [channel_id]


@pytest.mark.parametrize(
    "mode, expected",
    [
        ("null", None),
        ("no_id", {"platform": "voice-messagebird"}),
        ("absent", KeyError),
    ],
)
def test_pending_channel_takes_the_configured_shape(mode, expected):
    with serving(channel_delay=-1, pending_channel=mode) as sim:
        client = Client(sim)
        created = client.create(0).json()
        fetched = client.get(f'/connectors/{created["id"]}').json()
        listed = client.get("/connectors", templateRef=VOICE).json()["results"][0]
        for connector in (created, fetched, listed):
            if expected is KeyError:
                assert "channel" not in connector
            else:
                assert connector["channel"] == expected


@pytest.mark.parametrize(
    "status, code, message",
    [
        (409, "ConnectorAlreadyExists", None),
        (422, "InvalidPayload", "a connector is installed for this number"),
    ],
)
def test_a_duplicate_create_is_refused_with_the_configured_status_code_and_message(
    status, code, message
):
    config = dict(duplicate_status=status, duplicate_code=code)
    if message:
        config["duplicate_message"] = message
    with serving(**config) as sim:
        client = Client(sim)
        assert client.create(2).status_code == 201
        response = client.create(2, name="another name")
        assert response.status_code == status
        assert response.json()["code"] == code
        assert response.json()["message"] == (message or "connector already exists")
        assert len(sim.state()["workspaces"][WS1]["connectors"]) == 2
        assert sim.stats()["writes"] == 2 and sim.stats()["writes_applied"] == 1


def test_a_number_has_one_connector_per_platform_whatever_the_template_version():
    sim = in_memory()
    client = Client(sim)
    assert client.create(2, template="voice-messagebird:2").status_code == 201
    response = client.create(2, template=VOICE)
    assert response.status_code == 409
    assert response.json() == {
        "code": "ConnectorAlreadyExists",
        "message": "connector already exists",
    }
    assert (
        client.create(2, template="sms-messagebird:1").status_code == 201
    )  # another platform
    with pytest.raises(LookupError):
        sim.insert_connector(WS1, number_id(2), template="voice-messagebird:3")
    sim.update_config(
        duplicate_scope="template"
    )  # the other reading: only the same template ref is a duplicate
    assert client.create(2, template=VOICE).status_code == 201
    assert client.create(2, template=VOICE).status_code == 409


def test_a_voice_template_of_any_version_needs_a_voice_number():
    client = Client(in_memory())
    response = client.create(template="voice-messagebird:2", phone_number_id=SMS_ONLY)
    assert response.status_code == 422
    assert "voice" in response.json()["details"]["arguments.phoneNumberId"][0]


def test_create_validates_the_body():
    with serving() as sim:
        client = Client(sim)
        good = {
            "name": "x",
            "connectorTemplateRef": VOICE,
            "arguments": {"phoneNumberId": number_id(0)},
        }
        response = client.post("/connectors", dict(good, unexpected=1, other=2))
        assert response.status_code == 422
        assert response.json()["code"] == "InvalidPayload"
        assert set(response.json()["details"]) == {"unexpected", "other"}
        response = client.post(
            "/connectors",
            {
                "connectorTemplateRef": VOICE,
                "arguments": {"phoneNumberId": number_id(0)},
            },
        )
        assert response.status_code == 422 and "name" in response.json()["details"]
        response = client.post("/connectors", dict(good, name=""))
        assert response.status_code == 422 and "name" in response.json()["details"]
        response = client.post("/connectors", dict(good, arguments={}))
        assert (
            response.status_code == 422
            and "arguments.phoneNumberId" in response.json()["details"]
        )
        response = client.post(
            "/connectors", dict(good, arguments={"phoneNumberId": "nope"})
        )
        assert (
            response.status_code == 422
            and "arguments.phoneNumberId" in response.json()["details"]
        )
        response = client.create(name="sms only", phone_number_id=SMS_ONLY)
        assert response.status_code == 422
        assert "voice" in response.json()["details"]["arguments.phoneNumberId"][0]
        response = client.session.post(
            client.base + "/connectors",
            data="{not json",
            headers={"Content-Type": "application/json"},
            timeout=5,
        )
        assert (
            response.status_code == 400 and response.json()["code"] == "InvalidPayload"
        )
        assert client.post("/connectors", [1, 2]).status_code == 422
        # the connection stays usable after errors (keep-alive, bodies fully read)
        assert client.post("/connectors", good).status_code == 201
        assert sim.stats()["writes_applied"] == 1


@pytest.mark.parametrize("delete_status", [204, 200])
def test_delete_removes_the_connector_and_its_channel(delete_status):
    with serving(delete_status=delete_status) as sim:
        client = Client(sim)
        connector = client.create(0).json()
        response = client.delete(f'/connectors/{connector["id"]}')
        assert response.status_code == delete_status
        if delete_status == 200:
            assert response.json()["id"] == connector["id"]
        else:
            assert response.content == b""
        assert client.get(f'/connectors/{connector["id"]}').status_code == 404
        assert (
            client.get(f'/channels/{connector["channel"]["channelId"]}').status_code
            == 404
        )
        response = client.delete(f'/connectors/{connector["id"]}')
        assert response.status_code == 404 and response.json()["code"] == "NotFound"
        # the number is free again
        assert client.create(0).status_code == 201


# --- lists ---------------------------------------------------------------------


@pytest.mark.parametrize("last_page_token", ["omit", "empty"])
def test_lists_page_with_tokens_that_survive_deletes(last_page_token):
    with serving(page_size=2, last_page_token=last_page_token) as sim:
        client = Client(sim)
        for index in range(5):
            assert client.create(index).status_code == 201
        items, pages, last = list_all(client, "/connectors")
        assert len(items) == 6 and pages == 3
        assert len({item["id"] for item in items}) == 6
        if last_page_token == "omit":
            assert "nextPageToken" not in last
        else:
            assert last["nextPageToken"] == ""
        first = client.get("/connectors").json()
        assert len(first["results"]) == 2 and first["nextPageToken"]
        # a token survives deletion of already-seen items
        assert (
            client.delete(f'/connectors/{first["results"][0]["id"]}').status_code == 204
        )
        second = client.get("/connectors", pageToken=first["nextPageToken"]).json()
        assert second["results"][0]["id"] == items[2]["id"]
        response = client.get("/connectors", pageToken="garbage!")
        assert (
            response.status_code == 400 and response.json()["code"] == "InvalidPayload"
        )
        assert (
            client.get(
                "/connectors",
                pageToken=client.get("/numbers", limit=1).json()["nextPageToken"],
            ).status_code
            == 400
        )
        assert len(client.get("/connectors", limit=500).json()["results"]) == 5
        assert client.get("/connectors", limit=0).status_code == 400
        sim.update_config(page_size_max=3)
        assert len(client.get("/connectors", limit=50).json()["results"]) == 3


def test_the_template_filter_uses_the_configured_parameter_or_none():
    with serving() as sim:
        client = Client(sim)
        client.create(0)
        client.create(1)
        all_items = client.get("/connectors").json()["results"]
        assert {c["connectorTemplateRef"] for c in all_items} == {
            VOICE,
            "sms-messagebird:1",
        }
        voice = client.get("/connectors", templateRef=VOICE).json()["results"]
        assert [c["connectorTemplateRef"] for c in voice] == [VOICE, VOICE]
        assert (
            len(
                client.get("/connectors", templateRef="voice-messagebird").json()[
                    "results"
                ]
            )
            == 2
        )  # a slug matches every version
        sim.update_config(template_filter_param="")
        assert len(client.get("/connectors", templateRef=VOICE).json()["results"]) == 3
        sim.update_config(template_filter_param="connectorTemplateRef")
        assert len(client.get("/connectors", templateRef=VOICE).json()["results"]) == 3
        assert (
            len(client.get("/connectors", connectorTemplateRef=VOICE).json()["results"])
            == 2
        )


def test_channels_list_filters_by_platform_and_status():
    client = Client(in_memory())
    client.create(0)
    assert len(client.get("/channels").json()["results"]) == 2
    assert [
        c["platformId"]
        for c in client.get("/channels", platform="sms-messagebird").json()["results"]
    ] == ["sms-messagebird"]
    assert len(client.get("/channels", status="active").json()["results"]) == 2
    assert client.get("/channels", status="inactive").json()["results"] == []


# --- numbers ---------------------------------------------------------------------


def test_numbers_are_searched_paged_and_filtered_by_status():
    with serving() as sim:
        client = Client(sim)
        results = client.get("/numbers", searchTerm="+31205550003").json()["results"]
        assert [n["id"] for n in results] == [number_id(3)]
        assert results[0] == {
            "id": number_id(3),
            "number": "+31205550003",
            "country": "NL",
            "status": "active",
            "capabilities": ["sms", "voice"],
        }
        assert (
            len(client.get("/numbers", searchTerm="31205550003").json()["results"]) == 1
        )
        assert len(client.get("/numbers", searchTerm="2055500").json()["results"]) == 8
        assert client.get("/numbers", searchTerm="+49").json()["results"] == []
        items, pages, _last = list_all(client, "/numbers", limit=4)
        assert len(items) == 9 and pages == 3
        assert client.get("/numbers", status="inactive").json()["results"] == []
        assert client.get("/numbers/unknown").status_code == 404


def test_number_field_names_the_e164_field():
    with serving() as sim:
        client = Client(sim)
        sim.update_config(number_field="phoneNumber")
        number = client.get(f"/numbers/{SMS_ONLY}").json()
        assert "number" not in number and number["phoneNumber"] == "+31205559999"
        sim.update_config(number_field="both")
        number = client.get(f"/numbers/{SMS_ONLY}").json()
        assert number["number"] == number["phoneNumber"] == "+31205559999"


def test_list_limits_are_validated_per_resource():
    with serving() as sim:
        client = Client(sim)
        for limit in (0, 100, "x", -1):
            response = client.get("/numbers", limit=limit)
            assert response.status_code == 400, limit
            assert response.json()["code"] == "InvalidPayload"
        assert client.get("/numbers", limit=99).status_code == 200
        assert client.get("/numbers", limit=1).status_code == 200
        assert client.get("/channels", limit=1001).status_code == 400
        assert client.get("/channels", limit=0).status_code == 400
        assert client.get("/channels", limit=1000).status_code == 200


def test_seeded_connectors_keep_their_ids():
    client = Client(in_memory())
    connector = client.get(f"/connectors/{SMS_CONNECTOR}").json()
    assert connector["connectorTemplateRef"] == "sms-messagebird:1"
    assert connector["arguments"] == {"phoneNumberId": SMS_ONLY}
