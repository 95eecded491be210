"""The transport under reader's httpx client: lean HTTP/1.1, and HTTP/2 where TLS offers it.

httpx's default transport (httpcore's connection pool on anyio) spends
about 0.4 ms on every request in bookkeeping (measured on loopback): the pool
re-examines every connection (a ``poll`` system call each, through a
dictionary of lambdas) several times per request, and every lock and event
goes through anyio's cancel scopes. A refresh of 500 feeds that all answer
304 spent more time there than anywhere else. This transport does the same
job with less:

* sockets are asyncio protocols whose received bytes wait in a buffer, so
  "has the server closed this idle connection?" is a look at that buffer;
* HTTP/1.1 is spoken with h11 (the same state machine httpcore uses), and
  idle connections wait in a list per origin, so handing one out is a pop;
* when TLS negotiates ``h2`` (ALPN), the connection is handed to httpcore's
  own HTTP/2 connection class, which multiplexes every request to that
  origin over it.

It is an ordinary ``httpx.AsyncBaseTransport``: redirects, headers, cookies
and response objects are httpx's, and failures are httpx's exception types.
Bounds (the whole-request deadline, body caps, one encoding layer) are
applied above it, in :mod:`reader.net.http`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ssl
import sys
import time
import typing
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import h11

from reader.net._httpx import httpx

#: Bytes asked of the buffer per read.
READ_CHUNK = 64 * 1024
#: Received bytes held before the socket stops being read (the reader catches up).
READ_HIGH_WATER = 256 * 1024
#: How long an unused connection is kept for the next request (httpx's default).
KEEPALIVE_SECONDS = 5.0
#: Methods that may be sent again on a new connection when a reused one turns
#: out to have been closed by the server before it answered.
RETRYABLE = {"GET", "HEAD", "OPTIONS"}

Origin = tuple[bytes, bytes, int]


class _Buffer(asyncio.Protocol):
    """Bytes the event loop received for one connection, and whether it has ended."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.data = bytearray()
        self.ended = False
        self.error: BaseException | None = None
        self._readable: asyncio.Future[None] | None = None
        self._writable: asyncio.Future[None] | None = None
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = typing.cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.data += data
        if len(self.data) > READ_HIGH_WATER and self.transport is not None and not self._paused:
            self._paused = True
            self.transport.pause_reading()
        self._wake_reader()

    def eof_received(self) -> bool:
        self.ended = True
        self._wake_reader()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self.ended = True
        self.error = exc
        self._wake_reader()
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        if self._writable is None or self._writable.done():
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def _wake_reader(self) -> None:
        if self._readable is not None and not self._readable.done():
            self._readable.set_result(None)

    async def wait_readable(self) -> None:
        """Until there are bytes to read or the connection has ended."""
        if self.data or self.ended:
            return
        self._readable = asyncio.get_running_loop().create_future()
        try:
            await self._readable
        finally:
            self._readable = None

    async def wait_writable(self) -> None:
        """Until the transport's write buffer is below its high-water mark."""
        if self._writable is not None and not self._writable.done():
            # Shielded: the future is shared, and a cancelled waiter must not cancel it for others.
            await asyncio.shield(self._writable)

    def take(self, max_bytes: int) -> bytes:
        chunk = bytes(self.data[:max_bytes])
        del self.data[:max_bytes]
        if self._paused and len(self.data) <= READ_HIGH_WATER // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk


@contextmanager
def _raising(timeout_error: type[Exception], other_error: type[Exception]) -> Iterator[None]:
    """httpx's exception types for what asyncio and the socket raise."""
    try:
        yield
    except TimeoutError as error:
        raise timeout_error(str(error) or "timed out") from error
    except (OSError, EOFError) as error:  # ssl.SSLError is an OSError
        raise other_error(str(error) or type(error).__name__) from error


