"""The HTTP port of a worker (`promocore serve --http-listen`): the Connect and gRPC-Web API, the
web console and the customer cockpit pages.

Served by granian (Rust: hyper and tokio) through its RSGI interface, one granian worker
embedded in each promocore worker process on a socket this module binds (with SO_REUSEPORT
when the workers share the port, like the gRPC port). granian speaks HTTP/1.1 with keep-alive
and HTTP/2 over cleartext (prior knowledge) on the same port, parses requests and writes
answers in Rust; Python sees one call per request (`HttpDoor`), in one asyncio loop thread
(uvloop's), which reads the body, then runs the call (gate and handler, http_api.py) in a call
thread (at most the gate's cap on calls), as gRPC runs it in its pool. docs/architecture.md has the
measurements behind the choice; docs/http.md the protocols and the limits below.

Limits against hostile clients (per worker process):
- a request's headers must arrive within HEADER_TIMEOUT_S and fit in MAX_HEADER_BYTES (granian
  closes the connection otherwise); its body within BODY_TIMEOUT_S after them and, read as it
  arrives, within the port's cap (413 / resource_exhausted beyond, the rest left unread). A body
  being read holds no thread, only its bytes so far;
- a call without an API key where one is needed is answered before its body is read;
- a kept-alive connection idle for HEADER_TIMEOUT_S is closed (the same timer in hyper);
- at most MAX_CONNECTIONS connections are served at once; beyond, new ones wait in the listen
  backlog. An idle connection costs a few kilobytes and no thread;
- at most H2_MAX_STREAMS concurrent streams per HTTP/2 connection;
- calls in progress are bounded by the gate's cap (max_calls): beyond, resource_exhausted at
  once, as gRPC does.

Routes: `POST /<package.Service>/<Method>` is the API; `GET /` and `GET /console/<file>` are
the console's files (promocore/console, shipped in the package); `GET /cockpit/...` is a
customer's cockpit page (manage/cockpit.py). Every page is served with a Content-Security-Policy
that lets it load nothing from anywhere but this server. Anything else is a Connect error.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import queue
import resource
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import grpc
import uvloop
from granian._futures import _future_watcher_wrapper, _new_cbscheduler
from granian._granian import RSGIWorker, SocketHolder, WorkerSignal
from granian.http import HTTP1Settings, HTTP2Settings

from promocore.errors import DeadlineExceededError, PromocoreError
from promocore.server import http_api
from promocore.server.http_api import (
    Codec,
    ConnectApi,
    HttpCallContext,
    Protocol,
    Reply,
    Route,
    transport_error,
)
from promocore.server.request_guard import HARD_CAP_FACTOR
from promocore.wire.status import to_status

log = logging.getLogger("promocore.http")

DEFAULT_HTTP_LISTEN = "127.0.0.1:8080"
# hyper's header timer also runs while a kept-alive connection waits for its next request: it
# is the idle timeout too (granian's default).
HEADER_TIMEOUT_S = 30
BODY_TIMEOUT_S = 10
MAX_HEADER_BYTES = 64 * 1024
MAX_CONNECTIONS = 16_384
H2_MAX_STREAMS = 100
LISTEN_BACKLOG = 1024
# A stream's messages produced ahead of what the caller has taken (memory bound per stream).
STREAM_AHEAD = 16
# How long stop() waits for calls in progress to end.
STOP_GRACE_S = 5.0
CONSOLE_DIRECTORY = Path(__file__).parent / "console"
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}


# Nothing from anywhere else: scripts, styles, images (QR codes are data: URLs) and calls. A page
# may add image origins of its own (the cockpit: the shop's logo, an https origin it checked).
def security_headers(image_origins: str = "") -> list[tuple[str, str]]:
    images = f"'self' data: {image_origins}" if image_origins else "'self' data:"
    return [
        (
            "content-security-policy",
            f"default-src 'self'; img-src {images}; script-src 'self'; style-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cache-control", "no-store"),
    ]


SECURITY_HEADERS = security_headers()

# Every API answer (unary, streamed, errors): it may hold what must not be kept in a cache along
# the way (CreateApiKey's secret, a customer's wallet), nor be read as another type.
API_HEADERS = [("cache-control", "no-store"), ("x-content-type-options", "nosniff")]

# A page handler: (path, query) -> (status, content type, body, image origins the page may load
# beside its own: "" for none); the cockpit registers one.
PageHandler = Callable[[str, str], tuple[int, str, bytes, str]]


# Libraries the console uses, served from the wheels that ship them (nothing from a CDN):
# console path -> (package, file inside it). plotly's wheel ships plotly.js, which draws the
# dashboard's and the reports' charts (docs/architecture.md says why plotly).
CONSOLE_VENDOR_FILES = {"vendor/plotly.min.js": ("plotly", "package_data/plotly.min.js")}


def console_files() -> dict[str, bytes]:
    """The console's files by name, read once from the package and the vendors' wheels."""
    files = {
        entry.name: entry.read_bytes()
        for entry in sorted(CONSOLE_DIRECTORY.iterdir())
        if entry.is_file() and entry.suffix in _CONTENT_TYPES
    }
    for name, (package, inside) in CONSOLE_VENDOR_FILES.items():
        files[name] = _package_file(package, inside)
    return files


def _package_file(package: str, inside: str) -> bytes:
    """A file of an installed package, found without importing the package (plotly's Python
    side is not needed, only its JavaScript)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the console needs the {package!r} package installed (pyproject.toml)")
    return (Path(next(iter(spec.submodule_search_locations))) / inside).read_bytes()


