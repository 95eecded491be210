"""A loopback feed server for the fetch benchmark (standard library only).

It serves ``--feeds`` feeds of ``--items`` items each (500 × 50 = 25,000
articles by default), made up front from a fixed seed so every run serves
the same bytes:

* four feeds in five are RSS 2.0 (half with the HTML escaped in
  ``<description>``, half with a short description and the full HTML in a
  CDATA ``<content:encoded>``, as WordPress writes them); one in five is
  Atom 1.0 with escaped ``type="html"`` content;
* each item's HTML is 2-4 KB: paragraphs with links, emphasis, bold and
  inline code, headings, bulleted and numbered lists, block quotes and the odd
  code block, with typographic punctuation and a few accented names;
* every answer carries a strong ``ETag`` and a ``Last-Modified``; a request
  whose ``If-None-Match`` matches (or, without one, whose
  ``If-Modified-Since`` is not older) gets ``304 Not Modified``;
* ``Accept-Encoding: gzip`` gets the body gzipped (compressed at start-up,
  with its own ETag, as Apache and nginx do);
* ``--latency-ms`` sleeps that long before each answer, in the request's own
  task, so other requests go on meanwhile.

One asyncio loop serves every connection (HTTP/1.1 keep-alive). It binds to
127.0.0.1 only, or with ``--hosts K`` to 127.0.0.1 … 127.0.0.K on the same
port (all loopback, for clients that limit connections per host name).

    python benchmarks/feedserver.py --port 8080 --feeds 500 --latency-ms 50

Paths: ``/feeds/<n>.xml`` (RSS) or ``/feeds/<n>.atom`` (Atom), ``/opml`` (every
feed), and ``/_stats`` (counters as JSON, for the benchmark to check what a
client asked for). Once listening it prints one JSON line on stdout:
``{"port": ..., "hosts": [...], "feeds": ..., "items": ..., "bytes": ...}``.
"""

from __future__ import annotations

import argparse
import asyncio
import calendar
import concurrent.futures
import contextlib
import email.utils
import functools
import gzip
import hashlib
import itertools
import json
import os
import random
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

DEFAULT_FEEDS = 500
DEFAULT_ITEMS = 50
DEFAULT_SEED = 20261124
#: The newest item of feed 0 (fixed, so the bytes and the ETags never change).
NEWEST = calendar.timegm((2026, 11, 24, 6, 0, 0, 0, 0, 0))
#: Every fifth feed is Atom; of the RSS feeds, the odd ones put the HTML in content:encoded.
ATOM_EVERY = 5


def _words(text: str) -> list[str]:
    return text.split()


WORDS = _words(
    """
the of and to a in is that for it with as was on be by this are at from or an but not have has which they
we can more one all their will about new into than its when also only other some these most after over
there been would could what first people time year system data work city world report team open public
market project water energy music design policy health research school service night country power study
change court book price game story support industry software network history family street season plan
growth model language council film river garden bridge island forest village harbour station library
museum theatre kitchen window machine engine battery circuit signal sensor camera screen server browser
kernel compiler database protocol archive release version update feature problem question answer reason
method process result effect value level number series record account budget decision election
government minister committee agency office company business customer product source code climate
weather summer winter spring autumn morning evening weekend holiday journey travel transport railway
airport highway traffic vehicle bicycle driver passenger student teacher lesson course degree science
physics biology chemistry planet galaxy telescope satellite rocket mission orbit ocean coast mountain
valley desert field farm harvest crop soil animal bird insect species habitat nature landscape painting
gallery artist novel poem author editor reader letter article column interview review festival concert
album singer guitar piano orchestra stadium player coach league match goal trophy champion medal athlete
doctor nurse hospital patient treatment vaccine disease medicine clinic therapy diet exercise sleep
memory brain theory evidence experiment sample measure survey analysis estimate trend pattern cycle
pressure temperature storm flood drought fire smoke dust wind rain snow cloud sunlight shadow colour
surface structure material steel timber concrete glass stone brick copper silver gold metal plastic
paper fabric cotton wool leather rubber motor pump valve pipe cable wire tower crane factory warehouse
workshop studio laboratory shop bakery restaurant cafe menu recipe bread cheese coffee tea wine fruit
careful quiet bright early late simple complex modern ancient local global rural urban private steady
rapid gradual sudden strange familiar common rare useful practical ordinary curious honest clever gentle
important different recent current final initial central northern southern eastern western explain
describe discuss consider suggest propose compare observe collect publish announce confirm reject
approve require include remain become develop improve reduce increase protect prepare organise connect
compile install deploy configure migrate restore replace transform translate navigate calculate
"""
)
CONTENT_WORDS = WORDS[60:]
NAMES = _words(
    """Ada Alan Amara Anika Bea Bruno Carmen Chen Dara Elif Émile Farah Felix Greta Hana Inês Ivan Jonas
Kai Lena Leo Mara Milan Nadia Noor Omar Paula Priya Rafael Rosa Sami Tara Théo Uma Vera Yusuf Zoë"""
)
SURNAMES = _words(
    """Abbott Bakker Castillo Dalton Ekström Fischer García Haddad Iwata Jensen Kowalski Larsen Moreau
Nakamura Okafor Petrov Quinn Romano Sato Tanaka Ulrich Varga Weber Xu Yılmaz Zimmermann"""
)
CATEGORIES = ["News", "Tech", "Science", "Culture", "Sport", "Food", "Travel", "Linux", "Local", "Opinion"]
SNIPPETS = ["make install", "git rebase -i", "SELECT count(*)", "--dry-run", "O(n log n)", "pip install", "tail -f"]


