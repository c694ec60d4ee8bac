# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The command line: bird_simulator.py and ``python -m`` of the package (cli.py, bird_simulator.py, __main__.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import requests

from ansible_collections.bird.engagements.tests import simulator as package
from ansible_collections.bird.engagements.tests.simulator import (
    build_parser,
    config_from_args,
    main,
)

from .helpers import DEMO_SEED, REPO_ROOT, SIMULATOR_DIR, SIMULATOR_PATH

DEMO_WS1 = "a1b2c3d4-0001-4000-8000-000000000001"
DEMO_AUTH = {"Authorization": "AccessKey demo-access-key-not-secret"}


def _start(args, **popen):
    # pylint: disable-next=consider-using-with  # the caller stops it
    return subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen
    )


def _stop(process):
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=10)
    stderr = process.stderr.read()
    stdout = process.stdout.read()
    process.stdout.close()
    process.stderr.close()
    return code, stdout, stderr


def test_the_script_prints_its_url_writes_the_url_file_serves_and_exits_0_on_sigterm(
    tmp_path,
):
    url_file = str(tmp_path / "url")
    process = _start(
        [
            sys.executable,
            SIMULATOR_PATH,
            "--seed",
            DEMO_SEED,
            "--port",
            "0",
            "--url-file",
            url_file,
            "--channel-delay",
            "0.5",
            "--template-filter-param",
            "",
            "--faults",
            "[]",
            "--no-retry-after-header",
        ]
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("BIRD_API_URL=http://127.0.0.1:"), (
            line + process.stderr.read()
        )
        url = line.split("=", 1)[1]
        with open(url_file, encoding="utf-8") as handle:
            assert handle.read().strip() == url
        config = requests.get(f"{url}/_sim/config", timeout=5).json()
        assert config["channel_delay"] == 0.5 and config["template_filter_param"] == ""
        response = requests.get(
            f"{url}/workspaces/{DEMO_WS1}/numbers", headers=DEMO_AUTH, timeout=5
        )
        assert len(response.json()["results"]) == 5
        code, stdout, stderr = _stop(process)
        assert code == 0
        assert "/numbers" in stderr and "demo-access-key-not-secret" not in stderr
        assert stdout == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_python_dash_m_of_the_package_runs_the_same_command_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.path.join(REPO_ROOT, ".cache", "collections"))
    process = _start(
        [
            sys.executable,
            "-m",
            package.__name__,
            "--seed",
            DEMO_SEED,
            "--quiet",
            "--capabilities-format",
            "cycle",
        ],
        env=env,
        cwd=str(tmp_path),
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("BIRD_API_URL=http://127.0.0.1:"), (
            line + process.stderr.read()
        )
        url = line.split("=", 1)[1]
        numbers = requests.get(
            f"{url}/workspaces/{DEMO_WS1}/numbers", headers=DEMO_AUTH, timeout=5
        ).json()["results"]
        assert numbers[1]["capabilities"] == {"sms": True, "voice": True, "mms": False}
        code, _stdout, stderr = _stop(process)
        assert code == 0 and stderr == ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@pytest.mark.parametrize(
    "args",
    [
        ["--seed", "/nonexistent/seed.json"],
        ["--page-size", "0"],
        ["--https", "--cert", "only-a-cert.pem"],
    ],
)
def test_bad_options_or_a_bad_seed_exit_2(args, capsys):
    assert main(args + ["--quiet"]) == 2
    assert capsys.readouterr().err.startswith("bird_simulator: error: ")


def test_an_unknown_choice_is_refused_by_the_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--capabilities-format", "weird"])
    assert exc.value.code == 2
    assert "weird" in capsys.readouterr().err


def test_flags_override_the_config_file_and_reach_every_new_key(tmp_path):
    config_file = tmp_path / "config.json"
    config_file.write_text(
        json.dumps({"page_size": 3, "duplicate_status": 422, "voiceless_every": 2}),
        encoding="utf-8",
    )
    args = build_parser().parse_args(
        [
            "--config",
            str(config_file),
            "--duplicate-status",
            "409",
            "--capabilities-format",
            "endpoint",
            "--number-capabilities-format",
            "null",
            "--list-item-ids",
            "mixed",
            "--list-item-template",
            "slug",
            "--duplicate-scope",
            "template",
            "--voiceless-every",
            "4",
            "--generate-workspaces",
            "1",
            "--numbers-per-workspace",
            "4",
        ]
    )
    config = config_from_args(args)
    assert config == {
        "page_size": 3,
        "duplicate_status": 409,
        "voiceless_every": 4,
        "capabilities_format": "endpoint",
        "number_capabilities_format": "null",
        "list_item_ids": "mixed",
        "list_item_template": "slug",
        "duplicate_scope": "template",
        "generate_workspaces": 1,
        "numbers_per_workspace": 4,
    }
    sim = package.BirdSimulator(dict(config, quiet=True))
    assert sim.config()["number_capabilities_format"] is None
    assert [
        n["capabilities"] for ws in sim.workspaces.values() for n in ws["numbers"]
    ] == [["sms", "voice"]] * 3 + [["sms"]]


def test_the_flags_of_the_channel_paging_delete_header_and_webhook_keys(tmp_path):
    by_number = tmp_path / "by_number.json"
    by_number.write_text('{"+31205550001": "failed"}', encoding="utf-8")
    args = build_parser().parse_args(
        [
            "--channel-setup-seconds",
            "1.5",
            "--channel-final-status",
            "suspended",
            "--channel-final-status-by-number",
            f"@{by_number}",
            "--voiceless-create",
            "fail_channel",
            "--no-duplicate-refusal",
            "--delete-status",
            "202",
            "--delete-delay",
            "2",
            "--deleted-channel-visible",
            "--page-token-style",
            "binary",
            "--limit-above-max",
            "reject",
            "--list-delay",
            "3",
            "--list-item-ids",
            "null",
            "--get-item-ids",
            "null",
            "--no-request-id-header",
            "--webhook-target",
            "http://127.0.0.1:5000",
            "--webhook-retry-delays",
            "[0.5]",
            "--no-echo-signing-key",
        ]
    )
    config = config_from_args(args)
    sim = package.BirdSimulator(dict(config, quiet=True))
    assert {key: sim.config()[key] for key in config} == {
        "channel_setup_seconds": 1.5,
        "channel_final_status": "suspended",
        "channel_final_status_by_number": {"+31205550001": "failed"},
        "voiceless_create": "fail_channel",
        "duplicate_refusal": False,
        "delete_status": 202,
        "delete_delay": 2.0,
        "deleted_channel_visible": True,
        "page_token_style": "binary",
        "limit_above_max": "reject",
        "list_delay": 3.0,
        "list_item_ids": "null",
        "get_item_ids": "null",
        "request_id_header": False,
        "webhook_target": "http://127.0.0.1:5000",
        "webhook_retry_delays": [0.5],
        "echo_signing_key": False,
    }


def test_the_script_re_exports_the_public_api_for_old_style_imports():
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bird_simulator as b; "
        'sim = b.BirdSimulator({"seed": sys.argv[2]}); '
        'import json; print(json.dumps([sorted(b.__all__), len(sim.workspaces), b.generated_ids(1, 1)[0]["name"], type(sim).__module__]))'
    )
    result = subprocess.run(
        [sys.executable, "-c", code, SIMULATOR_DIR, DEMO_SEED],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    names, count, name, module = json.loads(result.stdout)
    assert {
        "BirdSimulator",
        "run_simulator",
        "generated_ids",
        "generate_self_signed_cert",
        "main",
        "GENERATED_NAMESPACE",
        "DEFAULT_TEMPLATE",
    } <= set(names)
    assert (count, name, module) == (
        2,
        "Generated workspace 0",
        "_bird_engagements_simulator.simulator",
    )
