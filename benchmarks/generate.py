"""Build a large, realistic reader library for the benchmarks.

The library holds ~200 feeds (``--feeds``) of uneven size, articles with 5-12 word titles
and 1-3 KB Markdown bodies (plus the matching HTML an import would keep),
dates spread over three years, ~30% read, ~2% starred, and comment threads
(1-60 comments, replies nested up to 8 deep) on ~20% of the articles.

Everything goes through the real store: each batch of articles is an
:class:`~reader.models.ImportBatch` stored with :meth:`Store.store_batch` in
one transaction, exactly as an import does; read and starred state is set
with :meth:`Store.mark`. A fixed seed makes every run build the same library.

    python benchmarks/generate.py --articles 100000 --db benchmarks/bench.db
"""

from __future__ import annotations

import argparse
import calendar
import itertools
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reader.models import ArticleData, CommentData, FeedData, ImportBatch
from reader.store import Store
from reader.text.render import html_to_text

DEFAULT_DB = Path(__file__).resolve().with_name("bench.db")
DEFAULT_ARTICLES = 100_000
DEFAULT_SEED = 20261124
BATCH_SIZE = 1000
FEED_COUNT = 200
READ_SHARE = 0.30
STARRED_SHARE = 0.02
THREAD_SHARE = 0.20
MAX_COMMENTS = 60
MAX_DEPTH = 8
#: The newest article date (fixed, so runs are reproducible) and the span back from it.
LATEST = calendar.timegm((2026, 11, 1, 0, 0, 0, 0, 0, 0))
SPAN = 3 * 365 * 24 * 3600


def _word_list(text: str) -> list[str]:
    """The distinct words of ``text``, in order."""
    return list(dict.fromkeys(text.split()))


#: Word ranks follow a Zipf law in list order: function words first, then content words.
WORDS = _word_list(
    """
the of and to a in is that for it with as was on be by this are at from or an but not have has
which they we can more one all their will about new into than its when also only other some these
most after over there been would could what first people time year system data work new city
world report team open public market project water energy music design policy health research
school service night country power study change court book price game story support industry
software network history family street season plan growth model language council film river
garden bridge island forest village harbour station library museum theatre kitchen window
machine engine battery circuit signal sensor camera screen server browser kernel compiler
database protocol archive release version update feature problem question answer reason method
process result effect value level number series record account budget decision election
government minister committee agency office company business customer product supply chain
source code climate weather summer winter spring autumn morning evening weekend holiday
journey travel transport railway airport highway traffic vehicle bicycle driver passenger
student teacher lesson course degree science physics biology chemistry planet galaxy telescope
satellite rocket mission orbit ocean coast mountain valley desert field farm harvest crop soil
animal bird insect species habitat nature landscape painting gallery artist novel poem author
editor reader letter article column interview review festival concert album singer guitar piano
orchestra stadium player coach league match goal trophy champion record medal athlete runner
doctor nurse hospital patient treatment vaccine disease medicine clinic therapy diet exercise
sleep memory brain signal theory evidence experiment sample measure survey analysis estimate
trend pattern cycle pressure temperature storm flood drought fire smoke dust wind rain snow
cloud sunlight shadow colour surface structure material steel timber concrete glass stone
brick copper silver gold metal plastic paper fabric cotton wool leather rubber engine motor
pump valve pipe cable wire tower crane factory warehouse workshop studio laboratory office
market shop bakery restaurant cafe menu recipe bread cheese coffee tea wine fruit vegetable
apple orange lemon tomato potato onion garlic pepper salt sugar honey butter cream rice pasta
careful quiet bright early late simple complex modern ancient local global rural urban public
private careful steady rapid gradual sudden strange familiar common rare useful practical
ordinary curious honest clever gentle brave patient eager anxious certain likely possible
important different recent current final initial central northern southern eastern western
explain describe discuss consider suggest propose compare measure observe collect publish
announce confirm reject approve require include remain become develop improve reduce increase
protect prepare organise connect compile install deploy configure migrate restore replace
transform translate transmit navigate negotiate calculate celebrate investigate illustrate
architecture architect archival archipelago transparency transparent transition transistor
"""
)

