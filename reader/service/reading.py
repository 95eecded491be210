"""Reading one article as people read it: its body as Markdown, made from the stored HTML.

The store keeps HTML and plain text and renders nothing: Markdown needs
html2text and nh3, which a command that only lists titles (or ``reader
--help``) should not load. ``reader show``, ``reader export markdown`` and the
demo read articles through here; the reader renders the same way in its own
worker, in stages (the first screen from the start of the HTML, then all).
"""

from __future__ import annotations

from dataclasses import replace

from reader.models import ArticleDetail
from reader.store import Store


def read_article(store: Store, article_id: int) -> ArticleDetail | None:
    """One article with its thread, its ``text`` the Markdown readers see; None when there is none."""
    from reader.text.render import readable_markdown

    detail = store.article(article_id)
    if detail is None:
        return None
    return replace(detail, text=readable_markdown(detail.html, detail.text, detail.article.url))
