"""reader's HTTP client (reader/net/http.py, on aiohttp) against real loopback servers.

The fetch tests already drive it through every hostile behaviour (stalls,
drips, bombs, endless bodies, redirects); these check what a connection
pool must get right: keeping connections, never reusing a dirty or closed
one, the bound on open connections, and HTTPS with certificate and
host-name checks.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import trustme
from conftest import RunReader
from feedserver import Behaviour, FeedServer, Item, ok, rss

from reader.net.http import FetchError, Limits, Response, get, make_client, post
from reader.store import Store


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    """A certificate authority of the tests' own, trusted only where a test says so."""
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(authority: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tls") / "authority.pem"
    authority.cert_pem.write_to_path(str(path))
    return path


DEFAULT_LIMITS = Limits()


def server_context(authority: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert(*names).configure_cert(context)
    return context


def fetch_all(urls: list[str], limits: Limits = DEFAULT_LIMITS, *, max_connections: int = 16) -> list[Response]:
    """GET every URL at once through one client, as a fetch run does."""

    async def run() -> list[Response]:
        async with make_client(limits, max_connections=max_connections) as client:
            return list(await asyncio.gather(*(get(client, url, limits=limits) for url in urls)))

    return asyncio.run(run())


def fetch_in_turn(urls: list[str], limits: Limits = DEFAULT_LIMITS) -> list[Response | FetchError]:
    """GET the URLs one after another through one client (so connections can be reused)."""

    async def run() -> list[Response | FetchError]:
        answers: list[Response | FetchError] = []
        async with make_client(limits) as client:
            for url in urls:
                try:
                    answers.append(await get(client, url, limits=limits))
                except FetchError as error:
                    answers.append(error)
        return answers

    return asyncio.run(run())


def ports(server: FeedServer, path: str) -> set[int]:
    return {request.client_port for request in server.requests_for(path)}


def test_requests_in_turn_share_one_kept_alive_connection(server: FeedServer) -> None:
    url = server.route("/feed", ok(rss([Item("one", "One")]).encode(), "application/rss+xml"))
    answers = fetch_in_turn([url] * 20)
    assert all(isinstance(a, Response) and a.status == 200 and b"<title>One</title>" in a.body for a in answers)
    assert len(server.requests_for("/feed")) == 20
    assert len(ports(server, "/feed")) == 1


def test_open_connections_never_exceed_the_limit(server: FeedServer) -> None:
    open_now = 0
    most_open = 0
    lock = threading.Lock()

    def slow(handler, owner):  # type: ignore[no-untyped-def]
        nonlocal open_now, most_open
        with lock:
            open_now += 1
            most_open = max(most_open, open_now)
        time.sleep(0.1)
        with lock:
            open_now -= 1
        handler.answer(200, b"slow answer", {"Content-Type": "text/plain"})

    url = server.route("/slow", slow)
    answers = fetch_all([url] * 12, max_connections=3)
    assert [a.body for a in answers] == [b"slow answer"] * 12
    assert most_open == 3
    assert len(ports(server, "/slow")) == 3


def test_a_connection_the_server_closed_while_idle_is_not_reused(server: FeedServer) -> None:
    def answer_then_hang_up(handler, owner):  # type: ignore[no-untyped-def]
        # No "Connection: close": the client only learns it from the socket.
        handler.answer(200, b"answered", {"Content-Type": "text/plain"})
        handler.close_connection = True

    url = server.route("/once", answer_then_hang_up)

    async def run() -> list[bytes]:
        async with make_client() as client:
            first = await get(client, url)
            await asyncio.sleep(0.2)  # the server's close arrives while the connection is idle
            # A POST is never sent twice, so only a new connection can carry it.
            second = await post(client, url, b"{}")
        return [first.body, second.body]

    assert asyncio.run(run()) == [b"answered", b"answered"]
    assert [r.method for r in server.requests_for("/once")] == ["GET", "POST"]
    assert len(ports(server, "/once")) == 2


def first_request_per_connection_only(body: bytes) -> Behaviour:
    """Answer a connection's first request; at its second, read it and hang up without a word."""
    answered_on: set[int] = set()

    def behave(handler, owner):  # type: ignore[no-untyped-def]
        port = handler.client_address[1]
        if port in answered_on:
            handler.close_connection = True
            return
        answered_on.add(port)
        handler.answer(200, body, {"Content-Type": "text/plain"})

    return behave


def test_a_get_is_sent_again_when_a_reused_connection_closes_before_answering(server: FeedServer) -> None:
    url = server.route("/flaky", first_request_per_connection_only(b"fresh"))
    answers = fetch_in_turn([url, url])
    assert [a.body for a in answers if isinstance(a, Response)] == [b"fresh", b"fresh"]
    # The second GET went out twice: on the kept connection (closed unanswered), then on a new one.
    assert len(server.requests_for("/flaky")) == 3
    assert len(ports(server, "/flaky")) == 2


def test_a_post_is_not_sent_twice(server: FeedServer) -> None:
    url = server.route("/api", first_request_per_connection_only(b'{"status": 0}'))

    async def run() -> tuple[Response, str]:
        async with make_client() as client:
            first = await post(client, url, b'{"op": "login"}')
            with pytest.raises(FetchError) as failure:
                await post(client, url, b'{"op": "markRead"}')
        return first, str(failure.value)

    first, message = asyncio.run(run())
    assert first.body == b'{"status": 0}'
    assert "network error" in message and "\n" not in message
    assert [r.method for r in server.requests_for("/api")] == ["POST", "POST"]


def test_a_body_left_unread_does_not_leak_into_the_next_answer(server: FeedServer) -> None:
    big = b"A" * 3_000_000
    server.route("/big", ok(big, "text/plain"))
    server.route("/small", ok(b"the small answer", "text/plain"))

    async def run() -> tuple[int, bytes]:
        async with make_client() as client:
            session, _proxy = client.route(server.url("/big"))
            async with session.get(server.url("/big")) as response:
                async for _chunk in response.content.iter_any():
                    break  # read a little, then give up on it
            small = await get(client, server.url("/small"))
        return response.status, small.body

    assert asyncio.run(run()) == (200, b"the small answer")


def test_chunked_and_close_delimited_bodies_arrive_whole(server: FeedServer) -> None:
    body = b"".join(b"line %d\n" % n for n in range(5000))

    def chunked(handler, owner):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        for start in range(0, len(body), 7000):
            part = body[start : start + 7000]
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        handler.wfile.write(b"0\r\n\r\n")

    def until_close(handler, owner):  # type: ignore[no-untyped-def]
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(body)
        handler.close_connection = True

    answers = fetch_in_turn([server.route("/chunked", chunked), server.route("/until-close", until_close)] * 2)
    assert [a.body if isinstance(a, Response) else a for a in answers] == [body] * 4


def test_https_with_the_private_authority_trusted(authority: trustme.CA, ca_file: Path) -> None:
    with FeedServer(tls=server_context(authority, "127.0.0.1")) as tls_server:
        url = tls_server.route("/feed", ok(rss([Item("secure", "Secure")]).encode(), "application/rss+xml"))
        answers = fetch_in_turn([url] * 3, Limits(ca_file=str(ca_file)))
    assert all(isinstance(a, Response) and b"Secure" in a.body for a in answers)
    assert url.startswith("https://")
    assert len(ports(tls_server, "/feed")) == 1


def test_https_with_an_unknown_authority_is_refused_in_one_line(authority: trustme.CA) -> None:
    with FeedServer(tls=server_context(authority, "127.0.0.1")) as tls_server:
        url = tls_server.route("/feed", ok(b"never sent", "text/plain"))
        [answer] = fetch_in_turn([url])
    assert isinstance(answer, FetchError)
    assert "certificate verify failed" in str(answer) and "\n" not in str(answer)
    assert tls_server.requests_for("/feed") == []


def test_https_certificate_for_another_host_is_refused(authority: trustme.CA, ca_file: Path) -> None:
    with FeedServer(tls=server_context(authority, "feeds.example.org")) as tls_server:
        url = tls_server.route("/feed", ok(b"never sent", "text/plain"))
        [answer] = fetch_in_turn([url], Limits(ca_file=str(ca_file)))
    assert isinstance(answer, FetchError)
    assert "127.0.0.1" in str(answer) or "match" in str(answer) or "mismatch" in str(answer)
    assert tls_server.requests_for("/feed") == []


def test_reader_fetch_reads_a_feed_over_https_with_the_configured_authority(
    authority: trustme.CA,
    ca_file: Path,
    tmp_path: Path,
    run_reader: RunReader,
    db_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[tls]\nca_file = "{ca_file}"\n', encoding="utf-8")
    with FeedServer(tls=server_context(authority, "127.0.0.1")) as tls_server:
        url = tls_server.route("/feed", ok(rss([Item("tls-1", "Fetched over TLS")]).encode(), "application/rss+xml"))
        assert run_reader("add", "--no-check", url).returncode == 0
        monkeypatch.setenv("READER_CONFIG", str(tmp_path / "absent.toml"))
        refused = run_reader("fetch", "--quiet")
        monkeypatch.setenv("READER_CONFIG", str(config))
        done = run_reader("fetch", "--quiet")
    # Without the authority: one line naming the failure, nothing stored, non-zero exit.
    assert refused.returncode != 0
    assert "certificate verify failed" in refused.stdout + refused.stderr
    assert "Traceback" not in refused.stderr
    # With it: the article is in the library.
    assert done.returncode == 0, done.stdout + done.stderr
    with Store(db_path) as store:
        assert [article.title for article in store.list_articles()] == ["Fetched over TLS"]


def test_bytes_after_an_answer_are_never_read_as_the_next_answer(server: FeedServer) -> None:
    def answer_plus_junk(handler, owner):  # type: ignore[no-untyped-def]
        # A 304 may not have a body, and a Content-Length of 2 means two bytes:
        # whatever follows in the same write must not become the next answer.
        handler.wfile.write(
            b"HTTP/1.1 304 Not Modified\r\nContent-Length: 0\r\n\r\n"
            b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nsmuggled"
        )
        handler.wfile.flush()

    first = server.route("/junk", answer_plus_junk)
    second = server.route("/real", ok(b"the real answer", "text/plain"))
    answers = fetch_in_turn([first, second])
    assert [a.status if isinstance(a, Response) else a for a in answers] == [304, 200]
    assert isinstance(answers[1], Response) and answers[1].body == b"the real answer"


def _sockets_to(ports: set[int]) -> int:
    """This process's established TCP connections to any of ``ports`` on loopback (Linux /proc)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        remote_port = int(fields[2].split(":")[1], 16)
        if fields[3] == "01" and fields[9] in inodes and remote_port in ports:
            count += 1
    return count


def test_the_connection_limit_holds_across_hosts() -> None:
    def slow(handler, owner):  # type: ignore[no-untyped-def]
        time.sleep(0.3)
        handler.answer(200, b"slow", {"Content-Type": "text/plain"})

    servers = [FeedServer().start() for _ in range(8)]
    server_ports = {int(s.base.rsplit(":", 1)[1]) for s in servers}
    for each in servers:
        each.route("/fast", ok(b"fast", "text/plain"))
        each.route("/slow", slow)
    most = 0

    async def run() -> list[bytes]:
        nonlocal most
        async with make_client(max_connections=4) as client:
            for each in servers[:4]:  # four kept connections: the limit
                await get(client, each.url("/fast"))

            async def watch() -> None:
                nonlocal most
                while True:
                    most = max(most, _sockets_to(server_ports))
                    await asyncio.sleep(0.005)

            watcher = asyncio.create_task(watch())
            try:  # four other hosts at once: each new connection must close a kept one first
                answers = await asyncio.gather(*(get(client, each.url("/slow")) for each in servers[4:]))
            finally:
                watcher.cancel()
            return [answer.body for answer in answers]

    try:
        assert asyncio.run(run()) == [b"slow"] * 4
    finally:
        for each in servers:
            each.stop()
    assert most == 4


def test_aiohttp_is_imported_without_trusting_anything_by_default_and_ssl_is_left_as_it_was() -> None:
    """reader skips the two TLS contexts aiohttp builds on import (40 ms): they must trust no one, and the
    standard library's functions must be the real ones afterwards (a fresh interpreter: the first import)."""
    script = (
        "import ssl\n"
        "create, paths = ssl.create_default_context, ssl.SSLContext.set_default_verify_paths\n"
        "from reader.net import http\n"
        "http._load_aiohttp()\n"
        "import aiohttp.connector as connector\n"
        "assert ssl.create_default_context is create and ssl.SSLContext.set_default_verify_paths is paths\n"
        "verified = connector._SSL_CONTEXT_VERIFIED\n"
        "assert verified.verify_mode == ssl.CERT_REQUIRED and verified.check_hostname\n"
        "print(verified.cert_store_stats()['x509_ca'], len(ssl.create_default_context().get_ca_certs()) > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "True"]
