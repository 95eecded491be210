"""Telling a command of the new articles of a fetch (``notify.command``): newsboat's notify-program, bounded.

The command comes only from the user's own config file (an imported file
sets nothing); it is run without a shell, as a list of words, with the new
articles as a JSON array on its standard input: ``[{"id", "title", "feed",
"url", "author", "published", "comment_count"}]`` (``published`` in ISO 8601).
``notify.filter`` (the filter language of ``reader list --filter``) keeps only
the matching ones. It gets ``notify.timeout_seconds``: a command still
running then is stopped with everything it started (its own process group),
and the fetch goes on; a command that fails is one line, never the fetch's
failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
from collections.abc import Sequence
from pathlib import Path

from reader.config import Config
from reader.models import ArticleRow
from reader.text import dates
from reader.text.sanitize import clean_line, safe_url


def article_json(row: ArticleRow) -> dict[str, object]:
    """One new article as the notify command reads it."""
    return {
        "id": row.id,
        "title": clean_line(row.title),
        "feed": clean_line(row.feed),
        "url": safe_url(row.url),
        "author": clean_line(row.author),
        "published": dates.to_iso(row.published),
        "comment_count": row.comment_count,
    }


def notify_new(db_path: Path, config: Config, article_ids: Sequence[int]) -> str | None:
    """Run ``notify.command`` for the new ``article_ids`` that ``notify.filter`` matches; None, or what went wrong."""
    if not config.notify_command or not article_ids:
        return None
    from reader.store import Store

    with Store(db_path) as store:
        wanted = list(article_ids)
        if config.notify_filter.strip():
            try:
                wanted = store.matching_ids(wanted, config.notify_filter)
            except ValueError as error:
                return f"notify.filter: {clean_line(str(error))}"
        rows = store.articles_by_ids(wanted)
    if not rows:
        return None
    payload = json.dumps([article_json(row) for row in rows], ensure_ascii=False).encode("utf-8")
    return run_command(list(config.notify_command), payload, config.notify_timeout_seconds)


#: Of what the command writes to its error output, this much is read (the rest is drained and dropped).
ERROR_BYTES = 64 * 1024


def run_command(argv: list[str], payload: bytes, timeout: float) -> str | None:
    """Run ``argv`` (no shell) with ``payload`` on its stdin, within ``timeout``; None, or one line saying why not.

    Everything is bounded: the command gets ``timeout`` seconds, then it and
    its process group are killed; its input is written and its error output
    read by helper threads (a command that reads nothing or writes gigabytes
    cannot block reader, and only :data:`ERROR_BYTES` are kept); nothing it
    left running (a child that made its own session) is waited for.
    """
    name = clean_line(os.path.basename(argv[0])) or "the command"
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group: what it starts is stopped with it
        )
    except OSError as error:
        return f"notify.command: cannot run {name}: {clean_line(error.strerror or str(error))}"
    assert process.stdin is not None and process.stderr is not None
    stdin, stderr = process.stdin, process.stderr
    kept = bytearray()

    def feed() -> None:
        with contextlib.suppress(OSError):  # it stopped reading (exited, closed its input): fine
            stdin.write(payload)
        with contextlib.suppress(OSError):
            stdin.close()

    def drain() -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := stderr.read(65536):
                if len(kept) < ERROR_BYTES:
                    kept.extend(chunk[: ERROR_BYTES - len(kept)])

    helpers = [threading.Thread(target=feed, daemon=True), threading.Thread(target=drain, daemon=True)]
    for helper in helpers:
        helper.start()
    try:
        code = process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):  # it ended on its own meanwhile
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return f"notify.command: {name} did not finish within {timeout:g} s: stopped"
    finally:
        # A child of its own session may hold the pipes open: never waited for (nor the pipe closed
        # under the thread still reading it: that would wait for the read).
        for helper in helpers:
            helper.join(0.5)
        if not helpers[1].is_alive():
            with contextlib.suppress(OSError):
                stderr.close()
    if code != 0:
        said = next(
            (clean_line(line) for line in bytes(kept).decode("utf-8", "replace").splitlines() if line.strip()), ""
        )
        return f"notify.command: {name} failed (exit status {code})" + (f": {said[:160]}" if said else "")
    return None