#: Words injected into ~1% of articles only, so a search for one finds a few dozen.
RARE_WORDS = _word_list(
    """
zeppelin quokka marzipan obsidian kumquat narwhal theremin gazebo sextant origami bagpipe
walrus tangerine cormorant dulcimer basilisk anemone tapioca harpsichord ziggurat
"""
)

#: Fixed phrases sprinkled into paragraphs, so phrase searches have something to find.
PHRASES = ["supply chain", "open source", "climate change", "public transport", "machine learning", "power station"]

FIRST_NAMES = _word_list(
    """
Ada Alan Amara Anika Bea Bruno Carmen Chen Dara Elif Emil Farah Felix Greta Hana Ines Ivan Jonas
Kai Lena Leo Mara Milan Nadia Noor Omar Paula Priya Rafael Rosa Sami Tara Theo Uma Vera Yusuf Zoe
"""
)
LAST_NAMES = _word_list(
    """
Abbott Bakker Castillo Dalton Ekström Fischer Garcia Haddad Iwata Jensen Kowalski Larsen Moreau
Nakamura Okafor Petrov Quinn Romano Sato Tanaka Ulrich Varga Weber Xu Yilmaz Zimmermann
"""
)
TAGS = ["news", "tech", "science", "culture", "sport", "food", "travel", "Tech/Linux", "Local", "Blogs"]
FEED_NAMES = ["Weekly", "Daily", "Journal", "Review", "Notes", "Gazette", "Digest", "Blog", "Times", "Dispatch"]

#: (markdown, html) renderings of one piece of text.
Piece = tuple[str, str]


class TextMaker:
    """Deterministic English-looking text from :data:`WORDS` (Zipf-distributed)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._cum_weights = list(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))
        # Titles skip the function words at the top of the list.
        self._title_words = WORDS[60:]

    def words(self, count: int) -> list[str]:
        """``count`` words drawn by frequency."""
        return self.rng.choices(WORDS, cum_weights=self._cum_weights, k=count)

    def title(self) -> str:
        """A 5-12 word headline."""
        words = self.rng.sample(self._title_words, self.rng.randint(5, 12))
        return " ".join(word.capitalize() for word in words)

    def name(self) -> str:
        """A person's name."""
        return f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"

    def sentence(self) -> list[Piece]:
        """One sentence as pieces, with the odd comma, emphasis or stock phrase."""
        words = self.words(self.rng.randint(6, 20))
        if self.rng.random() < 0.03:
            words[self.rng.randrange(len(words))] = self.rng.choice(PHRASES)
        words[0] = words[0].capitalize()
        pieces = [(word, word) for word in words]
        if len(pieces) > 8 and self.rng.random() < 0.3:
            i = self.rng.randrange(3, len(pieces) - 3)
            pieces[i] = (pieces[i][0] + ",", pieces[i][1] + ",")
        if self.rng.random() < 0.15:
            i = self.rng.randrange(1, len(pieces))
            pieces[i] = (f"*{words[i]}*", f"<em>{words[i]}</em>")
        last = pieces[-1]
        pieces[-1] = (last[0] + ".", last[1] + ".")
        return pieces

    def link(self) -> Piece:
        """An inline link with a two or three word label."""
        label = " ".join(self.words(self.rng.randint(2, 3)))
        slug = "-".join(self.words(3))
        url = f"https://{self.rng.choice(WORDS[60:])}.example.net/{slug}"
        return f"[{label}]({url})", f'<a href="{url}">{label}</a>'

    def paragraph(self, link_chance: float = 0.3) -> Piece:
        """A paragraph of 2-6 sentences, sometimes with a link."""
        pieces = [piece for _ in range(self.rng.randint(2, 6)) for piece in self.sentence()]
        if self.rng.random() < link_chance:
            pieces.insert(self.rng.randrange(len(pieces)), self.link())
        markdown = " ".join(md for md, _ in pieces)
        html = " ".join(h for _, h in pieces)
        return markdown, f"<p>{html}</p>"

    def body(self, min_chars: int, *, link_chance: float = 0.3, rare_chance: float = 0.0) -> Piece:
        """Markdown and HTML paragraphs (with the odd heading and list) of at least ``min_chars``."""
        blocks: list[Piece] = []
        size = 0
        while size < min_chars:
            roll = self.rng.random()
            if blocks and roll < 0.08:
                heading = " ".join(self.words(self.rng.randint(2, 5))).capitalize()
                block = (f"## {heading}", f"<h2>{heading}</h2>")
            elif blocks and roll < 0.14:
                items = [" ".join(self.words(self.rng.randint(3, 8))) for _ in range(self.rng.randint(2, 5))]
                block = (
                    "\n".join(f"* {item}" for item in items),
                    "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>",
                )
            else:
                block = self.paragraph(link_chance)
            blocks.append(block)
            size += len(block[0]) + 2
        if self.rng.random() < rare_chance:
            word = self.rng.choice(RARE_WORDS)
            blocks.append((f"See also: {word}.", f"<p>See also: {word}.</p>"))
        return "\n\n".join(md for md, _ in blocks), "".join(h for _, h in blocks)


