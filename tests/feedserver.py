"""A real HTTP server on 127.0.0.1 for the fetch tests.

:class:`FeedServer` is a stdlib ``ThreadingHTTPServer`` in a daemon thread on
an ephemeral loopback port. Paths (without the query) are routed to
behaviours: plain answers, conditional answers (304), redirects, and hostile
ones (a stall after the headers, a 1 byte/s drip, an endless chunked body,
gzip bombs). Every request is recorded with its method, path and headers, so
tests can assert what the fetcher sent and, as importantly, what it did not
ask for. Nothing here talks to anything but loopback.

Also here: small builders for RSS/Atom documents, and the compressed bodies
the hostile cases need.
"""

from __future__ import annotations

import gzip
import html
import ssl
import threading
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

#: How long a hostile behaviour keeps a connection open at most (the server
#: is also told to stop at teardown, which ends every behaviour at once).
HOSTILE_SECONDS = 30.0


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    #: The client's port: one per TCP connection, so tests can count connections.
    client_port: int = 0

    def header(self, name: str) -> str | None:
        """A request header by (case-insensitive) name."""
        return self.headers.get(name.lower())


Behaviour = Callable[["_Handler", "FeedServer"], None]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        owner = self.server.owner
        owner._record(self)
        behaviour = owner._behaviour_for(urlsplit(self.path).path)
        try:
            behaviour(self, owner)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        """Routed like GET (an API endpoint that answers wrongly); the body is read so the connection stays usable."""
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read the recorded requests instead."""

    # -- helpers for behaviours -------------------------------------------

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        """A complete response with a Content-Length."""
        self.send_response(status)
        sent = {k.lower() for k in (headers or {})}
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if "content-length" not in sent:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FeedServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up on a hostile behaviour is expected, not an error."""


@dataclass
class FeedServer:
    """A loopback HTTP server whose paths are routed to behaviours."""

    routes: dict[str, Behaviour] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    #: Serve HTTPS with this server-side context (HTTP/1.1 only) instead of plain HTTP.
    tls: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        #: Set at shutdown: every stalled or dripping behaviour ends.
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        if self.tls is not None:
            # The handshake happens in the handler's thread, at its first read,
            # so a client that refuses the certificate cannot block accepting.
            self._httpd.socket = self.tls.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="feedserver", daemon=True
        )

    # -- lifecycle ----------------------------------------------------------

    def start(self) -> FeedServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release every held connection."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- routing ------------------------------------------------------------

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT`` (``https://`` with ``tls``; no trailing slash)."""
        host, port = self._httpd.server_address[:2]
        assert isinstance(host, str)  # typeshed allows bytes; bound to "127.0.0.1" above
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base + path

    def route(self, path: str, behaviour: Behaviour) -> str:
        """Serve ``behaviour`` at ``path`` (replacing what was there); returns its URL."""
        with self._lock:
            self.routes[path] = behaviour
        return self.url(path)

    def _behaviour_for(self, path: str) -> Behaviour:
        with self._lock:
            return self.routes.get(path, not_found)

    def _record(self, handler: _Handler) -> None:
        headers = {name.lower(): value for name, value in handler.headers.items()}
        with self._lock:
            self.requests.append(Recorded(handler.command, handler.path, headers, handler.client_address[1]))

    # -- what was asked -----------------------------------------------------

    def requests_for(self, path: str) -> list[Recorded]:
        """The requests whose path (without the query) is ``path``."""
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    def paths(self) -> list[str]:
        """Every requested path (with query), in arrival order."""
        with self._lock:
            return [r.path for r in self.requests]

    def clear(self) -> None:
        """Forget the requests recorded so far."""
        with self._lock:
            self.requests.clear()


# --------------------------------------------------------------------------
# Behaviours


def not_found(handler: _Handler, server: FeedServer) -> None:
    """404 for every path nothing was routed to."""
    handler.answer(404, b"not found", {"Content-Type": "text/plain"})


def ok(
    body: bytes | str,
    content_type: str = "application/rss+xml; charset=utf-8",
    headers: dict[str, str] | None = None,
    status: int = 200,
) -> Behaviour:
    """A plain answer."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def behave(handler: _Handler, server: FeedServer) -> None:
        handler.answer(status, data, {"Content-Type": content_type, **(headers or {})})

    return behave


def status(code: int, headers: dict[str, str] | None = None, body: bytes = b"") -> Behaviour:
    """An answer with status ``code`` (an error page by default)."""
    payload = body or f"<html><body><h1>{code}</h1></body></html>".encode()
    return ok(payload, "text/html", headers, status=code)


def redirect(location: str, code: int = 301) -> Behaviour:
    """A redirect to ``location`` (absolute or relative)."""
    return status(code, {"Location": location}, b"moved")


def conditional(
    body: bytes | str, etag: str, last_modified: str, content_type: str = "application/rss+xml"
) -> Behaviour:
    """200 with validators, or 304 when the request repeats one of them."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def behave(handler: _Handler, server: FeedServer) -> None:
        validators = {"ETag": etag, "Last-Modified": last_modified}
        if handler.headers.get("If-None-Match") == etag or handler.headers.get("If-Modified-Since") == last_modified:
            handler.answer(304, b"", validators)
            return
        handler.answer(200, data, {"Content-Type": content_type, **validators})

    return behave


def stall(prefix: bytes = b"", length: int = 100_000) -> Behaviour:
    """Headers promising ``length`` bytes, ``prefix``, then silence until the client gives up."""

    def behave(handler: _Handler, server: FeedServer) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(length))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(prefix)
        handler.wfile.flush()
        server.stopping.wait(HOSTILE_SECONDS)

    return behave