class Stream:
    """One connection (TCP, maybe TLS): what h11 reads and writes.

    It also has the methods of httpcore's ``AsyncNetworkStream``, which is
    all httpcore's HTTP/2 connection needs of a socket. (httpcore itself is
    imported only when a server negotiates HTTP/2: importing it costs 20 ms
    at every start.)
    """

    def __init__(self, transport: asyncio.Transport, buffer: _Buffer) -> None:
        self._transport = transport
        self._buffer = buffer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        buffer = self._buffer
        if not buffer.data and not buffer.ended:
            with _raising(httpx.ReadTimeout, httpx.ReadError):
                async with asyncio.timeout(timeout):
                    await buffer.wait_readable()
        if buffer.data:
            return buffer.take(max_bytes)
        if buffer.error is not None:
            raise httpx.ReadError(str(buffer.error) or type(buffer.error).__name__)
        return b""

    async def write(self, data: bytes, timeout: float | None = None) -> None:
        if not data:
            return
        if self._transport.is_closing():
            raise httpx.WriteError("the connection is closed")
        with _raising(httpx.WriteTimeout, httpx.WriteError):
            self._transport.write(data)
            async with asyncio.timeout(timeout):
                await self._buffer.wait_writable()

    async def aclose(self) -> None:
        self.close()

    def close(self) -> None:
        """Close at once (no await: safe while a task is being cancelled)."""
        self._transport.close()

    @property
    def closed_by_peer(self) -> bool:
        """True when the other side closed the connection (or it was lost)."""
        return self._buffer.ended

    @property
    def has_ended(self) -> bool:
        """True when bytes or an end arrived: on an idle connection, the server has closed it."""
        return bool(self._buffer.data) or self._buffer.ended

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> Stream:
        load_roots(ssl_context)
        loop = asyncio.get_running_loop()
        with _raising(httpx.ConnectTimeout, httpx.ConnectError):
            async with asyncio.timeout(timeout):
                upgraded = await loop.start_tls(
                    self._transport, self._buffer, ssl_context, server_hostname=server_hostname
                )
        if upgraded is None:
            raise httpx.ConnectError("the connection closed during the TLS handshake")
        self._buffer.transport = upgraded
        return Stream(self._buffer.transport, self._buffer)

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return self.has_ended
        if info == "ssl_object":
            return self._transport.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._transport.get_extra_info("sockname")
        if info == "server_addr":
            return self._transport.get_extra_info("peername")
        if info == "socket":
            return self._transport.get_extra_info("socket")
        return None


#: Contexts whose trusted roots are loaded (by id; contexts live for the process).
_ROOTS_LOADED: set[int] = set()


def tls_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A client context that checks certificates and host names against certifi's roots.

    Loading the roots takes 15-20 ms, so it waits for the first TLS
    handshake (:func:`load_roots`): a run that only speaks plain HTTP never
    reads the bundle. ``ca_file`` (PEM) adds authorities to trust, for a
    server with a private certificate.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies certificates and host names
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


def load_roots(context: ssl.SSLContext) -> None:
    """Load certifi's roots into ``context`` once, before its first handshake."""
    if id(context) in _ROOTS_LOADED:
        return
    import certifi

    context.load_verify_locations(cafile=certifi.where())
    _ROOTS_LOADED.add(id(context))


async def _connect(origin: Origin, ssl_context: ssl.SSLContext, http2: bool, timeout: float | None) -> Stream:
    scheme, host, port = origin
    loop = asyncio.get_running_loop()
    # One connect timeout for the TCP connection and the TLS handshake together.
    deadline = None if timeout is None else loop.time() + timeout
    with _raising(httpx.ConnectTimeout, httpx.ConnectError):
        async with asyncio.timeout(timeout):
            transport, buffer = await loop.create_connection(
                _Buffer,
                host.decode("ascii"),
                port,
                # Try a host's next address after 250 ms (RFC 8305), so one
                # dead route (often IPv6) does not use up the whole timeout.
                happy_eyeballs_delay=0.25,
            )
    stream = Stream(transport, buffer)
    if scheme == b"https":
        ssl_context.set_alpn_protocols(["h2", "http/1.1"] if http2 else ["http/1.1"])
        try:
            left = None if deadline is None else max(0.0, deadline - loop.time())
            stream = await stream.start_tls(ssl_context, host.decode("ascii"), left)
        except BaseException:
            stream.close()
            raise
    return stream