@dataclass
class Summary:
    """What building the library took."""

    articles: int = 0
    comments: int = 0
    read: int = 0
    starred: int = 0
    make_seconds: float = 0.0
    store_seconds: float = 0.0
    mark_seconds: float = 0.0
    batch_seconds: list[float] = field(default_factory=list)


def make_feeds(rng: random.Random, count: int) -> tuple[list[FeedData], list[float]]:
    """``count`` feeds and their relative activity (a few busy feeds, many quiet ones)."""
    feeds = []
    for number in range(count):
        first, second = rng.sample(WORDS[60:], 2)
        site = f"https://{first}-{second}-{number}.example.org"
        feeds.append(
            FeedData(
                key=f"{site}/feed.xml",
                url=f"{site}/feed.xml",
                title=f"{first.capitalize()} {second.capitalize()} {rng.choice(FEED_NAMES)}",
                site_url=site,
                kind="feed",
                tags=rng.sample(TAGS, rng.choice([0, 1, 1, 2])),
            )
        )
    weights = [rng.lognormvariate(0, 1.2) for _ in feeds]
    return feeds, list(itertools.accumulate(weights))


def make_thread(maker: TextMaker, article_guid: str, published: int) -> list[CommentData]:
    """A comment thread in source order: parents before replies, at most :data:`MAX_DEPTH` deep."""
    rng = maker.rng
    count = min(MAX_COMMENTS, 1 + int(rng.expovariate(1 / 9)))
    comments: list[CommentData] = []
    parents: list[int | None] = []
    depths: list[int] = []
    when = published
    for number in range(count):
        parent: int | None = None
        if comments and rng.random() > 0.3:
            # Usually answer the latest comment (which builds deep chains), else any earlier one.
            parent = len(comments) - 1 if rng.random() < 0.6 else rng.randrange(len(comments))
            while depths[parent] >= MAX_DEPTH - 1:
                parent = parents[parent]
                assert parent is not None  # a comment that deep always has a parent
        when += rng.randint(30, 3 * 3600)
        text, html = maker.body(rng.randint(60, 600), link_chance=0.05)
        comments.append(
            CommentData(
                guid=f"{article_guid}#comment-{number}",
                author=f"{rng.choice(WORDS[60:])}{rng.randint(1, 999)}",
                text=text,
                parent_guid=comments[parent].guid if parent is not None else None,
                published=when,
                html=html,
                url=f"{article_guid}#comment-{number}",
            )
        )
        parents.append(parent)
        depths.append(depths[parent] + 1 if parent is not None else 0)
    return comments


def make_article(maker: TextMaker, feed: FeedData, number: int, published: int) -> ArticleData:
    """One article of ``feed``, with a comment thread on :data:`THREAD_SHARE` of them."""
    rng = maker.rng
    title = maker.title()
    slug = "-".join(title.lower().split()[:6])
    url = f"{feed.site_url}/{time.strftime('%Y/%m', time.gmtime(published))}/{slug}-{number}"
    _markdown, html = maker.body(rng.randint(1000, 3000), rare_chance=0.01)
    comments = make_thread(maker, url, published) if rng.random() < THREAD_SHARE else []
    return ArticleData(
        guid=url,
        title=title,
        # Stored as an import stores it: plain text for search, Markdown made on reading.
        text=html_to_text(html),
        html=html,
        url=url,
        author=maker.name(),
        published=published,
        comments_url=f"{url}#comments" if comments else None,
        declared_comment_count=len(comments) if comments else None,
        comments=comments,
    )


