"""The HTTP port of a worker (`promocore serve --http-listen`): the Connect API, the web console
and the customer cockpit pages.

Python's own threaded HTTP/1.1 server (http.server): no dependency, a thread per connection
while it is open (at most MAX_CONNECTIONS; beyond, a new connection is closed at once), and a
streaming answer is written as it is produced (chunked). The work of a call is bounded by the
gate as for gRPC (promocore.server.http_api); this server only moves bytes. Like the gRPC port, the
port is bound with SO_REUSEPORT when the server runs as one of several workers.

Routes: `POST /<package.Service>/<Method>` is the Connect API; `GET /` and `GET /console/<file>`
are the console's files (promocore/console, shipped in the package); `GET /cockpit/...` is a
customer's cockpit page (manage/cockpit.py). Every page is served with a Content-Security-Policy
that lets it load nothing from anywhere but this server.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import orjson

from promocore.errors import InvalidArgumentError, PromocoreError
from promocore.server import http_api
from promocore.server.http_api import ConnectApi, HttpCallContext, Reply
from promocore.server.request_guard import HARD_CAP_FACTOR
from promocore.wire.status import to_status

log = logging.getLogger("promocore.http")

DEFAULT_HTTP_LISTEN = "127.0.0.1:8080"
MAX_CONNECTIONS = 256
# An idle keep-alive connection is closed after this many seconds.
IDLE_TIMEOUT_S = 60
CONSOLE_DIRECTORY = Path(__file__).parent / "console"
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
# Nothing from anywhere else: scripts, styles, images (QR codes are data: URLs) and calls.
SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)

# A page handler: (path, query) -> (status, content type, body); the cockpit registers one.
PageHandler = Callable[[str, str], tuple[int, str, bytes]]


def console_files() -> dict[str, bytes]:
    """The console's files by name, read once from the package."""
    return {
        entry.name: entry.read_bytes()
        for entry in sorted(CONSOLE_DIRECTORY.iterdir())
        if entry.is_file() and entry.suffix in _CONTENT_TYPES
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], reuse_port: bool, app: HttpApp) -> None:
        self.reuse_port = reuse_port
        self.app = app
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._connections = threading.BoundedSemaphore(MAX_CONNECTIONS)
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        if self.reuse_port:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        # Not HTTPServer.server_bind: it looks the host name up (getfqdn), which may block.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = host, port

    def process_request(self, request, client_address) -> None:
        if not self._connections.acquire(blocking=False):
            self.shutdown_request(request)  # at the cap: refused, not queued
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._connections.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._connections.release()


class HttpApp:
    """What the HTTP port serves: the Connect API, the console files, extra pages by prefix."""

    def __init__(self, api: ConnectApi) -> None:
        self.api = api
        self.console = console_files()
        self.pages: dict[str, PageHandler] = {}

    def add_pages(self, prefix: str, handler: PageHandler) -> None:
        self.pages[prefix] = handler


class HttpServer:
    def __init__(self, listen: str, app: HttpApp, *, reuse_port: bool = False) -> None:
        host, sep, port = listen.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"--http-listen must be HOST:PORT, got {listen!r}")
        self._server = _Server((host.strip("[]"), int(port)), reuse_port, app)
        self.host = host.strip("[]")
        self.port = self._server.server_port
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="promocore-http", daemon=True
        )

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> HttpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "promocore"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    server: _Server

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # GET: pages ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        app = self.server.app
        path, _, query = self.path.partition("?")
        if path == "/":
            path = "/console/index.html"
        if path.startswith("/console/"):
            name = path.removeprefix("/console/")
            body = app.console.get(name)
            if body is None:
                self._page(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")
                return
            suffix = "." + name.rpartition(".")[2]
            self._page(HTTPStatus.OK, _CONTENT_TYPES[suffix], body)
            return
        for prefix, handler in app.pages.items():
            if path.startswith(prefix):
                try:
                    status, content_type, body = handler(path, query)
                except Exception:
                    log.exception("page %s failed", prefix)
                    status, content_type = HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain"
                    body = b"The page could not be made; try again later.\n"
                self._page(status, content_type, body)
                return
        self._page(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n")

    def _page(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    # POST: the Connect API -----------------------------------------------------------------

    def do_POST(self) -> None:
        api = self.server.app.api
        route = api.routes.get(self.path.partition("?")[0])
        if route is None:
            self._reply(_plain_error(404, "unimplemented", f"no RPC at {self.path}"))
            self.close_connection = not self._discard_body()
            return
        content_type = self.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        wanted = (
            (http_api.JSON, http_api.PROTO)
            if route.unary
            else (
                http_api.STREAM_JSON,
                http_api.STREAM_PROTO,
            )
        )
        if content_type not in wanted:
            self._reply(
                _plain_error(
                    415,
                    "invalid_argument" if content_type else "unknown",
                    f"{route.path} takes Content-Type {' or '.join(wanted)}, got "
                    f"{content_type or 'none'}",
                    http_status=415,
                )
            )
            self.close_connection = not self._discard_body()
            return
        body = self._body(api.max_message_bytes * HARD_CAP_FACTOR)
        if body is None:
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            deadline = http_api.deadline_of(headers)
        except PromocoreError as error:
            self._reply(http_api.error_reply(to_status(error)))
            return
        context = HttpCallContext(
            http_api.call_metadata(self.headers.items()), self._peer(), deadline
        )
        if route.unary:
            self._reply(api.unary(route, content_type, body, context))
        else:
            self._stream(content_type, api.stream(route, content_type, body, context), context)

    def _peer(self) -> str:
        host, port = self.client_address[:2]
        return f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"

    def _body(self, cap: int) -> bytes | None:
        """The request body, read whole; None when refused (answered, connection closed)."""
        if self.headers.get("Transfer-Encoding"):
            self._reply(_plain_error(411, "invalid_argument", "send a Content-Length body"))
            self.close_connection = True
            return None
        length_text = self.headers.get("Content-Length", "0")
        if not length_text.isdigit():
            self._reply(_plain_error(400, "invalid_argument", "a bad Content-Length"))
            self.close_connection = True
            return None
        length = int(length_text)
        if length > cap:
            # As gRPC's own hard cap: refused unread, so the connection cannot be reused.
            error = InvalidArgumentError(
                "request", f"a message has at most {cap} bytes; got {length}"
            )
            self._reply(http_api.error_reply(to_status(error)))
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _discard_body(self) -> bool:
        """Reads an unwanted body so the connection can serve the next request; False when it
        is too large to bother (the connection is then closed)."""
        length_text = self.headers.get("Content-Length", "0")
        if not length_text.isdigit() or int(length_text) > 1 << 20:
            return False
        self.rfile.read(int(length_text))
        return True

    def _reply(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(reply.body)

    def _stream(self, content_type: str, frames: Iterator[bytes], context: HttpCallContext) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for frame in frames:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:  # the caller went away: the stream's generator is closed
            context.active = False
            self.close_connection = True
            frames.close()  # type: ignore[attr-defined]


def _plain_error(status: int, code: str, message: str, *, http_status: int | None = None) -> Reply:
    """A Connect error the transport itself answers (no gRPC status behind it)."""
    body = orjson.dumps({"code": code, "message": message})
    return Reply(http_status or status, http_api.JSON, body, [])