class TextMaker:
    """Deterministic English-looking HTML from :data:`WORDS` (Zipf-distributed)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._cum = list(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))

    def words(self, count: int) -> list[str]:
        return self.rng.choices(WORDS, cum_weights=self._cum, k=count)

    def title(self) -> str:
        words = self.rng.sample(CONTENT_WORDS, self.rng.randint(4, 11))
        title = " ".join(word.capitalize() for word in words)
        roll = self.rng.random()
        if roll < 0.05:
            title += ": Q&A"
        elif roll < 0.10:
            title = f"“{title}”"
        elif roll < 0.14:
            title += " — part 2"
        return title

    def name(self) -> str:
        return f"{self.rng.choice(NAMES)} {self.rng.choice(SURNAMES)}"

    def url(self) -> str:
        slug = "-".join(self.words(3))
        return f"https://{self.rng.choice(CONTENT_WORDS)}.example.net/{self.rng.randint(2019, 2026)}/{slug}"

    def sentence(self) -> str:
        words = self.words(self.rng.randint(6, 22))
        words[0] = words[0].capitalize()
        roll = self.rng.random()
        i = self.rng.randrange(1, len(words))
        if roll < 0.12:
            words[i] = f"<em>{words[i]}</em>"
        elif roll < 0.18:
            words[i] = f"<strong>{words[i]} {self.rng.choice(CONTENT_WORDS)}</strong>"
        elif roll < 0.30:
            label = " ".join(self.words(self.rng.randint(1, 4)))
            words[i] = f'<a href="{self.url()}">{label}</a>'
        elif roll < 0.33:
            words[i] = f"<code>{escape(self.rng.choice(SNIPPETS))}</code>"
        elif roll < 0.37:
            words[i] = f"{words[i]} &amp; {self.rng.choice(CONTENT_WORDS)}"
        elif roll < 0.42:
            words[i] = f"“{words[i]}”"
        if len(words) > 9 and self.rng.random() < 0.3:
            j = self.rng.randrange(3, len(words) - 3)
            words[j] += self.rng.choice([",", ",", " —", ";"])
        return " ".join(words) + self.rng.choice([".", ".", ".", ".", "?", "!", "…"])

    def paragraph(self) -> str:
        return "<p>" + " ".join(self.sentence() for _ in range(self.rng.randint(1, 5))) + "</p>"

    def block(self, first: bool) -> str:
        roll = self.rng.random()
        if first or roll < 0.62:
            return self.paragraph()
        if roll < 0.70:
            level = self.rng.choice([2, 2, 3])
            return f"<h{level}>{' '.join(self.words(self.rng.randint(2, 6))).capitalize()}</h{level}>"
        if roll < 0.80:
            tag = self.rng.choice(["ul", "ul", "ol"])
            items = []
            for _ in range(self.rng.randint(2, 6)):
                text = " ".join(self.words(self.rng.randint(3, 10)))
                if self.rng.random() < 0.25:
                    text = f'<a href="{self.url()}">{text}</a>'
                items.append(f"<li>{text}</li>")
            return f"<{tag}>{''.join(items)}</{tag}>"
        if roll < 0.90:
            quote = " ".join(self.sentence() for _ in range(self.rng.randint(1, 3)))
            return f"<blockquote><p>{quote}</p><p>— {self.name()}</p></blockquote>"
        if roll < 0.95:
            lines = [f"$ {self.rng.choice(SNIPPETS)} {self.rng.choice(CONTENT_WORDS)}" for _ in range(3)]
            return "<pre><code>" + escape("\n".join(lines)) + "</code></pre>"
        return f'<p><a href="{self.url()}">Read the full {self.rng.choice(CONTENT_WORDS)} story</a></p>'

    def body(self) -> str:
        """2-4 KB of HTML."""
        target = self.rng.randint(2048, 3700)
        blocks: list[str] = []
        size = 0
        while size < target:
            block = self.block(not blocks)
            if blocks and size + len(block) > 4096:
                continue
            blocks.append(block)
            size += len(block)
        return "".join(blocks)


@dataclass
class Feed:
    """One feed's bytes, plain and gzipped, with its validators."""

    path: str
    content_type: str
    body: bytes
    gzipped: bytes
    etag: str
    gzip_etag: str
    last_modified: str
    modified_epoch: int
    body_sizes: list[int] = field(default_factory=list)