def bind_http_socket(host: str, port: int, reuse_port: bool) -> socket.socket:
    """The HTTP port's listening socket; shared with the other workers (SO_REUSEPORT) when
    `reuse_port`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        # Accepted connections inherit it: an answer leaves at once, never waiting on an ACK.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(LISTEN_BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


class HttpApp:
    """What the HTTP port serves: the API, the console files, extra pages by prefix."""

    def __init__(self, api: ConnectApi) -> None:
        self.api = api
        self.console = console_files()
        self.pages: dict[str, PageHandler] = {}

    def add_pages(self, prefix: str, handler: PageHandler) -> None:
        self.pages[prefix] = handler


class _TooLarge(Exception):
    pass


class CallThreads:
    """The threads running the port's calls, at most `size`, started as needed and kept. A
    call goes in through a SimpleQueue and its result comes back to the loop with one
    call_soon_threadsafe: run_in_executor's pair of chained futures and their locks cost a
    tenth of a Validate's CPU."""

    def __init__(self, loop: asyncio.AbstractEventLoop, size: int) -> None:
        self._loop = loop
        self._size = size
        self._queue: queue.SimpleQueue[
            tuple[Callable[..., Any], tuple[Any, ...], asyncio.Future[Any]] | None
        ] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []

    def submit(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """`function(*args)` in a thread; the future (of the loop) has its result."""
        future = self._loop.create_future()
        self._queue.put((function, args, future))
        if not self._idle.acquire(blocking=False) and len(self._threads) < self._size:
            thread = threading.Thread(
                target=self._work, name=f"promocore-http-{len(self._threads)}", daemon=True
            )
            self._threads.append(thread)
            thread.start()
        return future

    def _work(self) -> None:
        loop, get = self._loop, self._queue.get
        while (item := get()) is not None:
            function, args, future = item
            try:
                result = function(*args)
            except BaseException as error:
                loop.call_soon_threadsafe(_fail, future, error)
            else:
                loop.call_soon_threadsafe(_resolve, future, result)
            del item, function, args, future
            self._idle.release()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)


