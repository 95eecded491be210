"""The demo library: content the project wrote itself, loaded into a fresh database."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from reader.parse import import_paths
from reader.parse.plaintext import local_source
from reader.store import Store

DEMO_FILES = ("welcome.txt", "discussion.atom")


def load_demo(store: Store) -> int:
    """Import the demo articles into ``store``; returns how many articles it added."""
    folder = resources.files("reader.service") / "demo_content"
    with resources.as_file(folder) as path:
        outcomes = list(import_paths(store, [Path(path) / name for name in DEMO_FILES]))
        # The plain-text article's source is named after its folder; give it the demo's name.
        source = local_source(Path(path) / DEMO_FILES[0])
        source.title = "reader demo"
        store.add_feed(source)
    failed = [o for o in outcomes if o.error]
    if failed:
        raise RuntimeError(f"demo content failed to import: {failed[0].path.name}: {failed[0].error}")
    _discussed_elsewhere(store)
    return sum(o.stats.articles_added for o in outcomes)


#: The demo discussion is discussed a second time, elsewhere (a made-up server under example.org's
#: reserved names): the comments panel then shows two threads, as `D` or a feed's links make it.
ELSEWHERE = "https://social.example.org/@reader/114"
ELSEWHERE_COMMENTS = (
    ("social:1", "Ines", "Collapsed by default, please: I read the top-level comments first and open what looks good."),
    ("social:2", "Tomás", "The opposite for me. Press t in the comments panel to see both sides of this.", "social:1"),
    (
        "social:3",
        "Ines",
        "That is what reader does: each discussion is a thread of its own, switched with t.",
        "social:2",
    ),
)


def _discussed_elsewhere(store: Store) -> None:
    from reader.models import CommentData, ThreadRef

    article = store.find_article("urn:reader:demo:discussion")
    if article is None:
        return
    thread = store.open_thread(
        article, ThreadRef("mastodon", "114", ELSEWHERE, api="https://social.example.org"), "lookup"
    )
    published = 1_795_000_000  # 2026-11-18, before the demo's own comments
    comments = [
        CommentData(guid=guid, author=author, text=text, parent_guid=rest[0] if rest else None, published=published)
        for guid, author, text, *rest in ELSEWHERE_COMMENTS
    ]
    store.add_comments(article, comments, thread_id=thread)