def build(
    path: Path,
    articles: int,
    *,
    seed: int = DEFAULT_SEED,
    batch_size: int = BATCH_SIZE,
    feeds: int = FEED_COUNT,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Create the library at ``path`` (which must not exist yet) and fill it.

    ``feeds`` feeds share the articles (Zipf-like activity); the default
    :data:`FEED_COUNT` gives the library every earlier run built.
    """
    rng = random.Random(seed)
    maker = TextMaker(rng)
    subscribed, feed_weights = make_feeds(rng, feeds)
    # Sorted, so article ids grow with dates as they do when feeds are imported over time.
    dates = sorted(rng.randrange(LATEST - SPAN, LATEST) for _ in range(articles))
    summary = Summary()
    with Store(path) as store:
        for start in range(0, articles, batch_size):
            began = time.perf_counter()
            # Subscribe to every feed up front, as an OPML import would.
            batch = ImportBatch(kind="feed", feeds=subscribed if start == 0 else [])
            to_read: list[str] = []
            to_star: list[str] = []
            end = min(start + batch_size, articles)
            for number in range(start, end):
                feed = rng.choices(subscribed, cum_weights=feed_weights)[0]
                article = make_article(maker, feed, number, dates[number])
                batch.articles.append((feed, article))
                if rng.random() < READ_SHARE:
                    to_read.append(article.guid)
                if rng.random() < STARRED_SHARE:
                    to_star.append(article.guid)
            made = time.perf_counter()
            stats = store.store_batch(batch, now=dates[end - 1])
            stored = time.perf_counter()
            store.mark(_ids(store, to_read), read=True)
            store.mark(_ids(store, to_star), starred=True)
            marked = time.perf_counter()

            summary.articles += stats.articles_added
            summary.comments += stats.comments_added
            summary.read += len(to_read)
            summary.starred += len(to_star)
            summary.make_seconds += made - began
            summary.store_seconds += stored - made
            summary.mark_seconds += marked - stored
            summary.batch_seconds.append(stored - made)
            if progress is not None:
                rate = len(batch.articles) / (stored - made)
                progress(f"{summary.articles:>8} articles  {summary.comments:>8} comments  store_batch {rate:,.0f}/s")
    return summary


def _ids(store: Store, guids: list[str]) -> list[int]:
    return [article_id for guid in guids if (article_id := store.find_article(guid)) is not None]


def remove_database(path: Path) -> None:
    """Delete a database file with its WAL and shared-memory files."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--articles", type=int, default=DEFAULT_ARTICLES, help="number of articles (default %(default)s)"
    )
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help="database to create (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--feeds", type=int, default=FEED_COUNT, help="number of feeds (default %(default)s)")
    parser.add_argument(
        "--batch-size", type=int, default=BATCH_SIZE, help="articles per transaction (default %(default)s)"
    )
    parser.add_argument("--force", action="store_true", help="replace the database if it exists")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    if args.articles < 1 or args.batch_size < 1 or args.feeds < 1:
        parser.error("--articles, --batch-size and --feeds must be positive")
    if args.db.exists():
        if not args.force:
            parser.error(f"{args.db} exists; pass --force to replace it")
        remove_database(args.db)

    began = time.perf_counter()
    summary = build(
        args.db,
        args.articles,
        seed=args.seed,
        batch_size=args.batch_size,
        feeds=args.feeds,
        progress=None if args.quiet else lambda line: print(line, flush=True),
    )
    elapsed = time.perf_counter() - began
    size = sum(
        Path(f"{args.db}{suffix}").stat().st_size for suffix in ("", "-wal") if Path(f"{args.db}{suffix}").exists()
    )
    batches = sorted(summary.batch_seconds)
    print(
        f"built {args.db}: {summary.articles} articles, {summary.comments} comments, "
        f"{summary.read} read, {summary.starred} starred, {size / 2**20:.0f} MiB\n"
        f"total {elapsed:.1f} s: text generation {summary.make_seconds:.1f} s, "
        f"store_batch {summary.store_seconds:.1f} s ({summary.articles / summary.store_seconds:,.0f} articles/s, "
        f"median batch of {args.batch_size} {batches[len(batches) // 2] * 1000:.0f} ms), "
        f"mark {summary.mark_seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