def feed_path(number: int) -> str:
    """The path of feed ``number`` on the server."""
    return f"/feeds/{number}.atom" if number % ATOM_EVERY == ATOM_EVERY - 1 else f"/feeds/{number}.xml"


def feed_urls(port: int, feeds: int, hosts: int = 1) -> list[str]:
    """Every feed's URL, spread round-robin over 127.0.0.1 … 127.0.0.<hosts>."""
    return [f"http://127.0.0.{1 + number % hosts}:{port}{feed_path(number)}" for number in range(feeds)]


def opml(urls: list[str]) -> str:
    """An OPML subscription list of ``urls``, in two folders."""
    outlines = []
    for number, url in enumerate(urls):
        folder = "Daily" if number % 3 else "Weekly"
        outlines.append((folder, f'<outline type="rss" text="Feed {number}" xmlUrl={quoteattr(url)}/>'))
    body = []
    for folder in ("Daily", "Weekly"):
        body.append(f'    <outline text="{folder}">')
        body.extend(f"      {line}" for name, line in outlines if name == folder)
        body.append("    </outline>")
    lines = "\n".join(body)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">\n  <head><title>Benchmark feeds</title></head>\n'
        f"  <body>\n{lines}\n  </body>\n</opml>\n"
    )


def make_feed(number: int, items: int = DEFAULT_ITEMS, seed: int = DEFAULT_SEED) -> Feed:
    """Feed ``number``: the same bytes for the same arguments, whatever else is served."""
    rng = random.Random(f"{seed}-{number}")
    maker = TextMaker(rng)
    site = f"https://{rng.choice(CONTENT_WORDS)}-{rng.choice(CONTENT_WORDS)}-{number}.example.org"
    newest = NEWEST - number * 397
    when = newest
    entries = []
    sizes = []
    atom = number % ATOM_EVERY == ATOM_EVERY - 1
    encoded = not atom and number % 2 == 1
    for index in range(items):
        title = maker.title()
        slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:5])
        link = f"{site}/{time.strftime('%Y/%m', time.gmtime(when))}/{slug}-{index}"
        html = maker.body()
        sizes.append(len(html.encode()))
        author = maker.name()
        categories = rng.sample(CATEGORIES, rng.choice([0, 1, 1, 2, 3]))
        if atom:
            cats = "".join(f'<category term="{c}"/>' for c in categories)
            entries.append(
                f"""  <entry>
    <title type="html">{escape(escape(title))}</title>
    <link rel="alternate" type="text/html" href="{link}"/>
    <id>tag:{site[8:]},2026:{number}-{index}</id>
    <published>{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when))}</published>
    <updated>{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when + rng.randint(0, 7200)))}</updated>
    <author><name>{escape(author)}</name></author>
    {cats}
    <content type="html">{escape(html)}</content>
  </entry>
"""
            )
        else:
            cats = "".join(f"<category>{c}</category>" for c in categories)
            if encoded:
                summary = html.split("</p>", 1)[0].removeprefix("<p>")
                text = f"<description>{escape(summary[:300])}</description>\n"
                text += f"      <content:encoded><![CDATA[{html}]]></content:encoded>"
            else:
                text = f"<description>{escape(html)}</description>"
            guid = (
                f'<guid isPermaLink="true">{link}</guid>'
                if index % 7
                else f'<guid isPermaLink="false">{number}-{index}</guid>'
            )
            entries.append(
                f"""    <item>
      <title>{escape(title)}</title>
      <link>{link}</link>
      {guid}
      <pubDate>{email.utils.formatdate(when, usegmt=True)}</pubDate>
      <dc:creator>{escape(author)}</dc:creator>
      {cats}
      <comments>{link}#comments</comments>
      {text}
    </item>
"""
            )
        when -= rng.randint(1800, 36 * 3600)
    feed_title = escape(f"{maker.title()} {rng.choice(['Weekly', 'Daily', 'Journal', 'Notes', 'Dispatch'])}")
    if atom:
        document = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>{feed_title}</title>
  <subtitle>{escape(" ".join(maker.words(10)))}</subtitle>
  <link rel="alternate" type="text/html" href="{site}/"/>
  <link rel="self" type="application/atom+xml" href="{site}/feed.atom"/>
  <id>{site}/</id>
  <updated>{time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(newest))}</updated>
  <generator>feedserver</generator>
{"".join(entries)}</feed>
"""
        content_type = "application/atom+xml; charset=utf-8"
    else:
        document = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{feed_title}</title>
    <link>{site}/</link>
    <atom:link href="{site}/feed.xml" rel="self" type="application/rss+xml"/>
    <description>{escape(" ".join(maker.words(12)))}</description>
    <language>en</language>
    <lastBuildDate>{email.utils.formatdate(newest, usegmt=True)}</lastBuildDate>
    <generator>feedserver</generator>
{"".join(entries)}  </channel>
</rss>
"""
        content_type = "application/rss+xml; charset=utf-8"
    body = document.encode("utf-8")
    digest = hashlib.sha1(body).hexdigest()[:20]
    return Feed(
        path=feed_path(number),
        content_type=content_type,
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=f'"{digest}"',
        gzip_etag=f'"{digest}-gzip"',
        last_modified=email.utils.formatdate(newest, usegmt=True),
        modified_epoch=newest,
        body_sizes=sizes,
    )


