# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""Paging: page token styles and limits above the maximum (paging.py, tokens.py)."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from ansible_collections.bird.engagements.tests.simulator.tokens import (
    BIRD_EPOCH_MS,
    TOKEN_STYLES,
    decode_token,
    encode_token,
)

from .helpers import WS1, Client, in_memory, list_all, number_id, serving

RESOURCES = ("connectors", "numbers", "channels")


def _raw_get(client, path, raw_query):
    """A GET whose query string goes out exactly as given (no encoding by requests)."""
    return client.session.get(f"{client.base}{path}?{raw_query}", timeout=10)


@pytest.mark.parametrize("style", TOKEN_STYLES)
def test_every_token_style_pages_through_every_list_over_http(style):
    with serving(page_size=2, page_token_style=style) as sim:
        client = Client(sim)
        for index in range(5):
            assert client.create(index).status_code == 201
        for path, expected in (("/connectors", 6), ("/numbers", 9), ("/channels", 6)):
            items, pages, _last = list_all(client, path)
            assert len({item["id"] for item in items}) == expected, path
            assert pages == (expected + 1) // 2


def test_bird_tokens_are_standard_base64_of_an_epoch_ms_and_a_uuid():
    client = Client(in_memory(page_size=3, page_token_style="bird"))
    token = client.get("/numbers").json()["nextPageToken"]
    ms, marker = json.loads(base64.b64decode(token, validate=True))
    assert ms == BIRD_EPOCH_MS + 3 and uuid.UUID(marker)
    assert token.endswith("==")  # the only character of "+/=" such a text can give


def test_binary_tokens_hold_plus_slash_and_equals_and_must_come_back_exactly():
    client = Client(in_memory(page_size=3, page_token_style="binary"))
    token = client.get("/numbers").json()["nextPageToken"]
    assert "+" in token and "/" in token and "=" in token
    encoded = base64.b64encode(base64.b64decode(token)).decode()
    assert encoded == token
    # URL-encoded (as requests does with params), it works
    assert client.get("/numbers", pageToken=token).status_code == 200
    for raw in (
        token,  # "+" unencoded: it arrives as a space
        token.replace("+", "%20"),
        token.replace("/", "%5F"),  # "/" rewritten as "_" (URL-safe base64)
        token.replace("/", "-").replace("+", "%2B"),
        token.rstrip("=").replace("+", "%2B").replace("/", "%2F"),  # padding lost
    ):
        response = _raw_get(client, "/numbers", f"pageToken={raw}")
        assert response.status_code == 400, raw
        assert response.json()["message"] == "invalid pageToken"
    fine = token.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    assert _raw_get(client, "/numbers", f"pageToken={fine}").status_code == 200


@pytest.mark.parametrize("style", TOKEN_STYLES)
def test_a_token_of_another_resource_or_style_is_refused(style):
    for resource in RESOURCES:
        token = encode_token(resource, 4, style)
        assert decode_token(resource, token, style) == 4
        for other in RESOURCES:
            if other != resource:
                assert decode_token(other, token, style) is None
        for other_style in TOKEN_STYLES:
            if other_style != style:
                assert decode_token(resource, token, other_style) is None
    client = Client(in_memory(page_size=2, page_token_style=style))
    token = client.get("/numbers").json()["nextPageToken"]
    assert client.get("/channels", pageToken=token).status_code == 400


def test_a_malformed_token_loop_hands_out_tokens_of_the_configured_style():
    sim = in_memory(
        page_size=2,
        page_token_style="bird",
        faults=[
            {
                "method": "GET",
                "path": "/numbers$",
                "kind": "malformed",
                "malformed": "token_loop",
                "count": 1,
            }
        ],
    )
    client = Client(sim)
    token = client.get("/numbers").json()["nextPageToken"]
    assert decode_token("numbers", token, "bird") == 0
    assert client.get("/numbers", pageToken=token).json()["results"][0][
        "id"
    ] == number_id(0)


def _many_connectors(sim, count):
    for _index in range(count):
        sim.insert_connector(WS1, number_id(0), force=True)


def test_the_default_page_size_is_10():
    sim = in_memory()
    _many_connectors(sim, 11)
    first = Client(sim).get("/connectors").json()
    assert len(first["results"]) == 10 and first["nextPageToken"]


def test_limit_above_max_clamp_is_todays_behaviour():
    sim = in_memory()
    _many_connectors(sim, 105)
    client = Client(sim)
    assert len(client.get("/connectors", limit=500).json()["results"]) == 100
    assert client.get("/connectors", limit=100).status_code == 200
    assert client.get("/numbers", limit=100).status_code == 400
    assert client.get("/channels", limit=1001).status_code == 400
    sim.update_config(
        page_size_max=200
    )  # 100 is the connectors maximum, whatever page_size_max
    assert len(client.get("/connectors", limit=150).json()["results"]) == 100


def test_limit_above_max_reject_refuses_every_list_beyond_its_maximum():
    sim = in_memory(limit_above_max="reject")
    client = Client(sim)
    for path, maximum in (("/connectors", 100), ("/numbers", 99), ("/channels", 1000)):
        response = client.get(path, limit=maximum + 1)
        assert response.status_code == 400, path
        assert response.json()["code"] == "InvalidPayload"
        assert "limit" in response.json()["details"]
        assert client.get(path, limit=maximum).status_code == 200, path


def test_limit_above_max_clamp_all_clamps_every_list():
    sim = in_memory(limit_above_max="clamp_all")
    client = Client(sim)
    assert client.get("/numbers", limit=5000).status_code == 200
    assert client.get("/channels", limit=5000).status_code == 200
    assert client.get("/connectors", limit=5000).status_code == 200
    assert client.get("/numbers", limit=0).status_code == 400
