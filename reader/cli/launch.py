"""The full-screen reader (``reader tui``), in a browser (``reader serve``), and ``reader demo``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from reader.cli import output
from reader.cli.base import Context, interactive, pass_context, run_tui, say, say_created, terminal_width
from reader.cli.root import cli
from reader.service.reading import read_article
from reader.store import Store


@cli.command("tui")
@pass_context
def tui_command(state: Context) -> None:
    """Open the full-screen reader (what `reader` alone does on a terminal)."""
    run_tui(state.db_path, state.config)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@pass_context
def serve_command(state: Context, host: str, port: int) -> None:
    """Serve the reader to a web browser (textual-serve), on this machine only by default."""
    from reader.tui.app import serve

    if host not in ("127.0.0.1", "localhost", "::1"):
        say(
            f"reader: warning: serving on {host}: anyone who can reach it can read and mark your library",
            err=True,
        )
    serve(state.db_path, host, port)


# -- demo -------------------------------------------------------------------


@cli.command("demo")
@click.option(
    "--keep",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the demo library in this file instead of a throwaway one.",
)
@click.option(
    "--screenshot",
    type=click.Path(dir_okay=False, path_type=Path),
    hidden=True,
    help="Save an SVG of the reader on the demo library (for the README) instead of opening it.",
)
@pass_context
def demo_command(state: Context, keep: Path | None, screenshot: Path | None) -> None:
    """Load the demo articles into a throwaway library and show them."""
    from reader.service.demo import load_demo

    with tempfile.TemporaryDirectory(prefix="reader-demo-") as folder:
        path = keep or Path(folder) / "demo.db"
        new_library = keep is not None and not keep.exists()
        store = Store(path)
        if new_library:
            say_created(path)  # before the reader opens: it is there again once the reader closes
        try:
            load_demo(store)
            if screenshot is not None:
                store.close()
                from reader.tui.app import save_screenshot

                # The discussion article (second in the list), then its comments.
                save_screenshot(path, screenshot, keys=["j", "enter", "tab"])
                say(f"saved {screenshot}")
                return
            open_demo(store, path, kept=keep is not None)
        finally:
            store.close()


#: Said once the demo closes: the next step, with the demo's library gone.
START_FOR_REAL = "That was the demo. To start for real: reader add URL, or reader import FILE"


def open_demo(store: Store, path: Path, kept: bool) -> None:
    """Open the reader on the demo library (at a terminal), else print it."""
    if interactive():
        store.close()
        run_tui(path)
        if not kept:
            say(START_FOR_REAL)
        return
    rows = store.list_articles(limit=20)
    welcome = next((r for r in rows if r.title.startswith("Welcome")), rows[0])
    detail = read_article(store, welcome.id)
    assert detail is not None
    say(output.article_text(detail, width=terminal_width()))
    say("The demo library holds:")
    for row in rows:
        say(output.article_line(row))
    if kept:
        say(f"\nTry: reader --db {path} show {rows[0].id}")
    else:
        say("\nThis library is thrown away now; `reader demo --keep demo.db` keeps it to explore.")