@dataclass
class Stats:
    """What the server answered (``/_stats``)."""

    requests: int = 0
    status: dict[str, int] = field(default_factory=dict)
    gzip: int = 0
    conditional: int = 0
    bytes_sent: int = 0
    connections: int = 0
    in_flight: int = 0
    #: Most requests being answered at once (sleeping the latency included) since the last /_stats.
    max_in_flight: int = 0
    open: int = 0
    #: Most connections open at once since the last /_stats.
    max_open: int = 0
    busy_seconds: float = 0.0

    def count(self, status: int) -> None:
        self.status[str(status)] = self.status.get(str(status), 0) + 1


def _accepts_gzip(value: str) -> bool:
    for part in value.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "x-gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


def _etag_matches(header: str, etag: str) -> bool:
    """Weak comparison of ``If-None-Match`` against ``etag`` (RFC 9110 13.1.2)."""
    if header.strip() == "*":
        return True
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in header.split(","))


def _not_modified_since(header: str, modified: int) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return modified <= since


class FeedServer:
    """Serves a dict of path → :class:`Feed` over HTTP/1.1 with keep-alive."""

    def __init__(self, feeds: dict[str, Feed], latency: float = 0.0, opml_text: str = "", log: bool = False) -> None:
        self.feeds = feeds
        self.log = log
        self.latency = latency
        self.opml = opml_text.encode()
        self.stats = Stats()

    def answer(self, method: str, target: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, headers and body for one request."""
        path = target.split("?", 1)[0]
        date = email.utils.formatdate(usegmt=True)
        common = [("Date", date), ("Server", "feedserver")]
        if method not in ("GET", "HEAD"):
            return 405, [*common, ("Allow", "GET, HEAD")], b""
        if path == "/_stats":
            body = json.dumps(self.stats.__dict__).encode()
            # The peaks restart, so that each reading covers what happened since the last one.
            self.stats.max_in_flight = self.stats.in_flight - 1
            self.stats.max_open = self.stats.open - 1
            return 200, [*common, ("Content-Type", "application/json"), ("Cache-Control", "no-store")], body
        if path == "/opml":
            return 200, [*common, ("Content-Type", "text/x-opml; charset=utf-8")], self.opml
        feed = self.feeds.get(path)
        if feed is None:
            return 404, [*common, ("Content-Type", "text/plain")], b"not found\n"
        gz = _accepts_gzip(headers.get("accept-encoding", ""))
        etag = feed.gzip_etag if gz else feed.etag
        validators = [("ETag", etag), ("Last-Modified", feed.last_modified), ("Vary", "Accept-Encoding")]
        validators.append(("Cache-Control", "max-age=0"))
        inm = headers.get("if-none-match")
        ims = headers.get("if-modified-since")
        if inm is not None or ims is not None:
            self.stats.conditional += 1
        fresh = (
            _etag_matches(inm, etag)
            if inm is not None
            else (ims is not None and _not_modified_since(ims, feed.modified_epoch))
        )
        if fresh:
            return 304, [*common, *validators], b""
        out = [*common, ("Content-Type", feed.content_type), *validators]
        if gz:
            self.stats.gzip += 1
            out.append(("Content-Encoding", "gzip"))
            return 200, out, feed.gzipped
        return 200, out, feed.body

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: requests until the client closes or asks to."""
        self.stats.connections += 1
        self.stats.open += 1
        self.stats.max_open = max(self.stats.max_open, self.stats.open)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                parts = line.decode("latin-1").split()
                if len(parts) != 3:
                    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                method, target, version = parts
                headers: dict[str, str] = {}
                while True:
                    raw = await reader.readline()
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    await reader.readexactly(length)
                if self.log:
                    conditional = {k: v for k, v in headers.items() if k.startswith("if-") or k == "accept-encoding"}
                    print(f"{method} {target} {conditional}", file=sys.stderr, flush=True)
                self.stats.requests += 1
                self.stats.in_flight += 1
                self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)
                try:
                    if self.latency:
                        await asyncio.sleep(self.latency)
                    began = time.perf_counter()
                    status, out, body = self.answer(method, target, headers)
                    self.stats.count(status)
                    connection = headers.get("connection", "").lower()
                    close = connection == "close" or (version == "HTTP/1.0" and connection != "keep-alive")
                    head = [f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}"]
                    head += [f"{k}: {v}" for k, v in out]
                    if status != 304:  # a 304's Content-Length would be the 200's (RFC 9110 8.6)
                        head.append(f"Content-Length: {len(body)}")
                    head.append("Connection: close" if close else "Connection: keep-alive")
                    data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
                    writer.write(data)
                    if method != "HEAD" and body:
                        writer.write(body)
                    self.stats.bytes_sent += len(data) + (len(body) if method != "HEAD" else 0)
                    self.stats.busy_seconds += time.perf_counter() - began
                    await writer.drain()
                finally:
                    self.stats.in_flight -= 1
                if close:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return
        finally:
            self.stats.open -= 1
            writer.close()


_REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed"}


def build_feeds(count: int, items: int, seed: int) -> dict[str, Feed]:
    """Every feed, by path (made on every core: ~40 ms of CPU per 50-item feed)."""
    make = functools.partial(make_feed, items=items, seed=seed)
    with concurrent.futures.ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        return {feed.path: feed for feed in pool.map(make, range(count), chunksize=8)}


async def serve(args: argparse.Namespace) -> None:
    began = time.perf_counter()
    feeds = build_feeds(args.feeds, args.items, args.seed)
    built = time.perf_counter() - began
    hosts = [f"127.0.0.{number}" for number in range(1, args.hosts + 1)]
    server = FeedServer(feeds, args.latency_ms / 1000, log=args.log)
    first = await asyncio.start_server(server.handle, hosts[0], args.port, backlog=1024)
    port = first.sockets[0].getsockname()[1]
    servers = [first] + [await asyncio.start_server(server.handle, h, port, backlog=1024) for h in hosts[1:]]
    server.opml = opml(feed_urls(port, args.feeds, args.hosts)).encode()
    sizes = [size for feed in feeds.values() for size in feed.body_sizes]
    print(
        json.dumps(
            {
                "port": port,
                "hosts": hosts,
                "feeds": len(feeds),
                "items": args.items,
                "latency_ms": args.latency_ms,
                "bytes": sum(len(f.body) for f in feeds.values()),
                "gzip_bytes": sum(len(f.gzipped) for f in feeds.values()),
                "item_html_bytes": [min(sizes), int(statistics.median(sizes)), max(sizes)],
                "build_seconds": round(built, 2),
            }
        ),
        flush=True,
    )
    try:
        await asyncio.gather(*(s.serve_forever() for s in servers))
    finally:
        for s in servers:
            s.close()


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one, printed on start)")
    parser.add_argument("--feeds", type=int, default=DEFAULT_FEEDS, help="number of feeds (default %(default)s)")
    parser.add_argument("--items", type=int, default=DEFAULT_ITEMS, help="items per feed (default %(default)s)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="sleep before each answer (default 0)")
    parser.add_argument("--hosts", type=int, default=1, help="listen on 127.0.0.1 … 127.0.0.N (default 1)")
    parser.add_argument("--log", action="store_true", help="print each request's line and validators on stderr")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    args = parser.parse_args(argv)
    if args.feeds < 1 or args.items < 1 or not 1 <= args.hosts <= 254 or args.latency_ms < 0:
        parser.error("--feeds and --items must be positive, --hosts 1-254, --latency-ms not negative")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