def _resolve(future: asyncio.Future[Any], result: Any) -> None:
    if not future.done():
        future.set_result(result)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class HttpDoor:
    """The RSGI application: one coroutine per request, in the port's loop thread."""

    def __init__(self, app: HttpApp, max_calls: int) -> None:
        self.app = app
        self.api = app.api
        self.max_calls = max_calls
        self.calls = 0  # in progress, counted in the loop thread only
        self._threads: CallThreads | None = None  # made in the loop, on the first call
        self._streams: set[HttpCallContext] = set()
        self._stopping = False
        # The largest body read: the gRPC port's hard cap (JSON may be up to 4x the protobuf).
        self.body_cap = api_cap = self.api.max_message_bytes * HARD_CAP_FACTOR
        self.json_body_cap = api_cap * 4

    def stop(self) -> None:
        """Ends the streams in progress (WatchEvents would run on) and the pool."""
        self._stopping = True
        for context in list(self._streams):
            context.active = False
        if self._threads is not None:
            self._threads.stop()

    def _run(self, function: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        """`function(*args)` in a call thread (one more call in progress until it returns)."""
        if self._threads is None:
            self._threads = CallThreads(asyncio.get_running_loop(), self.max_calls)
        self.calls += 1
        future = self._threads.submit(function, *args)
        future.add_done_callback(self._call_done)
        return future

    async def __call__(self, scope: Any, proto: Any) -> None:
        path = scope.path
        route = self.api.routes.get(path)
        if route is None:
            if scope.method in ("GET", "HEAD") and self._is_page(path):
                await self._page(scope, proto, path)
            else:
                _send(proto, transport_error(None, 404, _UNIMPLEMENTED, f"no RPC at {path}"))
            return
        headers = scope.headers
        if scope.method != "POST":
            reply = transport_error(
                None, 405, _UNIMPLEMENTED, f"{path} takes POST, got {scope.method}"
            )
            reply.headers.append(("allow", "POST"))
            _send(proto, reply)
            return
        codec = http_api.codec_of(headers.get("content-type") or "")
        fits = codec is not None and _fits(codec, route)
        # The key first, from the headers alone: a caller without one learns nothing of the
        # method's content types or limits, and its body is never read.
        metadata = http_api.call_metadata(headers.items())
        refusal = self.api.refusal_before_body(route, metadata)
        if refusal is not None:
            _send(proto, http_api.status_error(codec if fits else None, refusal))
            return
        if codec is None or not fits:
            got = headers.get("content-type") or "none"
            reply = transport_error(
                None,
                415,
                grpc.StatusCode.INVALID_ARGUMENT if codec is None else _UNIMPLEMENTED,
                f"{path} takes Content-Type {http_api.accepted_types(route)}, got {got}",
            )
            _send(proto, reply)
            return
        try:
            deadline = http_api.deadline_of(headers)
        except PromocoreError as error:
            _send(proto, http_api.status_error(codec, to_status(error)))
            return
        body = await self._body(proto, headers, codec)
        if isinstance(body, Reply):
            _send(proto, body)
            return
        if self.calls >= self.max_calls or self._stopping:
            _send(
                proto,
                transport_error(
                    codec,
                    429,
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    f"the server has {self.max_calls} calls in progress, its most; retry later",
                ),
            )
            return
        context = HttpCallContext(metadata, _peer(scope.client), deadline)
        compress = http_api.accepts_gzip(codec, headers)
        if route.unary and codec.protocol is not Protocol.CONNECT_STREAM:
            await self._unary(proto, route, codec, body, context, compress)
        else:
            await self._stream(proto, route, codec, body, context, compress)

    # The body ---------------------------------------------------------------------------------

    async def _body(self, proto: Any, headers: Any, codec: Codec) -> bytes | Reply:
        """The request body read as it arrives, within the cap and BODY_TIMEOUT_S; a Reply
        refusing it otherwise (the rest of the body is left unread)."""
        cap = self.json_body_cap if codec.as_json else self.body_cap
        length = headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > cap):
            return _too_large(codec, cap, length)
        loop = asyncio.get_running_loop()
        # hyper never reads past Content-Length: with one, the cap holds already.
        reading = asyncio.ensure_future(proto() if length is not None else _read_capped(proto, cap))
        timer = loop.call_later(BODY_TIMEOUT_S, reading.cancel)
        try:
            body: bytes = await reading
        except _TooLarge:
            return _too_large(codec, cap, None)
        except asyncio.CancelledError:
            return transport_error(
                codec,
                408,
                grpc.StatusCode.DEADLINE_EXCEEDED,
                f"the request body did not arrive within {BODY_TIMEOUT_S} s",
            )
        except Exception:  # the caller went away (granian's RSGIProtocolClosed)
            return transport_error(codec, 400, _CANCELLED, "the request body was cut short")
        finally:
            timer.cancel()
        if codec.protocol is Protocol.CONNECT and (headers.get("content-encoding") or "") not in (
            "",
            "identity",
        ):
            if headers.get("content-encoding") != http_api.GZIP:
                return transport_error(
                    codec,
                    415,
                    _UNIMPLEMENTED,
                    f"Content-Encoding {headers.get('content-encoding')!r} is not accepted; "
                    "send gzip or identity",
                )
            try:
                body = http_api.gunzip(body, cap)
            except PromocoreError as error:
                return http_api.error_reply(to_status(error))
        return body

    # Calls --------------------------------------------------------------------------------------

    async def _unary(
        self,
        proto: Any,
        route: Route,
        codec: Codec,
        body: bytes,
        context: HttpCallContext,
        compress: bool,
    ) -> None:
        call = self._run(self.api.unary, route, codec, body, context, compress)
        remaining = context.time_remaining()
        if remaining is None:
            reply = await call
        else:
            try:
                reply = await asyncio.wait_for(asyncio.shield(call), remaining)
            except TimeoutError:
                # The handler may run on in its thread (as a gRPC one does past its deadline);
                # the caller is answered now.
                context.active = False
                reply = transport_error(
                    codec,
                    504,
                    grpc.StatusCode.DEADLINE_EXCEEDED,
                    "the deadline (Connect-Timeout-Ms or grpc-timeout) passed",
                )
        _send(proto, reply)

    def _call_done(self, _future: Any) -> None:
        self.calls -= 1

    async def _stream(
        self,
        proto: Any,
        route: Route,
        codec: Codec,
        body: bytes,
        context: HttpCallContext,
        compress: bool,
    ) -> None:
        """Runs the streaming call in a pool thread, which produces at most STREAM_AHEAD
        messages ahead of what the caller has taken; a caller gone or a deadline passed ends
        it (context.is_active turns false for the handler)."""
        loop = asyncio.get_running_loop()
        frames = self.api.stream(route, codec, body, context, compress)
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        room = threading.Semaphore(STREAM_AHEAD)

        def produce() -> None:
            try:
                for frame in frames:
                    room.acquire()
                    loop.call_soon_threadsafe(queue.put_nowait, frame)
                    if not context.active:
                        break
            finally:
                frames.close()  # type: ignore[attr-defined]
                loop.call_soon_threadsafe(queue.put_nowait, None)

        headers = [
            ("content-type", codec.content_type),
            *API_HEADERS,
            *http_api.stream_headers(codec, compress),
        ]
        transport = proto.response_stream(200, headers)
        self._streams.add(context)
        self._run(produce)
        # A stream with nothing to send would not see its caller leave: granian tells.
        gone = asyncio.ensure_future(proto.client_disconnect())
        gone.add_done_callback(lambda _: setattr(context, "active", False))
        try:
            while True:
                remaining = context.time_remaining()
                try:
                    frame = await asyncio.wait_for(queue.get(), remaining)
                except TimeoutError:
                    context.active = False
                    status = to_status(
                        DeadlineExceededError("the deadline passed during the stream")
                    )
                    with contextlib.suppress(Exception):
                        await transport.send_bytes(http_api.ConnectApi._end(codec, status, ()))
                    break
                if frame is None:
                    break
                try:
                    await transport.send_bytes(frame)
                except Exception:  # the caller went away
                    context.active = False
                    break
                room.release()
        finally:
            gone.cancel()
            self._streams.discard(context)
            context.active = False
            room.release(STREAM_AHEAD + 1)  # a producer waiting for room sees the end

    # Pages --------------------------------------------------------------------------------------

    def _is_page(self, path: str) -> bool:
        return (
            path == "/"
            or path.startswith("/console/")
            or any(path.startswith(prefix) for prefix in self.app.pages)
        )

    async def _page(self, scope: Any, proto: Any, path: str) -> None:
        if path == "/":
            path = "/console/index.html"
        if path.startswith("/console/"):
            name = path.removeprefix("/console/")
            body = self.app.console.get(name)
            if body is None:
                _send_page(proto, 404, "text/plain; charset=utf-8", b"not found\n")
            else:
                _send_page(proto, 200, _CONTENT_TYPES["." + name.rpartition(".")[2]], body)
            return
        for prefix, handler in self.app.pages.items():
            if path.startswith(prefix):
                try:
                    # A page reads the store: in a call thread, like a call.
                    status, content_type, body, images = await self._run(
                        handler, path, scope.query_string
                    )
                except Exception:
                    log.exception("page %s failed", prefix)
                    status, content_type, images = 500, "text/plain; charset=utf-8", ""
                    body = b"The page could not be made; try again later.\n"
                _send_page(proto, status, content_type, body, images)
                return


