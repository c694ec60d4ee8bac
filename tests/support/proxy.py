# -*- coding: utf-8 -*-
# Copyright: Contributors to the bird.engagements collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small HTTP proxy on 127.0.0.1 for the tests, and an environment that uses it."""

from __future__ import annotations

import re
import select
import socket
import threading
import time


class Proxy:
    """An HTTP proxy on 127.0.0.1 for tests: CONNECT tunnels (https) and absolute-form forwarding (http).

    Bounded: daemon threads, socket timeouts, an idle timeout per connection and a cap on what is
    kept of each stream. ``tunnels`` lists the CONNECT targets; ``forwarded`` the request lines
    seen in forwarded plain-http streams (absolute-form, e.g. ``GET http://127.0.0.1:1234/... HTTP/1.1``).
    """

    IDLE = 15.0
    KEEP = 1 << 20

    def __init__(self):
        self.tunnels = []
        self.forwarded = []
        self.refused = 0
        self._active = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self._thread = threading.Thread(
            target=self._accept, name="test-proxy", daemon=True
        )
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, dummy = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._active += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        upstream = None
        try:
            client.settimeout(self.IDLE)
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 65536:
                chunk = client.recv(4096)
                if not chunk:
                    return
                head += chunk
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            method, target = line.split(" ")[:2]
            if method == "CONNECT":
                host, port = target.rsplit(":", 1)
                upstream = socket.create_connection(
                    (host, int(port)), timeout=self.IDLE
                )
                with self._lock:
                    self.tunnels.append(target)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                rest = head.split(b"\r\n\r\n", 1)[1]
                if rest:
                    upstream.sendall(rest)
                self._pipe(client, upstream, None)
            else:
                match = re.match(r"^http://([^/:]+):(\d+)/", target)
                if not match:
                    self.refused += 1
                    client.sendall(
                        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    return
                upstream = socket.create_connection(
                    (match.group(1), int(match.group(2))), timeout=self.IDLE
                )
                upstream.sendall(head)
                stream = bytearray(head)
                self._pipe(client, upstream, stream)
                # Not anchored: on a kept-alive connection a request line follows the
                # previous request's body (a create's JSON) without a line break.
                lines = re.findall(
                    rb"((?:GET|POST|DELETE|PUT|PATCH) http://\S+ HTTP/1\.[01])\r\n",
                    bytes(stream),
                )
                with self._lock:
                    self.forwarded.extend(x.decode("latin-1") for x in lines)
        except (OSError, ValueError):
            pass
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    try:
                        sock.close()
                    except OSError:
                        pass
            with self._lock:
                self._active -= 1

    def _pipe(self, client, upstream, stream):
        peers = {client: upstream, upstream: client}
        while not self._stop.is_set():
            readable, dummy, dummy2 = select.select(list(peers), [], [], self.IDLE)
            if not readable:
                return
            for sock in readable:
                data = sock.recv(65536)
                if not data:
                    return
                peers[sock].sendall(data)
                if stream is not None and sock is client and len(stream) < self.KEEP:
                    stream.extend(data)

    def wait_idle(self, timeout=10.0):
        """Wait until no connection is open (the client has exited); True if so."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._active == 0:
                    return True
            time.sleep(0.05)
        return False

    def close(self):
        self._stop.set()
        self._sock.close()
        self._thread.join(5)


def proxy_env(env, https_proxy=None, http_proxy=None, no_proxy=None):
    """``env`` without any inherited proxy setting, plus the given ones (upper and lower case, as requests reads)."""
    env = dict((k, v) for k, v in env.items() if not k.lower().endswith("_proxy"))
    for name, value in (
        ("https_proxy", https_proxy),
        ("http_proxy", http_proxy),
        ("no_proxy", no_proxy),
    ):
        if value is not None:
            env[name] = env[name.upper()] = value
    return env
