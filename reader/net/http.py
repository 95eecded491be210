"""Bounded HTTP for feeds, comment APIs, article pages and sync, on aiohttp.

The measured defaults are not safe: feedparser's own fetch hangs forever on
a stalled server and took 4.1 GB on a 1 MB gzip bomb; an HTTP client's
convenience ``.get()`` reads and inflates whatever comes. So here:

* one deadline for the whole request, redirects included (``asyncio.timeout``
  also interrupts a stalled read);
* the body is streamed raw (aiohttp's own decompression is off) and capped,
  and decompressed here with a cap on the output (``zlib`` with
  ``max_length``), at most one encoding layer;
* redirects are followed by hand (at most 5), each target checked to be
  http(s); a chain of permanent redirects (301/308) reports the new URL;
* a POST is never sent twice and never follows a redirect.

aiohttp keeps connections alive, bounds them (overall; the fetch bounds
requests per host itself), never hands out one the server closed, and sends
a GET again, once, when a reused connection closes before answering. Its client CPU per
request (``benchmarks/http_client.py``: 0.093 ms per 304, 0.90 ms per gzip
GET on loopback) matches the hand-written transport under httpx it replaced
(0.095 and 0.94 ms), with none of its code to keep. It speaks
HTTP/1.1 only.

Requests go through a proxy when ``network.proxy`` or the environment says so
(:mod:`reader.net.proxy`): an HTTP proxy through aiohttp itself, SOCKS 4/5
through aiohttp-socks, one connection pool per route.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import sys
import threading
import zlib
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from reader import __version__, defaults
from reader.net.proxy import Proxy, ProxyError, choose_proxy
from reader.text.errors import network_error, network_sentence
from reader.text.sanitize import clean_line, safe_url

if TYPE_CHECKING:
    import aiohttp
    import aiohttp.abc

    from reader.config import Config

USER_AGENT = f"reader/{__version__} (terminal newsreader; aiohttp)"
REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
#: How long an unused connection is kept for the next request.
KEEPALIVE_SECONDS = 5.0
#: Bounds on an answer's head: a line, one header, the number of headers (aiohttp's defaults
#: are 8 KB, 8 KB and 128; some servers send longer policy and cookie headers).
MAX_HEAD_LINE = 16 * 1024
MAX_HEADERS = 256


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
    #: ``network.proxy``: "" (the environment decides), "direct" or a proxy URL.
    proxy: str = ""
    #: ``network.no_proxy``: hosts reached directly; "" takes the environment's.
    no_proxy: str = ""

    @classmethod
    def from_config(cls, config: Config, **overrides: Any) -> Limits:
        """The config's time, authorities and proxy (``overrides`` on top)."""
        values: dict[str, Any] = {
            "total_seconds": config.fetch_timeout_seconds,
            "ca_file": config.tls_ca_file or None,
            "proxy": config.network_proxy,
            "no_proxy": config.network_no_proxy,
        }
        values.update(overrides)
        return cls(**values)


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


