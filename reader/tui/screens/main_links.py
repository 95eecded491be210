"""The links of what is being read: open, copy, and the list ``L`` shows."""

from __future__ import annotations

from urllib.parse import urlsplit

from reader.models import ArticleDetail
from reader.text.sanitize import clean_line, safe_url
from reader.tui.screens.main_base import MainScreenBase
from reader.tui.widgets.article_view import article_links
from reader.tui.widgets.comment_thread import CommentThread
from reader.tui.widgets.link_list import LinkGroup

#: At most this many links are gathered from a thread (a 2,000-comment thread can hold thousands).
THREAD_LINKS_MAX = 500


def link_groups(detail: ArticleDetail, *, focused_comment: int | None = None) -> list[LinkGroup]:
    """The links ``L`` lists, grouped: the article's, its discussion page, the focused comment's, the thread's.

    Every target is a clean http(s) URL (``safe_url``) and appears once, in
    the first group that has it; labels are cleaned text.
    """
    seen: set[str] = set()

    def fresh(links: list[tuple[str, str]]) -> list[tuple[str, str]]:
        kept = [(label, url) for label, url in links if url not in seen]
        seen.update(url for _label, url in kept)
        return kept

    article = detail.article
    own = safe_url(article.url)
    groups = [
        LinkGroup("This article", fresh(([("The article itself", own)] if own else []) + article_links(detail.text)))
    ]
    discussion = safe_url(article.comments_url)
    if discussion:
        host = urlsplit(discussion).hostname or "the web"
        groups.append(LinkGroup("Discussion", fresh([(f"The discussion on {clean_line(host)}", discussion)])))
    by_id = {comment.id: comment for comment in detail.comments}
    focused = by_id.get(focused_comment) if focused_comment is not None else None
    if focused is not None:
        author = clean_line(focused.author) or "anonymous"
        permalink = safe_url(focused.url)
        links = ([(f"This comment on {urlsplit(permalink).hostname}", permalink)] if permalink else []) + article_links(
            focused.text
        )
        groups.append(LinkGroup(f"In the comment by {author}", fresh(links)))
    elsewhere: list[tuple[str, str]] = []
    for comment in detail.comments:
        if comment is focused or len(elsewhere) >= THREAD_LINKS_MAX:
            continue
        elsewhere.extend(fresh(article_links(comment.text)))
    groups.append(
        LinkGroup("In the comments" if focused is None else "Elsewhere in the comments", elsewhere[:THREAD_LINKS_MAX])
    )
    return [group for group in groups if group.links]


class LinksMixin(MainScreenBase):
    """Open or copy the article's link; list every link of the article and its comments."""

    def _current_url(self) -> str | None:
        row = self._target_row()
        return safe_url(row.url) if row is not None else None

    def action_open_link(self) -> None:
        """Open the article's link in the browser, after showing it."""
        from reader.tui.screens.link import LinkScreen

        url = self._current_url()
        if url is None:
            self.notify("This article has no web link.", severity="warning", timeout=3)
            return
        self.app.push_screen(LinkScreen(url, self.services.open_link))

    def action_copy_link(self) -> None:
        """Copy the article's link to the clipboard."""
        url = self._current_url()
        if url is None:
            self.notify("This article has no web link.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(url)
        self.notify(f"Copied {url}", timeout=3, markup=False)

    def action_links(self) -> None:
        """List the links of what is being read: the article, its discussion page, the comments."""
        from reader.tui.screens.links import LinksScreen

        detail = self.article_view.detail
        if detail is None:
            self.notify("Open an article first: L lists its links.", timeout=2)
            return
        groups = link_groups(
            detail,
            focused_comment=self.comment_thread.focused_comment if isinstance(self.focused, CommentThread) else None,
        )
        if not any(group.links for group in groups):
            self.notify("No links in this article or its comments.", timeout=2)
            return
        self.app.push_screen(LinksScreen(groups, self.services.open_link))
