# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# Copyright: Contributors to the bird.engagements collection
"""The HTTP(S) server: HTTP/1.1 with keep-alive, one thread per connection, answers made by the simulator."""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import socketserver
import ssl
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

from .shapes import NO_BODY_STATUSES, error


def is_admin_path(path):
    return path == "/_sim" or path.startswith("/_sim/")


def response_bytes(response):
    """The body bytes of a simulator response (empty for 204/304 and bodiless answers)."""
    if response.body is None or response.status in NO_BODY_STATUSES:
        return b""
    if isinstance(response.body, bytes):
        return (
            response.body
        )  # already encoded, with its own Content-Type (a gateway's HTML page)
    return json.dumps(response.body).encode("utf-8")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, simulator, ssl_context=None):
        self.simulator = simulator
        self.ssl_context = ssl_context
        self.connections = set()
        self.connections_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    def server_bind(self):
        # Skip HTTPServer.server_bind's getfqdn() (a reverse DNS lookup).
        socketserver.TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = self.server_address[1]

    def get_request(self):
        sock, address = super().get_request()
        if self.ssl_context is not None:
            # The handshake happens in the handler thread, so a slow client cannot block accept().
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def close_connections(self):
        """Shut down the open (keep-alive) client connections so a stopped simulator serves nothing more."""
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (OSError, ssl.SSLError)):
            self.simulator.log(f"{client_address[0]} connection error: {exc}")
            return
        super().handle_error(request, client_address)


class Handler(http.server.BaseHTTPRequestHandler):
    server: Server  # the server it was made by (socketserver types it as any server)

    protocol_version = "HTTP/1.1"
    server_version = "BirdSimulator/1.0"
    timeout = 300

    def setup(self):
        super().setup()
        with contextlib.suppress(OSError):
            # Headers and body are written separately: without this, Nagle + delayed ACK add ~40 ms per response.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def handle(self):
        server = self.server
        with server.connections_lock:
            server.connections.add(self.connection)
        try:
            super().handle()
        finally:
            with server.connections_lock:
                server.connections.discard(self.connection)

    def log_request(self, code="-", size="-"):
        """Logged by _dispatch instead (without headers)."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        self.server.simulator.log(f"{self.address_string()} - {format % args}")

    def do_GET(self):  # pylint: disable=invalid-name
        self._dispatch()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_GET

    def _read_body(self):
        """Return the request body bytes, or None if it cannot be read (the connection is then closed)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks: list = []
            while True:
                line = self.rfile.readline(65537)
                try:
                    size = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    return None
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = self.headers.get("Content-Length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            return None
        if size < 0:
            return None
        data = self.rfile.read(size)
        return data if len(data) == size else None

    def _dispatch(self):
        started = time.monotonic()
        simulator = self.server.simulator
        method = self.command
        parts = urlsplit(self.path)
        path = parts.path or "/"
        raw_body = self._read_body()
        if raw_body is None:
            self.close_connection = True
            response = error(400, "the request body could not be read")
            response.headers["Messagebird-Request-Id"] = str(uuid.uuid4())
        elif is_admin_path(path):
            response = simulator.handle_admin(method, path, parts.query, raw_body)
        else:
            response = simulator.handle_api(
                method, path, parts.query, self.headers, raw_body
            )
        self._send(response)
        elapsed = (time.monotonic() - started) * 1000
        status = "DROPPED" if response.drop else response.status
        simulator.log(
            f'{self.address_string()} "{method} {self.path}" {status} {elapsed:.1f}ms'
        )

    def _send(self, response):
        if response.drop:
            self.close_connection = True
            return
        data = response_bytes(response)
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            if response.status not in NO_BODY_STATUSES:
                if data and "Content-Type" not in response.headers:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if data:
                self.wfile.write(data)
        except OSError:
            self.close_connection = True