class Client:
    """One run's HTTP client: aiohttp sessions (one per route: direct, or each proxy) sharing a TLS context.

    Use as ``async with make_client(...) as client``; pass it to :func:`get`
    and :func:`post`. A session is made on the first request that takes its
    route, so a run that never meets a proxy never builds one.
    """

    def __init__(
        self,
        limits: Limits,
        max_connections: int,
        environ: Mapping[str, str] | None = None,
        resolver: aiohttp.abc.AbstractResolver | None = None,
    ) -> None:
        self.limits = limits
        self.max_connections = max_connections
        self._environ = dict(os.environ if environ is None else environ)
        self._resolver = resolver
        self._sessions: dict[str, aiohttp.ClientSession] = {}
        self._closed = False

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every connection; the client cannot be used afterwards."""
        self._closed = True
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()

    def route(self, url: str) -> tuple[aiohttp.ClientSession, Proxy | None]:
        """The session that carries ``url`` and the proxy it goes through (None: direct)."""
        if self._closed:
            raise FetchError("the client is closed", "closed")
        try:
            proxy = choose_proxy(url, self.limits.proxy, self._environ, self.limits.no_proxy)
        except ProxyError as error:
            raise FetchError(f"proxy: {error}", "proxy") from None
        key = "direct" if proxy is None or proxy.scheme == "http" else proxy.shown
        session = self._sessions.get(key)
        if session is None:
            socks = proxy if key != "direct" else None
            session = self._sessions[key] = _session(
                self.max_connections, socks, self._resolver, self.limits.connect_seconds
            )
        return session, proxy


def make_client(
    limits: Limits = Limits(),
    *,
    max_connections: int = 32,
    environ: Mapping[str, str] | None = None,
    resolver: aiohttp.abc.AbstractResolver | None = None,
) -> Client:
    """One client for a whole run: keep-alive, at most ``max_connections`` open per route.

    For tests: ``environ`` stands for ``os.environ`` (to name proxies), and
    ``resolver`` looks up host names for direct connections (to answer
    well-known sites' names from loopback).
    """
    return Client(limits, max_connections, environ, resolver)


_IMPORTING = threading.Lock()


def _load_aiohttp() -> None:
    """Import aiohttp (once) without the two TLS contexts it builds on import.

    ``aiohttp.connector`` makes a default verified and an unverified context
    when it is imported, each reading the system's certificate store: 40 of
    the 250 ms that ``reader fetch`` takes to start (measured with ``-X
    importtime``; 140 -> 120 ms for the import alone). reader never uses them:
    every https request carries reader's own context (:func:`tls_context`:
    certifi's roots and ``tls.ca_file``). So while aiohttp is imported,
    ``ssl.create_default_context`` and ``SSLContext.set_default_verify_paths``
    make contexts that trust no authority: a request that ever reached them
    would fail its certificate check, never go unchecked. A hand-written
    shortcut kept for that measurement (aiohttp is pinned to its minor).
    """
    if "aiohttp" in sys.modules:
        return
    with _IMPORTING:
        if "aiohttp" in sys.modules:
            return
        default_context, default_paths = ssl.create_default_context, ssl.SSLContext.set_default_verify_paths

        def trusting_nobody(purpose: Any = ssl.Purpose.SERVER_AUTH, **where: Any) -> ssl.SSLContext:
            if any(where.values()):  # a caller naming its authorities gets them
                return default_context(purpose, **where)
            return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # checks certificates and names; trusts no one

        ssl.create_default_context = trusting_nobody
        ssl.SSLContext.set_default_verify_paths = lambda self: None  # type: ignore[method-assign]
        try:
            import aiohttp  # noqa: F401  # imported for the modules that use it
        finally:
            ssl.create_default_context = default_context
            ssl.SSLContext.set_default_verify_paths = default_paths  # type: ignore[method-assign]


def _trim_idle(connector: aiohttp.BaseConnector) -> None:
    """Close the longest-idle kept connections until open ones (in use and idle) fit the limit.

    aiohttp's ``limit`` counts connections in use only: idle ones kept for
    their host stay open beside them, so a fetch of many feeds on many hosts
    would hold hundreds of sockets (and file descriptors, 1,024 by default)
    for the keep-alive time. Reads aiohttp's private pool (``_conns``,
    ``_acquired``, ``_limit``): pinned to its minor version for it.
    """
    pool = connector._conns
    idle = sum(len(kept) for kept in pool.values())
    excess = len(connector._acquired) + idle - connector._limit
    while excess > 0 and pool:
        key = min(pool, key=lambda each: pool[each][0][1])  # whose first kept connection waited longest
        protocol, _since = pool[key].popleft()
        if not pool[key]:
            del pool[key]
        protocol.close()
        excess -= 1


@functools.cache
def _bounded(base: type[aiohttp.TCPConnector]) -> type[aiohttp.TCPConnector]:
    """``base`` (aiohttp's direct or SOCKS connector) with idle connections counted against the limit."""

    class Bounded(base):  # type: ignore[valid-type,misc]  # a class made at run time
        def _release(self, key: Any, protocol: Any, *, should_close: bool = False) -> None:
            super()._release(key, protocol, should_close=should_close)
            _trim_idle(self)

        async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:
            _trim_idle(self)  # the new connection is counted already (as a placeholder)
            return await super()._create_connection(req, traces, timeout)

    return Bounded


def _session(
    max_connections: int, socks: Proxy | None, resolver: aiohttp.abc.AbstractResolver | None, connect_seconds: float
) -> aiohttp.ClientSession:
    _load_aiohttp()
    import aiohttp

    options: dict[str, Any] = {
        "limit": max_connections,
        "limit_per_host": 0,
        "keepalive_timeout": KEEPALIVE_SECONDS,
        # Names are looked up once a run; a feed list names few hosts many times.
        "ttl_dns_cache": 300,
    }
    connector: aiohttp.BaseConnector
    if socks is None:
        if resolver is not None:
            options["resolver"] = resolver
        connector = _bounded(aiohttp.TCPConnector)(**options)
    else:
        from aiohttp_socks import ProxyConnector, ProxyType

        kind = ProxyType.SOCKS5 if socks.scheme.startswith("socks5") else ProxyType.SOCKS4
        options.update(
            proxy_type=kind,
            host=socks.host,
            port=socks.port,
            username=socks.user or None,
            password=socks.password or None,
            # socks5h and socks4a: the proxy resolves host names (Tor needs it).
            rdns=socks.scheme in ("socks5h", "socks4a"),
        )
        connector = _bounded(ProxyConnector)(**options)
    return aiohttp.ClientSession(
        connector=connector,
        headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        # Bodies are decoded here, with a cap (see _Decoder).
        auto_decompress=False,
        # Proxies are chosen by reader.net.proxy; no .netrc, no cookies kept between feeds.
        trust_env=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        # The whole-request deadline is asyncio.timeout around each exchange; a host that never
        # takes the connection gives up sooner (Limits.connect_seconds, TCP and TLS together).
        timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_seconds),
        max_line_size=MAX_HEAD_LINE,
        max_field_size=MAX_HEAD_LINE,
        max_headers=MAX_HEADERS,
    )


