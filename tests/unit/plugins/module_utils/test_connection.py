# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options: environment fallbacks, checks before any request, the client they make."""

import pytest
from ansible.module_utils.basic import AnsibleFallbackNotFound

from ansible_collections.bird.engagements.plugins.module_utils._connection import (
    DEFAULT_API_URL,
    check_api_url,
    check_connection,
    connection_argument_spec,
    env_value,
    make_client,
)
from ansible_collections.bird.engagements.plugins.module_utils._errors import InputError
from ansible_collections.bird.engagements.plugins.module_utils._module import (
    env_fallback,
)


def options(**given):
    base = dict(
        access_key="key-1234567890",
        api_url=None,
        validate_certs=True,
        ca_path=None,
        timeout=30,
        retries=5,
    )
    base.update(given)
    return base


def test_an_empty_environment_variable_counts_as_unset(monkeypatch):
    # AWX injects "" for an optional credential field left blank.
    monkeypatch.setenv("BIRD_API_URL", "")
    assert env_value("BIRD_API_URL") is None
    with pytest.raises(AnsibleFallbackNotFound):
        env_fallback("BIRD_API_URL")
    monkeypatch.setenv("BIRD_API_URL", "https://bird.example")
    assert env_fallback("BIRD_API_URL") == "https://bird.example"


def test_the_access_key_is_no_log_and_falls_back_to_the_environment():
    spec = connection_argument_spec(env_fallback)
    assert spec["access_key"]["no_log"] is True
    assert spec["access_key"]["fallback"] == (env_fallback, ["BIRD_ACCESS_KEY"])
    assert spec["api_url"]["fallback"] == (env_fallback, ["BIRD_API_URL"])


def test_the_api_url_defaults_to_bird_and_a_pasted_newline_is_dropped():
    given = options(access_key="key-1234567890\n")
    assert check_connection(given) == []
    assert (
        given["api_url"] == DEFAULT_API_URL and given["access_key"] == "key-1234567890"
    )
    assert make_client(given).api_url == DEFAULT_API_URL


@pytest.mark.parametrize(
    "given,message",
    [
        (dict(access_key="  "), "access_key is empty"),
        (dict(access_key="has space"), "access_key holds a space"),
        (
            dict(access_key="AccessKey k3y-v4lue"),
            "access_key starts with 'AccessKey ': give the key alone",
        ),
        (
            dict(access_key="bearer\tk3y-v4lue"),
            "access_key starts with 'bearer ': give the key alone",
        ),
        (
            dict(api_url="https://api.platform.bird.com"),
            "api_url 'https://api.platform.bird.com' is on Bird's newer platform",
        ),
        (dict(api_url="ftp://x"), "api_url 'ftp://x' is not an http(s) URL"),
        (
            dict(ca_path="/nonexistent/ca.pem"),
            "ca_path '/nonexistent/ca.pem' is not a file",
        ),
        (dict(timeout=0), "timeout must be at least 1 second"),
        (dict(retries=-1), "retries must be 0 or more"),
    ],
)
def test_options_that_cannot_work_are_refused_before_any_request(given, message):
    with pytest.raises(InputError) as info:
        check_connection(options(**given))
    assert message in str(info.value)
    assert "has space" not in str(info.value) and "k3y-v4lue" not in str(info.value)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_a_ca_bundle_from_the_environment_that_does_not_exist_is_named(
    monkeypatch, tmp_path, variable
):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv(variable, "/nonexistent/env-ca.pem")
    with pytest.raises(InputError) as info:
        check_connection(options())
    assert (
        "the environment variable %s is '/nonexistent/env-ca.pem', which does not exist"
        % variable
        in str(info.value)
    )
    # Not used, so not checked: ca_path given, or no verification.
    bundle = tmp_path / "ca.pem"
    bundle.write_text("x")
    check_connection(options(ca_path=str(bundle)))
    check_connection(options(validate_certs=False))


def test_a_key_of_the_newer_platform_is_warned_about_without_showing_it():
    (warning,) = check_connection(options(access_key="bk_has-space-secret"))
    assert "access_key starts with bk_" in warning and "401" in warning
    assert "has-space-secret" not in warning
    assert check_connection(options(access_key="key-bk_1234567890")) == []


def test_plain_http_and_unverified_tls_are_warned_about():
    assert "plain http" in check_connection(options(api_url="http://127.0.0.1:1"))[0]
    assert (
        "not verified"
        in check_connection(options(api_url="https://x.example", validate_certs=False))[
            0
        ]
    )


@pytest.mark.parametrize(
    "url,error,warning",
    [
        ("https://api.bird.com", False, False),
        ("http://127.0.0.1:8080", False, True),
        ("ftp://api.bird.com", True, False),
        ("api.bird.com", True, False),
        ("", True, False),
        ("https://api.bird.com?x=1", True, False),
        ("https://api.bird.com:notaport", True, False),
        ("https://eu-west-1.platform.bird.com/v1", True, False),
        ("https://platform.bird.com", True, False),
        ("https://api.platform.bird.com./v1", True, False),
        ("https://notplatform.bird.com", False, False),
    ],
)
def test_only_http_urls_with_a_host_are_accepted(url, error, warning):
    err, warn = check_api_url(url)
    assert bool(err) is error and bool(warn) is warning
    if err:
        assert "api_url" in err
