"""Bounded HTTP GET for feeds, comment APIs and article pages.

The measured defaults are not safe: feedparser's own fetch hangs forever on
a stalled server and took 4.1 GB on a 1 MB gzip bomb; httpx's ``.get()``
took 2.1 GB on it and a 1 byte/s drip never trips its read timeout. So here:

* one deadline for the whole request, redirects included (``asyncio.timeout``
  also interrupts a stalled read);
* the body is streamed raw and capped, and decompressed here with a cap on
  the output (``zlib`` with ``max_length``), at most one encoding layer;
* redirects are followed by hand (at most 5), each target checked to be
  http(s); a chain of permanent redirects (301/308) reports the new URL.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
import zlib
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from reader import __version__, defaults
from reader.net._httpx import httpx
from reader.text.errors import network_error
from reader.text.sanitize import clean_line, safe_url

USER_AGENT = f"reader/{__version__} (terminal newsreader; python-httpx)"
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}


@dataclass(frozen=True)
class Limits:
    """How far one request may go."""

    #: The same default as the ``fetch.timeout_seconds`` setting.
    total_seconds: float = defaults.REQUEST_TIMEOUT_SECONDS
    connect_seconds: float = 10.0
    max_raw_bytes: int = 10 * 1024 * 1024
    max_decoded_bytes: int = 50 * 1024 * 1024
    max_redirects: int = 5
    #: Extra certificate authorities (a PEM file) to trust beside certifi's.
    ca_file: str | None = None


class FetchError(Exception):
    """A request that failed; ``str()`` is one line for the user, ``kind`` a short code."""

    def __init__(self, message: str, kind: str = "error", status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass
class Response:
    """A finished request: final URL, status, headers (lower-case names) and the decoded body."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    #: Where the resource now lives, if every redirect on the way was permanent.
    moved_to: str | None = None

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait before asking again, from ``Retry-After`` (seconds or an HTTP date)."""
        value = self.headers.get("retry-after", "").strip()
        if not value:
            return None
        if value.isascii() and value.isdigit():
            # ASCII only: "²" is a digit to str.isdigit() and no number to float().
            return float(value[:12])
        from email.utils import parsedate_to_datetime
        from time import time

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time())
        except (TypeError, ValueError, OverflowError):
            return None


def make_client(limits: Limits = Limits(), *, max_connections: int = 32) -> httpx.AsyncClient:
    """One client for a whole run: keep-alive, HTTP/2 where a TLS server offers it."""
    from reader.net.transport import Transport

    return httpx.AsyncClient(
        transport=Transport(max_connections=max_connections, ssl_context=_tls_context(limits.ca_file), http2=_http2()),
        timeout=httpx.Timeout(limits.total_seconds, connect=limits.connect_seconds),
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        follow_redirects=False,
        trust_env=False,
    )


@functools.cache
def _http2() -> bool:
    """Whether HTTP/2 can be offered (the optional h2 package is installed)."""
    import importlib.util

    return importlib.util.find_spec("h2") is not None


@functools.cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """One TLS context per process (and extra authority file): httpx builds one per client, 20-35 ms each."""
    from reader.net.transport import tls_context

    return tls_context(ca_file)


def _size(count: int) -> str:
    """A byte count for messages: ``10 MB``, ``512 KB``."""
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MB"
    return f"{count / 1024:g} KB"


class _Decoder:
    """Decodes one content-encoding layer with a cap on the output."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.parts: list[bytes] = []
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj(wbits=zlib.MAX_WBITS)
            self._deflate_raw_fallback = True
        else:
            raise FetchError(f"unsupported content encoding {clean_line(encoding)!r}", "encoding")
        self._first = True

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise FetchError(f"response larger than {_size(self.cap)} once decompressed", "too-large")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._zlib is None:
            self._keep(chunk)
            return
        try:
            data = self._zlib.decompress(chunk, self.cap - self.size + 1)
        except zlib.error:
            if self._first and getattr(self, "_deflate_raw_fallback", False):
                # Some servers send raw deflate without the zlib header.
                self._zlib = zlib.decompressobj(wbits=-zlib.MAX_WBITS)
                self._first = False
                self.feed(chunk)
                return
            raise FetchError("corrupt compressed response", "encoding") from None
        self._first = False
        self._keep(data)
        while self._zlib.unconsumed_tail:
            data = self._zlib.decompress(self._zlib.unconsumed_tail, self.cap - self.size + 1)
            self._keep(data)

    def finish(self) -> bytes:
        if self._zlib is not None:
            self._keep(self._zlib.flush())
        return b"".join(self.parts)


async def get(
    client: httpx.AsyncClient,
    url: str,
    *,
    headers: dict[str, str] | None = None,
    limits: Limits = Limits(),
) -> Response:
    """GET ``url`` within ``limits``; raises :class:`FetchError` (one-line message) on any failure.

    Non-2xx answers are returned (with an empty body for errors) so callers
    can read 304, 410 and 429 themselves.
    """
    checked = safe_url(url)
    if checked is None:
        raise FetchError("not an http(s) URL (or an invalid one)", "scheme")
    return await _within(limits, _get(client, checked, headers or {}, limits))


