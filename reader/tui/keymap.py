"""Every key binding of the reader, by area, in one registry: what the config's ``[keys]`` may rebind.

The app applies the config's keys from here and the help screen lists them
from here; neither reaches into another widget's class or into Textual's
private state for them. Each binding has an id (``reader.search``,
``article.next-link``), which is the name users write in ``[keys]``.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

#: The app's own keys (ReaderApp.BINDINGS): they work on every screen.
APP_BINDINGS: list[BindingType] = [
    Binding("q", "quit", "Quit", id="app.quit"),
    Binding("question_mark", "help", "Keys", id="app.help"),
    # Priority: Textual's own screen binds tab to "next widget", which skips
    # hidden panes; the main screen's cycle also brings them out.
    Binding("tab", "next_pane(1)", "Next pane", show=False, id="app.next-pane", priority=True),
    Binding("shift+tab", "next_pane(-1)", "Previous pane", show=False, id="app.previous-pane", priority=True),
]


def binding_sections() -> list[tuple[str, list[BindingType]]]:
    """Every binding of the reader, by area, as the help screen lists them."""
    from reader.tui.screens.main import MainScreen
    from reader.tui.widgets.article_list import ArticleList
    from reader.tui.widgets.article_view import ArticleView
    from reader.tui.widgets.comment_thread import CommentThread
    from reader.tui.widgets.feed_list import FeedList

    # Ordered so the three columns come out about the same height.
    return [
        ("Everywhere", [*APP_BINDINGS, Binding("ctrl+p", "command_palette", "All actions by name")]),
        ("Reading", list(MainScreen.BINDINGS)),
        ("Article list", list(ArticleList.BINDINGS)),
        ("Article", list(ArticleView.BINDINGS)),
        ("Comments", list(CommentThread.BINDINGS)),
        ("Feeds", list(FeedList.BINDINGS)),
    ]


def binding_ids() -> set[str]:
    """Every binding id the config's [keys] can rebind."""
    return {
        binding.id
        for _section, bindings in binding_sections()
        for binding in bindings
        if isinstance(binding, Binding) and binding.id
    }
