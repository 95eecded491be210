"""A real HTTPS server on 127.0.0.1 that speaks HTTP/2 (hypercorn), for the transport tests.

It runs hypercorn in a thread with its own event loop, on a socket bound
here (so the port is known before it starts), with a certificate from a
test authority (trustme). Every request is recorded with the HTTP version
hypercorn saw and the client's port (one per connection). It answers
``/feed`` with a small RSS document and ``/slow`` the same after 0.2 s.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>Over HTTP/2</title>'
    b"<link>https://127.0.0.1/</link><item><title>Multiplexed</title><guid>h2-1</guid>"
    b"<link>https://127.0.0.1/one</link><description>Carried by one connection.</description></item>"
    b"</channel></rss>"
)


@dataclass
class Seen:
    """One request as the server saw it."""

    path: str
    http_version: str
    client_port: int


@dataclass
class Http2Server:
    """hypercorn on a loopback socket with TLS (ALPN offers h2 and http/1.1)."""

    certfile: Path
    keyfile: Path
    seen: list[Seen] = field(default_factory=list)
    #: How long hypercorn keeps an idle connection before closing it.
    keep_alive_seconds: float = 5.0

    def __post_init__(self) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)  # connections wait in the backlog until hypercorn accepts them
        self.port = self._socket.getsockname()[1]
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="h2server", daemon=True)

    @property
    def base(self) -> str:
        """``https://127.0.0.1:PORT``."""
        return f"https://127.0.0.1:{self.port}"

    async def _app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        self.seen.append(Seen(scope["path"], scope["http_version"], scope["client"][1]))
        if scope["path"] == "/slow":
            await asyncio.sleep(0.2)
        status, body = (200, FEED) if scope["path"] in ("/feed", "/slow") else (404, b"not found")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/rss+xml"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        config = Config()
        # hypercorn takes the socket over (and closes it at shutdown).
        config.bind = [f"fd://{self._socket.detach()}"]
        config.certfile = str(self.certfile)
        config.keyfile = str(self.keyfile)
        config.alpn_protocols = ["h2", "http/1.1"]
        config.keep_alive_timeout = self.keep_alive_seconds
        config.accesslog = None
        config.errorlog = None
        self._stop = asyncio.Event()
        self._loop.call_soon(self._ready.set)
        self._loop.run_until_complete(serve(self._app, config, shutdown_trigger=self._stop.wait))  # type: ignore[arg-type]

    def __enter__(self) -> Http2Server:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=10)
