# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TLS and proxies.

The simulator serves HTTPS with a throw-away CA: by default the module must refuse it
and say how to fix that (``ca_path``); with ``ca_path`` it must succeed; with
``validate_certs: false`` it must succeed and warn (also when a ``ca_path`` is set). Proxies come from ``HTTPS_PROXY``,
``HTTP_PROXY`` and ``NO_PROXY`` as requests reads them: a small proxy on 127.0.0.1
(tests/support/proxy.py) must see the requests, and ``NO_PROXY`` must bypass it.
"""

from __future__ import annotations

import os

from ansible_collections.bird.engagements.tests.simulator import (
    generate_self_signed_cert,
)
from ansible_collections.bird.engagements.tests.support.ansible_runs import (
    ansible_env,
    is_clear_failure,
    parallel,
    run_adhoc,
)
from ansible_collections.bird.engagements.tests.support.proxy import Proxy, proxy_env
from ansible_collections.bird.engagements.tests.support.simulators import (
    WS1,
    WS1_VOICE,
    connectors_by_number,
    free_port,
)


def base_env(sim, **extra):
    """Credentials for ``sim``, with no CA bundle and no proxy inherited from this machine."""
    env = proxy_env(ansible_env(sim, **extra))
    for name in (
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
    ):
        env.pop(name, None)
    env.update(extra)
    return env


def args(number=WS1_VOICE[0], **extra):
    value = dict(
        workspace_id=WS1, phone_number=number, timeout=5, retries=2, wait_timeout=10
    )
    value.update(extra)
    return value


def test_a_self_signed_certificate_is_refused_with_advice_and_accepted_with_ca_path_or_unverified(
    simulator,
):
    sim = simulator(https=True)
    assert sim.url.startswith("https://") and os.path.exists(sim.ca_file)
    env = base_env(sim)
    # The default callback (not -o) is used: it is the one that prints warnings.
    refused, with_ca, unverified = parallel(
        lambda a: run_adhoc(a, env, oneline=False),
        [
            args(),
            args(ca_path=sim.ca_file),
            args(WS1_VOICE[1], validate_certs=False),
        ],
    )
    # Default: the certificate is refused, and the message says what to do.
    assert refused.rc != 0, refused
    msg = refused.result["msg"]
    assert "TLS" in msg and "ca_path" in msg and "validate_certs" in msg, msg
    assert is_clear_failure(refused)
    # ca_path: verified against the simulator's CA.
    assert (
        with_ca.rc == 0 and with_ca.result["changed"] and with_ca.result["channel_id"]
    ), with_ca
    # validate_certs: false works, with a warning.
    assert unverified.rc == 0 and unverified.result["channel_id"], unverified
    assert (
        "[WARNING]: validate_certs is false" in unverified.stdout + unverified.stderr
    ), unverified
    assert "validate_certs is false" not in with_ca.stdout + with_ca.stderr
    # Only the two accepted runs reached the API (the refused one failed in the TLS handshake).
    assert sim.stats()["writes_applied"] == 2
    assert len(connectors_by_number(sim.state())) == 2


def test_requests_ca_bundle_is_honoured(simulator):
    """Without ca_path, the CA bundle that requests reads from REQUESTS_CA_BUNDLE applies."""
    sim = simulator(https=True)
    run = run_adhoc(args(), base_env(sim, REQUESTS_CA_BUNDLE=sim.ca_file))
    assert run.rc == 0 and run.result["channel_id"], run


def _through_proxy(simulator, https, proxy_variable):
    """Two simulators and two proxies: one run through its proxy, one with NO_PROXY set.

    Returns ``[(simulator, proxy, run)]`` for the proxied and the bypassing run."""
    sims = [simulator(https=https), simulator(https=https)]
    proxies = [Proxy(), Proxy()]
    try:
        jobs = []
        for sim, proxy, no_proxy in zip(sims, proxies, (None, "127.0.0.1,localhost")):
            env = proxy_env(
                base_env(sim), no_proxy=no_proxy, **{proxy_variable: proxy.url}
            )
            jobs.append((args(ca_path=sim.ca_file) if https else args(), env))
        runs = parallel(lambda job: run_adhoc(*job), jobs)
        for proxy in proxies:
            assert proxy.wait_idle()
        return list(zip(sims, proxies, runs))
    finally:
        for proxy in proxies:
            proxy.close()


def test_http_proxy_forwards_and_no_proxy_bypasses(simulator):
    (sim, proxy, run), (direct_sim, bypassed, direct) = _through_proxy(
        simulator, False, "http_proxy"
    )
    for one in (run, direct):
        assert one.rc == 0 and one.result["channel_id"], one
    # Every request of the proxied run went through the proxy, in absolute form, to its simulator.
    host = sim.url.split("://", 1)[1]
    assert len(proxy.forwarded) == sim.stats()["total"] >= 3, proxy.forwarded
    assert all(
        " http://%s/workspaces/" % host in line for line in proxy.forwarded
    ), proxy.forwarded
    # NO_PROXY: straight to the API.
    assert (
        bypassed.forwarded == []
        and bypassed.tunnels == []
        and direct_sim.stats()["total"] >= 3
    )


def test_https_proxy_tunnels_and_no_proxy_bypasses(simulator):
    (sim, proxy, run), (direct_sim, bypassed, direct) = _through_proxy(
        simulator, True, "https_proxy"
    )
    for one in (run, direct):
        assert one.rc == 0 and one.result["channel_id"], one
    host = sim.url.split("://", 1)[1]
    assert proxy.tunnels and set(proxy.tunnels) == {host}, proxy.tunnels
    assert sim.stats()["total"] >= 3
    assert (
        bypassed.forwarded == []
        and bypassed.tunnels == []
        and direct_sim.stats()["total"] >= 3
    )


def test_unreachable_proxy_fails_clearly_without_retrying(simulator):
    sim = simulator(https=True)
    env = proxy_env(base_env(sim), https_proxy="http://127.0.0.1:%d" % free_port())
    run = run_adhoc(args(ca_path=sim.ca_file, retries=5), env)
    assert run.rc != 0, run
    msg = run.result["msg"]
    assert "proxy" in msg.lower() and "HTTPS_PROXY" in msg, msg
    assert is_clear_failure(run)
    assert sim.stats()["total"] == 0
    assert run.seconds < 15  # a proxy error is not retried with backoff


def test_validate_certs_false_is_not_overridden_by_ca_path(tmp_path, simulator):
    """validate_certs: false turns verification off even when ca_path is also set (as Ansible's own url
    handling does); the module warns that the certificate is not verified, so it must not verify it.
    """
    sim = simulator(https=True)
    other_ca = generate_self_signed_cert(str(tmp_path))[2]  # a CA that did not sign it
    run = run_adhoc(
        args(validate_certs=False, ca_path=other_ca, retries=0),
        base_env(sim),
        oneline=False,
    )
    assert "[WARNING]: validate_certs is false" in run.stdout + run.stderr, run
    assert run.rc == 0 and run.result["channel_id"], (
        'warned "not verified", then verified against ca_path: %r' % run
    )
