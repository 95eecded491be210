"""`reader serve`: the same reader in a browser, through textual-serve, on loopback only."""

from __future__ import annotations

import asyncio
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import aiohttp
import pytest
from conftest import reader_command

from reader.service.demo import load_demo
from reader.store import Store


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(db_path: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """`reader serve` on a free loopback port, over the demo library."""
    with Store(db_path) as store:
        load_demo(store)
    port = free_port()
    process = subprocess.Popen(
        [*reader_command(), "--db", str(db_path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"reader serve did not start: {output[-2000:]}")
                time.sleep(0.1)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_answers_the_page_on_loopback(served: tuple[int, subprocess.Popen[str]]) -> None:
    port, _process = served
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
        assert response.status == 200
        page = response.read().decode("utf-8")
    assert "<title>reader</title>" in page or "reader" in page
    assert f"ws://127.0.0.1:{port}/ws" in page or "/ws" in page


#: Any absolute URL (http, https, ws, wss) written in a page, a style sheet or a script.
ABSOLUTE_URL = re.compile(r"\b(?:https?|wss?)://[^\s\"'`<>)]*", re.IGNORECASE)
#: What a style sheet loads: url(...) and @import "...".
CSS_REFERENCE = re.compile(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""", re.IGNORECASE)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)


class _References(HTMLParser):
    """The URLs a page's tags load (src, href) and the text of its <style> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        self.urls += [value for name, value in attrs if name in ("src", "href") and value]

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)


def fetch(url: str) -> tuple[int, str, str]:
    """GET ``url`` (loopback only): status, content type and text."""
    assert urlsplit(url).hostname == "127.0.0.1", f"not a loopback URL: {url}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get_content_type(), response.read().decode("utf-8", "replace")


def test_the_page_loads_nothing_from_other_hosts(served: tuple[int, subprocess.Popen[str]]) -> None:
    """No web font from Google, nor anything else from elsewhere: the page and what it loads come from the server.

    Every URL the page's tags and styles load, and those its style sheets
    load in turn, is on this server and answers 200; no absolute URL in the
    page, its styles or its scripts names another host (a CSS comment, which
    nothing loads, is not a reference).
    """
    port, _process = served
    origin = f"127.0.0.1:{port}"
    page_url = f"http://{origin}/"
    status, _kind, page = fetch(page_url)
    assert status == 200
    for word in ("googleapis", "gstatic"):
        assert word not in page, f"the page refers to {word}"

    parser = _References()
    parser.feed(page)
    to_load = [urljoin(page_url, url) for url in parser.urls]
    for style in parser.styles:
        to_load += [urljoin(page_url, a or b) for a, b in CSS_REFERENCE.findall(CSS_COMMENT.sub("", style))]
    texts = {page_url: page}
    loaded: dict[str, str] = {}
    while to_load:
        url = to_load.pop()
        if url.startswith("data:") or url in loaded:
            continue
        assert urlsplit(url).netloc == origin, f"the page loads {url} from another host"
        status, kind, text = fetch(url)
        assert status == 200, f"{url} answered {status}"
        loaded[url] = kind
        if kind == "text/css":
            text = CSS_COMMENT.sub("", text)
            to_load += [urljoin(url, a or b) for a, b in CSS_REFERENCE.findall(text)]
        if kind in ("text/css", "text/javascript", "application/javascript"):
            texts[url] = text
    # The page's own statics: the terminal's styles, its script, and its font (no longer from Google).
    paths = {urlsplit(url).path for url in loaded}
    assert "/static/js/textual.js" in paths and "/static/css/xterm.css" in paths, sorted(paths)
    assert any(path.startswith("/static/fonts/") for path in paths), sorted(paths)

    for url, text in texts.items():
        elsewhere = [found for found in ABSOLUTE_URL.findall(text) if urlsplit(found).netloc != origin]
        assert elsewhere == [], f"{url} refers to other hosts: {elsewhere[:5]}"
        for word in ("googleapis", "gstatic"):
            assert word not in text, f"{url} refers to {word}"


def visible(stream: bytes) -> str:
    """The text a terminal would show from ``stream``, escape sequences removed."""
    text = stream.decode("utf-8", errors="replace")
    return re.sub(r"\x1b\[[0-9;?$<>=]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[=>()][0-9A-Za-z]?", "", text)


def test_a_browser_session_runs_the_reader_on_the_library(
    served: tuple[int, subprocess.Popen[str]], db_path: Path
) -> None:
    """What a browser tab gets over the websocket is the reader itself, drawing the demo articles."""
    port, _process = served
    with Store(db_path) as store:
        names = [feed.title[:12] for feed in store.feeds()]

    def drawn_enough(text: str) -> bool:
        return "Unread only" in text and any(name in text for name in names)

    async def session() -> str:
        seen = b""
        async with (
            aiohttp.ClientSession() as client,
            client.ws_connect(f"ws://127.0.0.1:{port}/ws?width=120&height=40") as websocket,
        ):
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not drawn_enough(visible(seen)):
                try:
                    message = await websocket.receive(timeout=5)
                except TimeoutError:
                    continue
                if message.type == aiohttp.WSMsgType.BINARY:
                    seen += message.data
                elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                    break
        return visible(seen)

    drawn = asyncio.run(session())
    assert "Unread only" in drawn, drawn[-1500:]
    # The demo library is what it shows: its feeds are listed by name.
    assert any(name in drawn for name in names), drawn[-1500:]


def test_serving_beyond_this_machine_warns(db_path: Path, tmp_path: Path) -> None:
    """Any other address than loopback is said out loud (the library is readable by whoever reaches it)."""
    port = free_port()
    process = subprocess.Popen(
        [*reader_command(), "--db", str(db_path), "serve", "--host", "0.0.0.0", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.5)
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=10)
    assert "anyone who can reach it" in err