class _Http11:
    """One HTTP/1.1 connection, spoken with h11."""

    def __init__(self, origin: Origin, stream: Stream) -> None:
        self.origin = origin
        self.stream = stream
        self.h11 = h11.Connection(h11.CLIENT)
        self.requests = 0
        self.idle_until = 0.0

    def usable(self, now: float) -> bool:
        """An idle connection that may take the next request."""
        return now < self.idle_until and not self.stream.has_ended

    async def send(self, request: httpx.Request, timeouts: dict[str, float | None]) -> h11.Response:
        """Send ``request`` and read up to the response's headers."""
        self.requests += 1
        h = self.h11
        data = (
            h.send(h11.Request(method=request.method, target=request.url.raw_path, headers=list(request.headers.raw)))
            or b""
        )
        stream = typing.cast(typing.AsyncIterable[bytes], request.stream)
        async for chunk in stream:
            data += h.send(h11.Data(data=chunk)) or b""
        data += h.send(h11.EndOfMessage()) or b""
        await self.stream.write(data, timeouts.get("write"))
        while True:
            event = await self._next_event(timeouts.get("read"))
            if isinstance(event, h11.Response):
                return event
            if isinstance(event, h11.InformationalResponse):
                continue  # 100 Continue and the like come before the answer
            raise httpx.RemoteProtocolError("the server closed the connection without answering")

    async def body(self, read_timeout: float | None) -> AsyncIterator[bytes]:
        """The response body as it arrives."""
        while True:
            event = await self._next_event(read_timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
                return

    async def _next_event(self, read_timeout: float | None) -> typing.Any:
        h = self.h11
        while True:
            try:
                event = h.next_event()
            except h11.RemoteProtocolError as error:
                raise httpx.RemoteProtocolError(str(error)) from error
            if event is not h11.NEED_DATA:
                return event
            data = await self.stream.read(READ_CHUNK, read_timeout)
            if not data and h.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError("the server closed the connection without answering")
            h.receive_data(data)

    def reuse(self) -> bool:
        """After a complete exchange: ready it for the next one (False if it must close)."""
        h = self.h11
        if h.trailing_data[0] or h.trailing_data[1]:
            return False  # bytes after the answer: a broken server, whose next answer cannot be trusted
        if h.our_state is h11.DONE and h.their_state is h11.DONE:
            h.start_next_cycle()
            self.idle_until = time.monotonic() + KEEPALIVE_SECONDS
            return True
        return False

    def close(self) -> None:
        self.stream.close()


class _Body(httpx.AsyncByteStream):
    """A response body that gives its connection back (or closes it) when closed."""

    def __init__(self, parts: typing.AsyncIterable[bytes], done: Callable[[], None]) -> None:
        self._parts = parts
        self._done: Callable[[], None] | None = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _httpx_errors():
            async for part in self._parts:
                yield part

    async def aclose(self) -> None:
        close = getattr(self._parts, "aclose", None)
        try:
            if close is not None:
                with _httpx_errors():
                    await close()
        finally:
            if self._done is not None:
                done, self._done = self._done, None
                done()


@contextmanager
def _httpx_errors() -> Iterator[None]:
    """httpx's exception for h11's, and (over HTTP/2) httpcore's and h2's, as httpx's own transport raises them."""
    try:
        yield
    except h11.LocalProtocolError as error:
        raise httpx.LocalProtocolError(str(error)) from error
    except h11.RemoteProtocolError as error:
        raise httpx.RemoteProtocolError(str(error)) from error
    except httpx.HTTPError:
        raise
    except Exception as error:
        # httpcore and h2 are imported only for HTTP/2; h2 raises its own
        # errors from a body that is already streaming.
        if not type(error).__module__.startswith(("httpcore", "h2")):
            raise
        raise _httpx_error(error) from error


def _httpx_error(error: Exception) -> httpx.HTTPError:
    core = sys.modules.get("httpcore")
    if core is not None:
        pairs: list[tuple[type[Exception], type[httpx.HTTPError]]] = [
            (core.ConnectTimeout, httpx.ConnectTimeout),
            (core.ReadTimeout, httpx.ReadTimeout),
            (core.WriteTimeout, httpx.WriteTimeout),
            (core.PoolTimeout, httpx.PoolTimeout),
            (core.TimeoutException, httpx.TimeoutException),
            (core.ConnectError, httpx.ConnectError),
            (core.ReadError, httpx.ReadError),
            (core.WriteError, httpx.WriteError),
            (core.NetworkError, httpx.NetworkError),
            (core.LocalProtocolError, httpx.LocalProtocolError),
            (core.ProtocolError, httpx.RemoteProtocolError),
        ]
        for core_type, httpx_type in pairs:
            if isinstance(error, core_type):
                return httpx_type(str(error))
    if type(error).__module__.startswith("h2"):
        return httpx.RemoteProtocolError(f"HTTP/2: {error}")
    return httpx.TransportError(str(error) or type(error).__name__)


class _Http2:
    """An HTTP/2 connection (httpcore's) and what reader knows of it."""

    def __init__(self, origin: Origin, stream: Stream) -> None:
        import httpcore

        self.origin = origin
        self.stream = stream
        scheme, host, port = origin
        self.connection = httpcore.AsyncHTTP2Connection(
            origin=httpcore.Origin(scheme, host, port),
            stream=stream,  # type: ignore[arg-type]  # it has every method of httpcore's AsyncNetworkStream
            keepalive_expiry=KEEPALIVE_SECONDS,
        )
        #: Requests handed to it and not finished: counted here, since httpcore
        #: only counts a request once it holds a stream, after an await.
        self.active = 0

    def takes_requests(self) -> bool:
        """Whether a new request may go on it (not closed, not told to go away, not stale)."""
        connection = self.connection
        if not connection.is_available() or connection.has_expired():
            return False
        # Nothing reads an idle HTTP/2 socket, so a server's close is seen in
        # the buffer. (Bytes waiting there are no sign: servers send PINGs and
        # settings to idle connections; a GOAWAY among them makes httpcore
        # refuse the request, which is then sent again on a new connection.)
        return not (self.active == 0 and self.stream.closed_by_peer)

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # a connection that is going anyway
            await self.connection.aclose()


class Transport(httpx.AsyncBaseTransport):
    """Keep-alive connections per origin, at most ``max_connections`` open and as many requests in flight."""

    def __init__(self, *, max_connections: int, ssl_context: ssl.SSLContext, http2: bool) -> None:
        self._max = max(1, max_connections)
        self._ssl_context = ssl_context
        self._http2 = http2
        self._idle: dict[Origin, list[_Http11]] = {}
        self._open: set[_Http11] = set()
        self._http2_connections: dict[Origin, _Http2] = {}
        #: HTTP/2 connections that take no new requests but still carry some.
        self._retired: set[_Http2] = set()
        #: Connections being opened (counted against the limit before they exist).
        self._connecting = 0
        #: TLS origins whose first connection is being opened (it may turn out to be HTTP/2).
        self._opening: dict[Origin, asyncio.Future[None]] = {}
        #: TLS origins that answered ALPN with HTTP/1.1.
        self._http1_only: set[Origin] = set()
        self._in_flight: asyncio.Semaphore | None = None
        self._closed = False

    def _count(self) -> int:
        return len(self._open) + len(self._http2_connections) + len(self._retired) + self._connecting

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        scheme = request.url.raw_scheme
        if scheme not in (b"http", b"https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {request.url.scheme!r}")
        if self._closed:
            raise RuntimeError("the transport is closed")
        if self._in_flight is None:
            self._in_flight = asyncio.Semaphore(self._max)
        origin: Origin = (scheme, request.url.raw_host, request.url.port or (443 if scheme == b"https" else 80))
        timeouts = typing.cast(dict[str, float | None], request.extensions.get("timeout", {}))
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._in_flight.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("no connection free in time") from None
        try:
            with _httpx_errors():
                return await self._exchange(origin, request, timeouts)
        except BaseException:
            self._in_flight.release()
            raise

    async def _exchange(
        self, origin: Origin, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> httpx.Response:
        for attempt in range(2):
            last_try = attempt == 1
            http2 = await self._http2_for(origin)
            if http2 is None:
                # A retry goes to a new connection: the idle ones may be as stale as the last.
                connection = self._take_idle(origin) if not last_try else None
                if connection is None:
                    opened = await self._new_connection(origin, timeouts)
                    if isinstance(opened, _Http2):
                        http2 = opened
                    else:
                        connection = opened
            if http2 is not None:
                try:
                    return await self._over_http2(http2, request)
                except Exception as error:
                    core = sys.modules.get("httpcore")
                    if core is not None and isinstance(error, core.ConnectionNotAvailable) and not last_try:
                        # It closed or went away before taking the request:
                        # nothing was processed, so any request may go again.
                        await self._retire(http2)
                        continue
                    raise
            assert connection is not None
            reused = connection.requests > 0
            try:
                answer = await connection.send(request, timeouts)
            except BaseException as error:
                self._discard(connection)
                stale = isinstance(error, (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError))
                if reused and stale and not last_try and request.method in RETRYABLE:
                    continue  # the server closed it while idle; one more try on a new connection
                raise
            return httpx.Response(
                status_code=answer.status_code,
                headers=answer.headers,
                stream=_Body(connection.body(timeouts.get("read")), functools.partial(self._finished, connection)),
                extensions={"http_version": b"HTTP/1.1", "reason_phrase": answer.reason},
            )
        raise AssertionError("unreachable")  # pragma: no cover

    async def _http2_for(self, origin: Origin) -> _Http2 | None:
        http2 = self._http2_connections.get(origin)
        if http2 is None or http2.takes_requests():
            return http2
        await self._retire(http2)
        return None

    async def _retire(self, http2: _Http2) -> None:
        """Send no more requests to ``http2``; close it once none are left on it."""
        if self._http2_connections.get(http2.origin) is http2:
            del self._http2_connections[http2.origin]
        if http2.active == 0:
            self._retired.discard(http2)
            await http2.close()
        else:
            self._retired.add(http2)

    def _take_idle(self, origin: Origin) -> _Http11 | None:
        waiting = self._idle.get(origin)
        now = time.monotonic()
        while waiting:
            connection = waiting.pop()
            if connection.usable(now):
                return connection
            self._discard(connection)
        return None

    async def _new_connection(self, origin: Origin, timeouts: dict[str, float | None]) -> _Http11 | _Http2:
        """A new connection to ``origin``, or one another request has just opened over HTTP/2."""
        may_be_http2 = self._http2 and origin[0] == b"https" and origin not in self._http1_only
        if may_be_http2:
            # While the first TLS connection to a host is being opened, others
            # wait for it: if it speaks HTTP/2 it carries them all, instead of
            # each making a handshake only to close it.
            while (opening := self._opening.get(origin)) is not None:
                await asyncio.shield(opening)
            http2 = await self._http2_for(origin)
            if http2 is not None:
                return http2
            if origin not in self._http1_only:
                self._opening[origin] = asyncio.get_running_loop().create_future()
        # Requests in flight are fewer than the limit (this one is counted),
        # and each holds at most one connection, so while the limit is
        # reached some connection is idle: close idle ones to make room.
        while self._count() >= self._max and await self._close_one_idle():
            pass
        self._connecting += 1
        try:
            stream = await _connect(origin, self._ssl_context, self._http2, timeouts.get("connect"))
        finally:
            self._connecting -= 1
            opening = self._opening.pop(origin, None) if may_be_http2 else None
            if opening is not None:
                opening.set_result(None)
        ssl_object = stream.get_extra_info("ssl_object")
        if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
            http2 = _Http2(origin, stream)
            self._http2_connections[origin] = http2
            return http2
        if ssl_object is not None:
            self._http1_only.add(origin)
        connection = _Http11(origin, stream)
        self._open.add(connection)
        return connection

    async def _close_one_idle(self) -> bool:
        for waiting in self._idle.values():
            if waiting:
                self._discard(waiting.pop(0))
                return True
        for http2 in list(self._http2_connections.values()):
            if http2.active == 0:
                await self._retire(http2)
                return True
        return False

    async def _over_http2(self, http2: _Http2, request: httpx.Request) -> httpx.Response:
        import httpcore

        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=typing.cast(typing.AsyncIterable[bytes], request.stream),
            extensions=request.extensions,
        )
        http2.active += 1
        try:
            response = await http2.connection.handle_async_request(core_request)
        except BaseException:
            self._http2_done(http2)
            raise
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_Body(
                typing.cast(typing.AsyncIterable[bytes], response.stream),
                functools.partial(self._http2_finished, http2),
            ),
            extensions=response.extensions,
        )

    def _http2_done(self, http2: _Http2) -> None:
        """A request over HTTP/2 is over; a retired connection closes with its last one."""
        http2.active -= 1
        if http2 in self._retired and http2.active == 0:
            self._retired.discard(http2)
            # No await: this also runs while a task is being cancelled.
            http2.stream.close()

    def _http2_finished(self, http2: _Http2) -> None:
        """A response body over HTTP/2 was closed."""
        self._release()
        self._http2_done(http2)

    def _finished(self, connection: _Http11) -> None:
        """A response body was closed: keep its connection for the next request, or close it."""
        self._release()
        if not self._closed and connection.reuse():
            self._idle.setdefault(connection.origin, []).append(connection)
        else:
            self._discard(connection)

    def _release(self) -> None:
        if self._in_flight is not None:
            self._in_flight.release()

    def _discard(self, connection: _Http11) -> None:
        connection.close()
        self._open.discard(connection)

    async def aclose(self) -> None:
        self._closed = True
        for waiting in self._idle.values():
            for connection in waiting:
                self._discard(connection)
        self._idle.clear()
        for connection in list(self._open):
            self._discard(connection)
        for http2 in [*self._http2_connections.values(), *self._retired]:
            await http2.close()
        self._http2_connections.clear()
        self._retired.clear()