async def _within(limits: Limits, exchange: Coroutine[Any, Any, Response]) -> Response:
    """Run one exchange under the total deadline, every failure turned into a one-line :class:`FetchError`."""
    try:
        async with asyncio.timeout(limits.total_seconds):
            return await exchange
    except TimeoutError:
        raise FetchError(f"no complete answer within {limits.total_seconds:g} s", "timeout") from None
    except httpx.TimeoutException:
        raise FetchError("timed out", "timeout") from None
    except httpx.HTTPError as error:
        raise FetchError(_network_message(error), "network") from None
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as error:
        # httpx parses a Location header even when not following it; a
        # "javascript:" target raises InvalidURL, which is no HTTPError.
        raise FetchError(f"refused: a non-http(s) or invalid URL ({clean_line(str(error))[:100]})", "scheme") from None


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    *,
    content_type: str = "application/json",
    limits: Limits = Limits(),
) -> Response:
    """POST ``body`` to ``url`` within ``limits`` (an API call); raises :class:`FetchError` on any failure.

    The same bounds as :func:`get`: one deadline for the whole exchange and a
    capped, streamed body. Redirects are not followed: a POST that is sent on
    elsewhere may lose its body, or carry a password to another host, so a
    redirect is an error naming where it points. Non-2xx answers come back
    with an empty body, like :func:`get`.
    """
    checked = safe_url(url)
    if checked is None:
        raise FetchError("not an http(s) URL (or an invalid one)", "scheme")
    return await _within(limits, _post(client, checked, body, content_type, limits))


async def _post(client: httpx.AsyncClient, url: str, body: bytes, content_type: str, limits: Limits) -> Response:
    request = client.build_request("POST", url, content=body, headers={"Content-Type": content_type})
    response = await client.send(request, stream=True)
    try:
        if response.status_code in REDIRECTS:
            target = clean_line(urljoin(url, response.headers.get("location", "").strip()))[:200]
            raise FetchError(f"the server redirects to {target}", "redirect", response.status_code)
        return await _answer(response, url, limits)
    finally:
        await response.aclose()


async def _answer(response: httpx.Response, url: str, limits: Limits, moved_to: str | None = None) -> Response:
    """The final answer: a 2xx's body read within ``limits``, any other's drained to keep the connection."""
    answer = Response(
        url=url,
        status=response.status_code,
        headers={k.lower(): v for k, v in response.headers.items()},
        moved_to=moved_to,
    )
    if 200 <= response.status_code < 300:
        answer.body = await _read_body(response, limits)
    else:
        await _drain(response)
    return answer


def _network_message(error: httpx.HTTPError) -> str:
    return network_error(str(error) or type(error).__name__)


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str], limits: Limits) -> Response:
    permanent = True
    moved_to: str | None = None
    for _hop in range(limits.max_redirects + 1):
        request = client.build_request("GET", url, headers=headers)
        response = await client.send(request, stream=True)
        try:
            if response.status_code in REDIRECTS and "location" in response.headers:
                location = response.headers["location"].strip()
                try:
                    target = safe_url(urljoin(url, location))
                except ValueError:  # urljoin refuses some hosts (an unclosed "[")
                    target = None
                if target is None:
                    shown = clean_line(location)[:100]
                    raise FetchError(
                        f"redirected to a non-http(s) or invalid URL: {shown}", "scheme", response.status_code
                    )
                permanent = permanent and response.status_code in PERMANENT
                moved_to = target if permanent else None
                url = target
                await _drain(response)
                continue
            return await _answer(response, url, limits, moved_to)
        finally:
            await response.aclose()
    raise FetchError(f"more than {limits.max_redirects} redirects", "redirects")


#: At most this much of a body nobody reads (a 304's, an error page) is read to keep its connection.
DRAIN_BYTES = 64 * 1024


async def _drain(response: httpx.Response) -> None:
    """Read a small unwanted body to its end, so the connection can serve the next request.

    httpcore drops a connection whose response was closed unread: every 304
    of a refresh then cost a new TCP (and TLS) handshake. A body larger than
    :data:`DRAIN_BYTES` is not worth it; the connection is dropped instead.
    """
    read = 0
    try:
        async for chunk in response.aiter_raw():
            read += len(chunk)
            if read > DRAIN_BYTES:
                return
    except httpx.HTTPError:
        return


async def _read_body(response: httpx.Response, limits: Limits) -> bytes:
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    if len(encodings) > 1:
        raise FetchError("more than one content encoding", "encoding")
    decoder = _Decoder(encodings[0] if encodings else "", limits.max_decoded_bytes)
    raw = 0
    # aiter_raw without a chunk size yields whatever arrives, so the deadline
    # and the caps are checked even when a server drips a byte at a time.
    async for chunk in response.aiter_raw():
        raw += len(chunk)
        if raw > limits.max_raw_bytes:
            raise FetchError(f"response larger than {_size(limits.max_raw_bytes)}", "too-large")
        decoder.feed(chunk)
    return decoder.finish()
