# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""BirdSimulator: the request pipeline (route, auth, rate limits, faults, stats), the Python API and the server's life."""

from __future__ import annotations

import contextlib
import copy
import random
import shutil
import sys
import threading
import time
import traceback
import uuid

from . import admin
from .access import RateWindows, authenticate, permission_error
from .api import Endpoints, allowed_methods, parse_route, route_name
from .backstage import Backstage, public_number
from .channels import render_channel, visible
from .checks import as_int
from .config import split_options, validate_config
from .deliveries import Outbox
from .faults import FaultRule, decide, gateway_response, status_response
from .server import Server
from .shapes import Response, error, iso, ready, render_connector
from .state import Store, atomic_write
from .stats import Recorder, RequestContext
from .tls import server_context
from .webhooks import render_subscription


class _SleepBudget(threading.local):
    """Per thread: how long the in-memory transport's caller still waits (None: no limit), and whether it gave up."""

    budget = None
    timed_out = False


class BirdSimulator(Backstage):
    """In-process Bird API simulator.

    config: a dict with any runtime configuration key (CONFIG_DEFAULTS) and any start-up option
    (seed, generate_workspaces, numbers_per_workspace, access_key, state_file, host, port, https,
    cert, key, cert_out, url_file). ``seed`` may be a file path or the seed itself as a dict.
    """

    def __init__(self, config=None):
        self.options, runtime = split_options(config)
        self._config = runtime
        self._faults = [FaultRule(rule) for rule in runtime["faults"]]
        self._rng = random.Random(runtime["random_seed"])
        self._lock = threading.Lock()
        self._recorder = Recorder()
        self._windows = RateWindows()
        self._sleep_budget = _SleepBudget()
        self._server = None
        self._thread = None
        self._tempdir = None
        self.url = None
        self.ca_file = None
        self._store = Store(self.options)
        self._store.apply_voiceless(runtime["voiceless_every"])
        self._outbox = Outbox(self._store, self._lock, lambda: self._config)
        self._store.events = self._outbox
        self._endpoints = Endpoints(self._store, self._lock)
        if self.options["state_file"]:
            try:
                self._store.load_state_file(self.options["state_file"])
            except FileNotFoundError:
                self._persist()

    def _persist(self):
        self._store.persist(self._lock)

    @contextlib.contextmanager
    def caller_waits(self, seconds):
        """For the in-memory transport: this thread's requests in the block sleep at most ``seconds`` in all (None: no limit).

        Yields an object whose ``timed_out`` says afterwards whether a sleep (latency or a delay fault) was cut short;
        the request itself is still fully handled.
        """
        local = self._sleep_budget
        local.budget, local.timed_out = seconds, False
        try:
            yield local
        finally:
            local.budget = None

    def _sleep(self, seconds):
        """Sleep, or for an in-memory request with a timeout, sleep no longer than its caller would wait."""
        local = self._sleep_budget
        if local.budget is None:
            time.sleep(seconds)
            return
        step = min(seconds, local.budget)
        time.sleep(step)
        local.budget -= step
        if seconds > step:
            local.timed_out = True

    # -- the API pipeline ----------------------------------------------------------

    def handle_api(self, method, path, query, headers, raw_body):
        """Handle one API request; returns a Response (used by the HTTP handler and the in-memory transport)."""
        ctx = RequestContext(method, path, query)
        latency = self._config["latency"]
        if latency > 0:
            self._sleep(latency)
        try:
            response = self._api(ctx, headers, raw_body)
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            response = error(500, f"simulator error: {exc}")
        # A gateway's answer never reached Bird, so it has no request id; request_id_header false: Bird sends none.
        if ctx.fault != "gateway" and self._config["request_id_header"]:
            response.headers["Messagebird-Request-Id"] = str(uuid.uuid4())
        if ctx.applied:
            self._persist()
        with self._lock:
            self._recorder.record(ctx, response)
        return response

    def _api(self, ctx, headers, raw_body):
        method = ctx.method
        key_entry, auth_error = authenticate(self._store.access_keys, headers)
        ctx.auth_ok = key_entry is not None
        route = parse_route(ctx.path)
        if route is None:
            return error(404, f"no such endpoint: {ctx.path}")
        ws_id, resource, item_id = route.workspace, route.resource, route.item
        ctx.route = route_name(method, route)
        allowed = allowed_methods(route)
        if key_entry is None:
            return error(401, auth_error)
        if method not in allowed:
            return error(
                405,
                f"method {method} is not allowed here",
                headers={"Allow": ", ".join(allowed)},
            )
        if route.organization not in (None, self._store.organization_id):
            return error(404, "organization not found")
        ws = self._store.workspaces.get(ws_id)
        if ws is None:
            return error(404, "workspace not found")  # Bird's documented text
        ctx.workspace = ws_id
        refusal = permission_error(key_entry, ws_id, method)
        if refusal:
            return error(403, refusal)

        cfg = self._config
        delay, rule = 0.0, None
        with self._lock:
            retry_after = self._windows.check(ws_id, method, cfg)
            if (
                retry_after is None
                and cfg["rate_limit_share"] > 0
                and self._rng.random() < cfg["rate_limit_share"]
            ):
                retry_after = 1
            if retry_after is not None:
                self._recorder.stats["faults_fired"]["rate_limited"] += 1
                ctx.fault = "rate_limited"
            else:
                delay, rule = decide(
                    self._faults,
                    method,
                    ctx.path,
                    method == "GET" and item_id is None,
                    self._rng,
                    self._recorder.stats["faults_fired"],
                )
        if retry_after is not None:
            extra = (
                {"Retry-After": str(retry_after)} if cfg["retry_after_header"] else None
            )
            return error(
                429, "too many requests; the request was not processed", headers=extra
            )
        if delay > 0:
            ctx.fault = "delay"
            self._sleep(delay)
        if rule is not None:
            ctx.fault = rule.kind
            if rule.kind == "status":
                return status_response(rule, headers)
            if rule.kind == "gateway":
                return gateway_response(rule)
            if rule.kind == "drop":
                return Response(0, drop=True)
            ctx.malformed = rule.malformed

        response = self._endpoints.dispatch(ctx, cfg, ws, resource, item_id, raw_body)
        if rule is not None and rule.kind == "drop_after_apply":
            response.drop = True
        return response

    def handle_admin(self, method, path, query, raw_body):
        """Handle one /_sim request; returns a Response."""
        response = admin.handle(self, method, path, query, raw_body)
        response.headers["Messagebird-Request-Id"] = str(uuid.uuid4())
        return response

    # -- configuration and faults ----------------------------------------------------

    def config(self):
        """The current runtime configuration."""
        return copy.deepcopy(self._config)

    def update_config(self, values=None, **kwargs):
        """Update runtime configuration keys (validated); returns the new configuration."""
        changes = dict(values or {})
        changes.update(kwargs)
        changes = validate_config(changes)
        with self._lock:
            new = dict(self._config)
            new.update(changes)
            if "faults" in changes:
                self._faults = [FaultRule(rule) for rule in changes["faults"]]
            if "random_seed" in changes:
                self._rng = random.Random(changes["random_seed"])
            if "voiceless_every" in changes:
                self._store.apply_voiceless(changes["voiceless_every"])
            self._config = new
        return self.config()

    def faults(self):
        """The fault rules with their seen/fired counters."""
        with self._lock:
            return [rule.describe() for rule in self._faults]

    def add_faults(self, rules):
        """Append one rule (dict) or several (list)."""
        if isinstance(rules, dict):
            rules = [rules]
        if not isinstance(rules, list):
            raise ValueError("expected a fault rule object or a list of them")
        new = [FaultRule(rule) for rule in rules]
        with self._lock:
            self._faults.extend(new)
            self._config = dict(
                self._config, faults=[rule.spec() for rule in self._faults]
            )

    def clear_faults(self):
        with self._lock:
            self._faults = []
            self._config = dict(self._config, faults=[])

    # -- counters and state ------------------------------------------------------------

    def stats(self):
        """The API request counters (see the README for the shape)."""
        with self._lock:
            return copy.deepcopy(self._recorder.stats)

    def reset_stats(self):
        with self._lock:
            self._recorder.clear()

    def reset(self):
        """Reset the stats, the rate limit windows, the deliveries and all connectors/channels/subscriptions (and numbers) to the seed."""
        with self._lock:
            self._recorder.clear()
            self._windows.reset()
            self._store.reset_to_seed()
            self._outbox.clear()
        self._persist()

    def state(self):
        """Per workspace: all connectors (API view), assigned channels (with their status now), the pending channels and the
        webhook subscriptions (with their signing keys)."""
        with self._lock:
            now = time.time()
            self._store.purge(now)
            result = {}
            for ws_id, ws in self._store.workspaces.items():
                connectors = sorted(ws["connectors"].values(), key=lambda c: c["seq"])
                channels = sorted(
                    (ch for ch in ws["channels"].values() if visible(ch, now)),
                    key=lambda c: c["seq"],
                )
                result[ws_id] = {
                    "name": ws["name"],
                    "connectors": [
                        render_connector(c, self._store.number_of(c), self._config, now)
                        for c in connectors
                    ],
                    "channels": [
                        dict(render_channel(ch, now), assignedAt=ch["readyAt"])
                        for ch in channels
                    ],
                    "pending_channels": [
                        {
                            "channelId": c["channelId"],
                            "connectorId": c["id"],
                            "readyAt": (
                                None
                                if c["channelReadyAt"] is None
                                else iso(c["channelReadyAt"])
                            ),
                        }
                        for c in connectors
                        if not ready(c["channelReadyAt"], now)
                    ],
                    "subscriptions": [
                        render_subscription(sub, True)
                        for sub in sorted(
                            ws["subscriptions"].values(), key=lambda s: s["seq"]
                        )
                    ],
                }
            return {
                "organization_id": self._store.organization_id,
                "workspaces": result,
            }

    def requests(self, limit=50):
        """The last limit API requests, oldest first."""
        with self._lock:
            entries = list(self._recorder.log)
        return copy.deepcopy(entries[-limit:]) if limit else []

    @property
    def workspaces(self):
        """Seeded workspaces: {id: {"name": ..., "numbers": [{"id", "number", "country", "capabilities", "status"}]}}."""
        with self._lock:
            return {
                ws_id: {
                    "name": ws["name"],
                    "numbers": [public_number(n) for n in ws["numbers"].values()],
                }
                for ws_id, ws in self._store.workspaces.items()
            }

    @property
    def access_keys(self):
        return list(self._store.access_keys)

    # -- serving -------------------------------------------------------------------------

    def session(self, access_key=None):
        """A requests.Session that reaches this simulator in memory at IN_MEMORY_URL (no server needed); see transport.py."""
        # requests is imported only where it is used
        from .transport import session  # pylint: disable=import-outside-toplevel

        return session(self, access_key=access_key)

    def start(self):
        """Start serving in a background thread; returns the base URL."""
        if self._server is not None:
            return self.url
        host = self.options["host"] or "127.0.0.1"
        context = None
        if self.options["https"]:
            context, self.ca_file, self._tempdir = server_context(self.options)
        server = Server(
            (host, as_int("port", self.options["port"] or 0, 0, 65535)), self, context
        )
        port = server.server_address[1]
        url_host = (
            "127.0.0.1"
            if host in ("0.0.0.0", "")
            else ("localhost" if host == "::" else host)
        )
        if ":" in url_host:
            url_host = f"[{url_host}]"
        self.url = f'{"https" if context else "http"}://{url_host}:{port}'
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="bird-simulator",
            daemon=True,
        )
        self._thread.start()
        if self.options["url_file"]:
            atomic_write(self.options["url_file"], self.url + "\n")
        return self.url

    def stop(self):
        """Stop serving (idempotent)."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._thread = None
        self._outbox.clear(log=False)  # a stopped simulator sends nothing more
        self._persist()
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def log(self, line):
        if not self._config["quiet"]:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()


@contextlib.contextmanager
def run_simulator(**config):
    """Start a simulator (quiet unless quiet=False is given), yield it, stop it afterwards."""
    config.setdefault("quiet", True)
    simulator = BirdSimulator(config)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.stop()