def drip(body: bytes, interval: float = 1.0) -> Behaviour:
    """``body`` one byte every ``interval`` seconds (1 byte/s by default)."""

    def behave(handler: _Handler, server: FeedServer) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.flush()
        for i in range(len(body)):
            handler.wfile.write(body[i : i + 1])
            handler.wfile.flush()
            if server.stopping.wait(interval):
                return

    return behave


def endless_chunked(chunk: bytes = b"<item><title>again</title></item>" * 2000) -> Behaviour:
    """A chunked body that never ends."""

    def behave(handler: _Handler, server: FeedServer) -> None:
        handler.close_connection = True
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>endless</title>'
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(head), head))
        frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
        while not server.stopping.is_set():
            handler.wfile.write(frame)

    return behave


def encoded(body: bytes, encoding: str, content_type: str = "application/rss+xml") -> Behaviour:
    """An already-compressed ``body`` sent with ``Content-Encoding: encoding``."""
    return ok(body, content_type, {"Content-Encoding": encoding})


def sequence(*behaviours: Behaviour) -> Behaviour:
    """Each request gets the next behaviour; the last one repeats."""
    remaining = list(behaviours)
    lock = threading.Lock()

    def behave(handler: _Handler, server: FeedServer) -> None:
        with lock:
            current = remaining.pop(0) if len(remaining) > 1 else remaining[0]
        current(handler, server)

    return behave


# --------------------------------------------------------------------------
# Bodies


@cache
def gzip_bomb(size: int = 100 * 1024 * 1024) -> bytes:
    """``size`` zero bytes gzipped (about 1/1000 of that on the wire), built without holding them."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1024 * 1024)
    parts = [compressor.compress(block) for _ in range(size // len(block))]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzip_twice(body: bytes) -> bytes:
    """``body`` gzipped, then gzipped again (for ``Content-Encoding: gzip, gzip``)."""
    return gzip.compress(gzip.compress(body))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>Laughs</title>
<item><guid>laugh-1</guid><title>&lol9;</title><description>&lol9;</description></item>
</channel></rss>
"""


@dataclass
class Item:
    """One RSS item."""

    guid: str
    title: str
    link: str | None = None
    description: str = ""
    comments: str | None = None
    comment_rss: str | None = None
    comment_count: int | None = None
    author: str | None = None
    pub_date: str = "Mon, 02 Mar 2026 10:00:00 GMT"


def rss(items: Iterable[Item], title: str = "Test feed", link: str = "http://127.0.0.1/") -> str:
    """An RSS 2.0 document (with the wfw, slash and dc namespaces)."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"'
        ' xmlns:slash="http://purl.org/rss/1.0/modules/slash/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        f"<channel><title>{html.escape(title)}</title><link>{html.escape(link)}</link>",
        "<description>fixture</description>",
    ]
    for item in items:
        parts.append("<item>")
        parts.append(f'<guid isPermaLink="false">{html.escape(item.guid)}</guid>')
        parts.append(f"<title>{html.escape(item.title)}</title>")
        if item.link:
            parts.append(f"<link>{html.escape(item.link)}</link>")
        if item.description:
            parts.append(f"<description>{html.escape(item.description)}</description>")
        if item.comments:
            parts.append(f"<comments>{html.escape(item.comments)}</comments>")
        if item.comment_rss:
            parts.append(f"<wfw:commentRss>{html.escape(item.comment_rss)}</wfw:commentRss>")
        if item.comment_count is not None:
            parts.append(f"<slash:comments>{item.comment_count}</slash:comments>")
        if item.author:
            parts.append(f"<dc:creator>{html.escape(item.author)}</dc:creator>")
        parts.append(f"<pubDate>{item.pub_date}</pubDate>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts)