@functools.cache
def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """A client context that checks certificates and host names against certifi's roots (and ``ca_file``).

    One per process and authority file: building one reads the roots (15-20
    ms), so it waits for the first https request; a run that only speaks
    plain HTTP never reads the bundle.
    """
    import certifi

    context = ssl.create_default_context(cafile=certifi.where())  # verifies certificates and host names
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


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
    client: Client,
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


async def post(
    client: Client,
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
    with an empty body, like :func:`get`. aiohttp never sends a POST twice.
    """
    checked = safe_url(url)
    if checked is None:
        raise FetchError("not an http(s) URL (or an invalid one)", "scheme")
    return await _within(limits, _post(client, checked, body, content_type, limits))


async def _within(limits: Limits, exchange: Coroutine[Any, Any, Response]) -> Response:
    """Run one exchange under the total deadline, every failure turned into a one-line :class:`FetchError`."""
    _load_aiohttp()
    import aiohttp

    try:
        async with asyncio.timeout(limits.total_seconds):
            return await exchange
    except TimeoutError:
        raise FetchError(f"no complete answer within {limits.total_seconds:g} s", "timeout") from None
    except aiohttp.InvalidURL as error:
        raise FetchError(f"refused: an invalid URL ({clean_line(str(error))[:100]})", "scheme") from None
    except (aiohttp.ClientProxyConnectionError, aiohttp.ClientHttpProxyError) as error:
        raise FetchError(_proxy_message(error), "proxy") from None
    except (aiohttp.ClientError, OSError) as error:
        raise FetchError(_network_message(error), "network") from None
    except ValueError as error:
        # yarl refuses some URLs that urllib accepted (a bad port, a bad IDN label).
        raise FetchError(f"refused: a non-http(s) or invalid URL ({clean_line(str(error))[:100]})", "scheme") from None
    except Exception as error:
        if type(error).__module__.startswith(("aiohttp_socks", "python_socks")):
            # The SOCKS proxy's own failure (refused, unreachable, authentication).
            raise FetchError(_proxy_message(error), "proxy") from None
        raise


def _proxy_message(error: BaseException) -> str:
    """A proxy's failure as one line: what went wrong, then the library's words (which name the proxy)."""
    raw = clean_line(str(error) or type(error).__name__)[:160]
    return f"the proxy failed: {network_sentence(raw) or 'no usable answer'} ({raw})"


def _request_options(client: Client, url: str, headers: dict[str, str]) -> tuple[aiohttp.ClientSession, dict[str, Any]]:
    """The session for ``url`` and the per-request options its route needs (headers, proxy, TLS)."""
    session, proxy = client.route(url)
    secure = url[:6].lower() == "https:"
    options: dict[str, Any] = {"allow_redirects": False, "headers": headers}
    if secure:
        options["ssl"] = tls_context(client.limits.ca_file)
    if proxy is not None and proxy.scheme == "http":
        _load_aiohttp()
        import aiohttp

        options["proxy"] = proxy.url
        if proxy.user:
            credentials = {"Proxy-Authorization": aiohttp.encode_basic_auth(proxy.user, proxy.password)}
            if secure:  # said to the proxy in CONNECT, never sent on through the tunnel
                options["proxy_headers"] = credentials
            else:  # a plain request goes to the proxy itself
                options["headers"] = {**headers, **credentials}
    return session, options


async def _post(client: Client, url: str, body: bytes, content_type: str, limits: Limits) -> Response:
    session, options = _request_options(client, url, {"Content-Type": content_type})
    async with session.post(url, data=body, **options) as response:
        if response.status in REDIRECTS:
            target = clean_line(urljoin(url, response.headers.get("location", "").strip()))[:200]
            raise FetchError(f"the server redirects to {target}", "redirect", response.status)
        return await _answer(response, url, limits)


#: The answer of an HTTP proxy that wants (other) credentials.
PROXY_AUTHENTICATION = 407


async def _answer(response: aiohttp.ClientResponse, url: str, limits: Limits, moved_to: str | None = None) -> Response:
    """The final answer: a 2xx's body read within ``limits``, any other's drained to keep the connection."""
    if response.status == PROXY_AUTHENTICATION:
        # The proxy's answer, not the site's: naming it keeps "HTTP 407" off the feed.
        raise FetchError("the proxy asks for a user name and password (HTTP 407)", "proxy", response.status)
    answer = Response(
        url=url,
        status=response.status,
        headers={k.lower(): v for k, v in response.headers.items()},
        moved_to=moved_to,
    )
    if 200 <= response.status < 300:
        answer.body = await _read_body(response, limits)
    else:
        await _drain(response)
    return answer


def _network_message(error: BaseException) -> str:
    return network_error(str(error) or type(error).__name__)


async def _get(client: Client, url: str, headers: dict[str, str], limits: Limits) -> Response:
    permanent = True
    moved_to: str | None = None
    for _hop in range(limits.max_redirects + 1):
        session, options = _request_options(client, url, headers)
        async with session.get(url, **options) as response:
            if response.status in REDIRECTS and "location" in response.headers:
                location = response.headers["location"].strip()
                try:
                    target = safe_url(urljoin(url, location))
                except ValueError:  # urljoin refuses some hosts (an unclosed "[")
                    target = None
                if target is None:
                    shown = clean_line(location)[:100]
                    raise FetchError(f"redirected to a non-http(s) or invalid URL: {shown}", "scheme", response.status)
                permanent = permanent and response.status in PERMANENT
                moved_to = target if permanent else None
                url = target
                await _drain(response)
                continue
            return await _answer(response, url, limits, moved_to)
    raise FetchError(f"more than {limits.max_redirects} redirects", "redirects")


#: At most this much of a body nobody reads (a 304's, an error page) is read to keep its connection.
DRAIN_BYTES = 64 * 1024


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read a small unwanted body to its end, so the connection can serve the next request.

    A connection released with its body unread is closed (aiohttp cannot
    know where the next answer starts): every 304 of a refresh would cost a
    new TCP (and TLS) handshake. A body larger than :data:`DRAIN_BYTES` is not
    worth it; the connection is dropped instead.
    """
    _load_aiohttp()
    import aiohttp

    read = 0
    try:
        async for chunk in response.content.iter_any():
            read += len(chunk)
            if read > DRAIN_BYTES:
                return
    except aiohttp.ClientError:
        return


async def _read_body(response: aiohttp.ClientResponse, limits: Limits) -> bytes:
    encodings = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",") if e.strip()]
    if len(encodings) > 1:
        raise FetchError("more than one content encoding", "encoding")
    decoder = _Decoder(encodings[0] if encodings else "", limits.max_decoded_bytes)
    raw = 0
    # iter_any yields whatever has arrived, so the deadline and the caps are
    # checked even when a server drips a byte at a time.
    async for chunk in response.content.iter_any():
        raw += len(chunk)
        if raw > limits.max_raw_bytes:
            raise FetchError(f"response larger than {_size(limits.max_raw_bytes)}", "too-large")
        decoder.feed(chunk)
    return decoder.finish()