_UNIMPLEMENTED = grpc.StatusCode.UNIMPLEMENTED
_CANCELLED = grpc.StatusCode.CANCELLED


def _fits(codec: Codec, route: Route) -> bool:
    """Connect unary codecs for unary methods, Connect streaming ones for streaming methods;
    gRPC-Web for both."""
    if codec.protocol is Protocol.GRPC_WEB:
        return True
    return (codec.protocol is Protocol.CONNECT) == route.unary


def _too_large(codec: Codec, cap: int, length: str | None) -> Reply:
    got = f"; got {length}" if length is not None else ""
    return transport_error(
        codec,
        413,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        f"a request body has at most {cap} bytes{got}",
    )


async def _read_capped(proto: Any, cap: int) -> bytes:
    chunks, size = [], 0
    async for chunk in proto:
        size += len(chunk)
        if size > cap:
            raise _TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _peer(client: str) -> str:
    return f"ipv6:{client}" if client.startswith("[") else f"ipv4:{client}"


def _send(proto: Any, reply: Reply) -> None:
    proto.response_bytes(
        reply.status,
        [("content-type", reply.content_type), *API_HEADERS, *reply.headers],
        reply.body,
    )


def _send_page(
    proto: Any, status: int, content_type: str, body: bytes, image_origins: str = ""
) -> None:
    headers = security_headers(image_origins) if image_origins else SECURITY_HEADERS
    proto.response_bytes(status, [("content-type", content_type), *headers], body)


