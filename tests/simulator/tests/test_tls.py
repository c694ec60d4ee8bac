# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""--https: the generated test CA, a given certificate, and the CA bundle for clients (tls.py)."""

from __future__ import annotations

import sys

import pytest
import requests

from ansible_collections.bird.engagements.tests.simulator import (
    BirdSimulator,
    generate_self_signed_cert,
)

from .helpers import KEY, WS1, serving


def test_https_without_a_cert_makes_a_test_ca_for_localhost_and_127_0_0_1(tmp_path):
    cert_out = str(tmp_path / "ca.pem")
    with serving(https=True, cert_out=cert_out) as sim:
        assert sim.url.startswith("https://127.0.0.1:")
        assert sim.ca_file == cert_out
        response = requests.get(
            f"{sim.url}/workspaces/{WS1}/numbers",
            headers={"Authorization": f"AccessKey {KEY}"},
            verify=cert_out,
            timeout=10,
        )
        assert response.status_code == 200
        localhost = sim.url.replace("127.0.0.1", "localhost")
        assert requests.get(
            f"{localhost}/_sim/health", verify=cert_out, timeout=10
        ).json() == {"ok": True}
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(f"{sim.url}/_sim/health", timeout=10)


def test_https_serves_a_given_cert_and_copies_it_to_cert_out(tmp_path):
    cert, key, ca_file = generate_self_signed_cert(str(tmp_path))
    cert_out = str(tmp_path / "out.pem")
    with serving(https=True, cert=cert, key=key, cert_out=cert_out) as sim:
        with requests.Session() as session:
            for verify in (ca_file, cert_out):
                assert (
                    session.get(
                        f"{sim.url}/_sim/health", verify=verify, timeout=10
                    ).status_code
                    == 200
                )


def test_the_generated_ca_is_deleted_on_stop():
    with serving(https=True) as sim:
        ca_file = sim.ca_file
        with open(ca_file, encoding="ascii") as handle:
            assert "BEGIN CERTIFICATE" in handle.read()
    with pytest.raises(FileNotFoundError):
        open(ca_file, encoding="ascii").close()  # pylint: disable=consider-using-with


def test_cert_and_key_go_together():
    with pytest.raises(ValueError):
        BirdSimulator({"https": True, "cert": "cert.pem", "quiet": True}).start()


def test_without_cryptography_generating_a_cert_is_a_runtime_error(
    tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "cryptography", None)
    with pytest.raises(RuntimeError, match="cryptography"):
        generate_self_signed_cert(str(tmp_path))
