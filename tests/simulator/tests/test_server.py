# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The HTTP server: keep-alive, stop, concurrency and speed (server.py)."""

from __future__ import annotations

import concurrent.futures
import socket
import threading
import time

import pytest
import requests

from ansible_collections.bird.engagements.tests.simulator import (
    BirdSimulator,
    generated_ids,
    run_simulator,
)

from .helpers import KEY, VOICE, WS1, Client, in_memory, list_all, seed, serving


def test_stop_closes_keep_alive_connections_and_is_idempotent():
    sim = BirdSimulator({"seed": seed(), "quiet": True})
    sim.start()
    client = Client(sim)
    assert client.get("/numbers").status_code == 200
    sim.stop()
    with pytest.raises(requests.ConnectionError):
        client.get("/numbers")
    sim.stop()


def test_chunked_bodies_are_read_and_unreadable_ones_refused():
    with serving() as sim:
        host, port = sim.url.split("//")[1].split(":")
        body = b'{"name": "x", "connectorTemplateRef": "sms-messagebird:1"}'
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        for headers, data, status in (
            (b"Transfer-Encoding: chunked\r\n", chunked, b" 201 "),
            (b"Content-Length: x\r\n", b"", b" 400 "),
        ):
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                sock.sendall(
                    b"POST /workspaces/%s/connectors HTTP/1.1\r\nHost: x\r\nAuthorization: AccessKey %s\r\n%s\r\n%s"
                    % (WS1.encode(), KEY.encode(), headers, data)
                )
                assert status in sock.recv(65536).split(b"\r\n", 1)[0]


def test_concurrent_creates_and_lists_are_fast_and_repeated_creates_are_refused():
    with run_simulator(
        generate_workspaces=2,
        numbers_per_workspace=300,
        access_key=KEY,
        rate_get=0,
        rate_post=0,
        page_size=100,
    ) as sim:
        workspaces = generated_ids(2, 300)
        jobs = [(ws["id"], n["id"]) for ws in workspaces for n in ws["numbers"]]
        sessions = threading.local()

        def create(job):
            ws_id, number_id = job
            session = getattr(sessions, "session", None)
            if session is None:
                session = sessions.session = requests.Session()
                session.headers["Authorization"] = f"AccessKey {KEY}"
            body = {
                "name": "c",
                "connectorTemplateRef": VOICE,
                "arguments": {"phoneNumberId": number_id},
            }
            first = session.post(
                f"{sim.url}/workspaces/{ws_id}/connectors", json=body, timeout=10
            ).status_code
            second = session.get(
                f"{sim.url}/workspaces/{ws_id}/connectors",
                params={"limit": 100},
                timeout=10,
            ).status_code
            return first, second

        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = list(pool.map(create, jobs))
        elapsed = time.monotonic() - started
        assert results == [(201, 200)] * 600
        assert elapsed < 10
        # creating them again, concurrently: all refused
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(create, [jobs[0]] * 8))
        assert sorted(code for code, _list_code in codes) == [409] * 8
        stats = sim.stats()
        assert stats["writes"] == 608 and stats["writes_applied"] == 600
        client = Client(sim, workspace=workspaces[0]["id"])
        items, pages, _last = list_all(client, "/connectors")
        assert len(items) == 300 and pages == 3


def test_of_racing_creates_for_one_number_exactly_one_wins():
    sim = in_memory()
    barrier = threading.Barrier(8)

    def create(_index):
        client = Client(sim)
        barrier.wait()
        return client.create(3).status_code

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = sorted(pool.map(create, range(8)))
    assert codes == [201] + [409] * 7
    assert sim.stats()["writes_applied"] == 1