def raise_open_files_limit() -> int:
    """Raises this process's soft limit on open files to its hard limit (every connection is
    one) and returns it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class HttpServer:
    """granian serving an HttpDoor on a socket of ours, in a thread of this process."""

    def __init__(
        self, listen: str, app: HttpApp, *, reuse_port: bool = False, max_calls: int = 256
    ) -> None:
        host, sep, port = listen.rpartition(":")
        if not sep or not port.isdigit():
            raise ValueError(f"--http-listen must be HOST:PORT, got {listen!r}")
        self.host = host.strip("[]")
        self._socket = bind_http_socket(self.host, int(port), reuse_port)
        self.port = self._socket.getsockname()[1]
        self.door = HttpDoor(app, max_calls)
        self._signal = WorkerSignal()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="promocore-http", daemon=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> HttpServer:
        raise_open_files_limit()
        # granian's own lines ("Started worker-1") would repeat ours; its warnings still show.
        logging.getLogger("_granian").setLevel(logging.WARNING)
        self._thread.start()
        return self

    def _serve(self) -> None:
        # uvloop: its wake-ups from other threads (every answer from a call thread, every
        # request from granian's) cost less CPU than asyncio's own loop (docs/architecture.md).
        loop = uvloop.new_event_loop()
        asyncio.set_event_loop(loop)
        # granian calls this once its server has stopped (connections closed).
        self._signal.add_cb(lambda: loop.call_soon_threadsafe(loop.stop))
        # granian's _granian.pyi lags its runtime: this worker takes an IPC and a metrics
        # argument and has serve_async (both used by granian's own worker code).
        worker = cast(Any, RSGIWorker)(
            1,  # worker id, for granian's log lines
            # granian closes the descriptor it is given when it stops: a duplicate of ours.
            (None, cast(Any, SocketHolder)(os.dup(self._socket.fileno()), False, LISTEN_BACKLOG)),
            None,  # no IPC (granian's metrics)
            1,  # runtime threads: Rust's I/O, a fraction of a core at our request rates
            16,  # runtime blocking threads (granian's own, not our calls)
            1,  # Python threads of granian's: our calls run in HttpDoor's pool
            30,  # their idle timeout, seconds
            MAX_CONNECTIONS,  # granian's backpressure: connections served at once
            "auto",  # HTTP/1.1, and HTTP/2 by prior knowledge, on the same port
            HTTP1Settings(
                header_read_timeout=HEADER_TIMEOUT_S * 1000,
                keep_alive=True,
                max_buffer_size=MAX_HEADER_BYTES,
            ),
            HTTP2Settings(
                max_concurrent_streams=H2_MAX_STREAMS,
                max_headers_size=MAX_HEADER_BYTES,
                keep_alive_interval=30_000,
                keep_alive_timeout=20,
            ),
            False,  # no websockets
            None,  # no static files (the console's are ours, with their headers)
            False,  # TLS: the HTTP port is plain; put a proxy in front for TLS
            None,
            None,
            None,
            "tls1.3",
            None,
            [],
            False,
            (None, None),  # no metrics
        )
        scheduler = _new_cbscheduler(loop, _future_watcher_wrapper(self.door), impl_asyncio=True)
        worker.serve_async(scheduler, loop, self._signal)
        try:
            loop.run_forever()
        finally:
            loop.close()
            self._stopped.set()

    def stop(self) -> None:
        self.door.stop()
        self._signal.set()
        self._stopped.wait(STOP_GRACE_S + 5)
        # granian's signal thread leaves Python just after the callback above: let it, so an
        # interpreter exiting right after stop() does not pull the runtime away under it.
        time.sleep(0.05)
        self._socket.close()
