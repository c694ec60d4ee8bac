# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The command line: ``python tests/simulator/bird_simulator.py --help`` (or ``python -m <package>``)."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from .capabilities import CAPABILITY_FORMAT_CHOICES
from .config import CONFIG_SPEC, SERVER_OPTIONS
from .paging import LIMIT_ABOVE_MAX
from .shapes import LIST_ITEM_IDS, LIST_ITEM_TEMPLATES
from .simulator import BirdSimulator
from .tokens import TOKEN_STYLES


def _json_arg(value):
    """A JSON value, or @FILE holding one."""
    try:
        if value.startswith("@"):
            with open(value[1:], encoding="utf-8") as handle:
                return json.load(handle)
        return json.loads(value)
    except (OSError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"not JSON or @FILE of JSON: {exc}") from None


def build_parser():
    parser = argparse.ArgumentParser(
        prog="bird_simulator.py",
        description="Bird API simulator (connectors, channels, numbers) for testing the bird.engagements collection.",
    )
    server = parser.add_argument_group("server")
    server.add_argument(
        "--host", default=None, help="address to bind (default 127.0.0.1)"
    )
    server.add_argument(
        "--port",
        type=int,
        default=None,
        help="port to bind; 0 (default) picks a free one",
    )
    server.add_argument("--https", action="store_true", default=None, help="serve TLS")
    server.add_argument("--cert", help="PEM certificate (chain) for --https")
    server.add_argument("--key", help="PEM private key for --https")
    server.add_argument(
        "--cert-out",
        help="write the CA certificate (or --cert) PEM here, for clients to use as a CA bundle",
    )
    server.add_argument(
        "--url-file", help="also write the base URL to this file (atomically)"
    )
    server.add_argument(
        "--quiet",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="do not log one line per request to stderr",
    )
    server.add_argument(
        "--config", help="JSON file of configuration keys (flags override it)"
    )
    data = parser.add_argument_group("data")
    data.add_argument(
        "--seed", help="seed JSON file (access keys, workspaces, numbers, connectors)"
    )
    data.add_argument(
        "--generate-workspaces",
        type=int,
        default=None,
        metavar="N",
        help="generate N deterministic workspaces",
    )
    data.add_argument(
        "--numbers-per-workspace",
        type=int,
        default=None,
        metavar="M",
        help="numbers per generated workspace (default 1)",
    )
    data.add_argument(
        "--voiceless-every",
        type=int,
        default=None,
        metavar="K",
        help="in generated workspaces every K-th number (j %% K == K-1) has SMS only; 0 = none (0)",
    )
    data.add_argument(
        "--access-key",
        help="add an access key allowed to read and write every workspace",
    )
    data.add_argument(
        "--state-file",
        help="load connectors/channels from this file and save them after every change",
    )
    behaviour = parser.add_argument_group("behaviour (runtime configuration keys)")
    behaviour.add_argument(
        "--page-size",
        type=int,
        help="default page size of connector/channel/number lists (10)",
    )
    behaviour.add_argument(
        "--page-size-max",
        type=int,
        help="most items of any list page; a larger limit gets a shorter page (100)",
    )
    behaviour.add_argument(
        "--channel-delay",
        type=float,
        help="seconds until a new connector gets its channel; 0 = at once, <0 = never (0)",
    )
    behaviour.add_argument(
        "--channel-setup-seconds",
        type=float,
        help="seconds an assigned channel is pending, then setting-up, before its final status (0)",
    )
    behaviour.add_argument(
        "--channel-final-status",
        help="status a new channel ends in, any string (active)",
    )
    behaviour.add_argument(
        "--channel-final-status-by-number",
        type=_json_arg,
        help="JSON object (or @FILE): E.164 or number id -> final status ({})",
    )
    behaviour.add_argument(
        "--voiceless-create",
        choices=("refuse", "fail_channel"),
        help="a Voice connector on a number without voice: 422, or accepted with a failed channel (refuse)",
    )
    behaviour.add_argument(
        "--pending-channel",
        choices=("null", "no_id", "absent"),
        help='connector "channel" before assignment (null)',
    )
    behaviour.add_argument(
        "--duplicate-status",
        type=int,
        help="status of the duplicate connector refusal (409)",
    )
    behaviour.add_argument(
        "--duplicate-code",
        help="error code of the duplicate connector refusal (ConnectorAlreadyExists)",
    )
    behaviour.add_argument(
        "--duplicate-message",
        help="message of the duplicate connector refusal (connector already exists)",
    )
    behaviour.add_argument(
        "--duplicate-scope",
        choices=("platform", "template"),
        help="a duplicate is another connector on the number of the same platform (slug) or of the same template ref (platform)",
    )
    behaviour.add_argument(
        "--duplicate-refusal",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="refuse a second connector of the platform on a number (on)",
    )
    behaviour.add_argument(
        "--delete-status",
        type=int,
        choices=(200, 202, 204),
        help="status of a connector delete (204)",
    )
    behaviour.add_argument(
        "--delete-delay",
        type=float,
        help="seconds a deleted connector stays listed and readable (0)",
    )
    behaviour.add_argument(
        "--deleted-channel-visible",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="keep a deleted connector's channel readable with status deleted (off)",
    )
    behaviour.add_argument(
        "--template-filter-param",
        help='query parameter of the connector template filter; "" = ignore filters (templateRef)',
    )
    behaviour.add_argument(
        "--last-page-token",
        choices=("omit", "empty"),
        help="nextPageToken on the last page (omit)",
    )
    behaviour.add_argument(
        "--page-token-style",
        choices=TOKEN_STYLES,
        help="page tokens: simple, bird (base64 of [ms, uuid]) or binary (holds + / =) (simple)",
    )
    behaviour.add_argument(
        "--limit-above-max",
        choices=LIMIT_ABOVE_MAX,
        help="a limit above a list's maximum: clamp (connectors only), clamp_all or reject (clamp)",
    )
    behaviour.add_argument(
        "--list-delay",
        type=float,
        help="seconds before a new connector and its channel appear in lists (0)",
    )
    behaviour.add_argument(
        "--list-item-ids",
        choices=LIST_ITEM_IDS,
        help="ids in connector list items (both)",
    )
    behaviour.add_argument(
        "--get-item-ids",
        choices=("both", "null"),
        help='GET of one connector: both ids, or "number" and "arguments" null (both)',
    )
    behaviour.add_argument(
        "--list-item-template",
        choices=LIST_ITEM_TEMPLATES,
        help="template fields in connector list items (full)",
    )
    behaviour.add_argument(
        "--number-field",
        choices=("number", "phoneNumber", "both"),
        help="field(s) of the E.164 in number items (number)",
    )
    behaviour.add_argument(
        "--capabilities-format",
        choices=CAPABILITY_FORMAT_CHOICES,
        help="number capabilities format (list)",
    )
    behaviour.add_argument(
        "--number-capabilities-format",
        choices=("null",) + CAPABILITY_FORMAT_CHOICES,
        help="capabilities format of GET /numbers/{id}; null = as --capabilities-format (null)",
    )
    behaviour.add_argument(
        "--extra-fields",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="add an unknown field to connectors (on)",
    )
    behaviour.add_argument(
        "--latency", type=float, help="seconds added to every API request (0)"
    )
    behaviour.add_argument(
        "--rate-get",
        type=int,
        help="GET requests per second per workspace; 0 = unlimited (50)",
    )
    behaviour.add_argument(
        "--rate-post",
        type=int,
        help="POST+DELETE requests per second per workspace; 0 = unlimited (500)",
    )
    behaviour.add_argument(
        "--retry-after-header",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send Retry-After with 429 (off)",
    )
    behaviour.add_argument(
        "--request-id-header",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send Messagebird-Request-Id with API answers (on)",
    )
    behaviour.add_argument(
        "--webhook-target",
        help="base URL webhook deliveries are sent to (+ the subscription URL's path); unset: recorded only",
    )
    behaviour.add_argument(
        "--webhook-retry-delays",
        type=_json_arg,
        help="JSON list of seconds before each retry of a failed delivery ([1, 5])",
    )
    behaviour.add_argument(
        "--echo-signing-key",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a subscription's signingKey in answers (on)",
    )
    behaviour.add_argument(
        "--rate-limit-share",
        type=float,
        help="share (0..1) of API requests answered 429 at random (0)",
    )
    behaviour.add_argument(
        "--faults", type=_json_arg, help="fault rules: JSON list/object or @FILE"
    )
    behaviour.add_argument(
        "--random-seed", type=int, help="seed of the random generator (0)"
    )
    return parser


def config_from_args(args):
    """Turn parsed arguments into a BirdSimulator config dict (defaults < --config file < flags)."""
    config = {}
    if args.config:
        with open(args.config, encoding="utf-8") as handle:
            loaded = json.load(handle)
        if not isinstance(loaded, dict):
            raise ValueError("--config must hold a JSON object")
        config.update(loaded)
    for key in list(CONFIG_SPEC) + list(SERVER_OPTIONS):
        value = getattr(args, key, None)
        if value is not None:
            config[key] = value
    return config


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        simulator = BirdSimulator(config_from_args(args))
        url = simulator.start()
    except (OSError, ValueError, RuntimeError) as exc:
        sys.stderr.write(f"bird_simulator: error: {exc}\n")
        return 2
    stop = threading.Event()

    def _on_signal(_signum, _frame):
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    sys.stdout.write(f"BIRD_API_URL={url}\n")
    sys.stdout.flush()
    while not stop.is_set():
        stop.wait(0.5)
    simulator.stop()
    return 0
