"""A real Isso comment server on loopback, for the Isso source's tests.

Isso (PyPI ``isso``) runs in its own virtual environment under the user's
cache (``~/.cache/reader-tests/isso-venv``, or ``$READER_ISSO_VENV``), apart
from reader's: it pins its own Werkzeug, Jinja and Markdown libraries.
:func:`install` makes that environment, and only when asked
(``READER_ISSO=1`` or ``READER_REQUIRE_ISSO=1``): a plain ``pytest`` never
installs anything. :func:`start` writes a configuration (a SQLite database in
a temporary directory; ``[general] host`` and ``[server] listen`` on a free
loopback port; moderation and the anti-spam guard off, so the tests may post
quickly and reply to themselves; the Atom feed on through ``[rss] base``) and
runs ``isso -c CONFIG run`` until :meth:`Isso.stop`. :class:`Isso` posts and
deletes comments through Isso's own HTTP API, the way its embed script does
(JSON bodies, an ``Origin`` of the configured host, the per-comment cookie
that allows a delete). Nothing here talks to anything but 127.0.0.1, except
pip's install from the package registry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pypi_tool import PypiTool, Unavailable, flag, free_port, tail

__all__ = ["ISSO_VERSION", "Isso", "Unavailable", "asked", "executable", "install", "start", "venv_dir"]

#: The Isso the tests were written against (its answer shapes are what they check).
ISSO_VERSION = "0.14.0"
#: What pip may take to install it (about 10 s on a warm machine).
INSTALL_SECONDS = 600
#: How long the server may take to answer after it was started.
START_SECONDS = 30


def asked() -> bool:
    """True when the environment asks for the real Isso (READER_ISSO=1, or READER_REQUIRE_ISSO=1 as CI sets)."""
    return flag("READER_ISSO") or flag("READER_REQUIRE_ISSO")


#: Isso's own environment (tests/pypi_tool.py): ``~/.cache/reader-tests/isso-venv`` or $READER_ISSO_VENV.
TOOL = PypiTool(
    label=f"isso {ISSO_VERSION}",
    command="isso",
    pip_args=(f"isso=={ISSO_VERSION}",),
    stamp=ISSO_VERSION,
    venv_variable="READER_ISSO_VENV",
    folder="isso-venv",
    install_seconds=INSTALL_SECONDS,
)
venv_dir = TOOL.venv_dir
executable = TOOL.executable
install = TOOL.install


CONFIG = """\
[general]
dbpath = {db}
host = {url}/
max-age = 15m
notify = stdout
gravatar = false

[moderation]
enabled = false

[server]
listen = {url}/

[guard]
# Off: its rate limit (2 comments a minute) and its "3 direct replies" rule would refuse the tests' posts.
enabled = false

[rss]
# The Atom feed per thread (/feed?uri=...) is served only when this names the site.
base = {url}/
limit = 100
"""


@dataclass
class Isso:
    """A running Isso: its base URL, and its API the way the embed script uses it."""

    url: str
    process: subprocess.Popen[bytes]
    directory: Path
    #: Each posted comment's cookie (Isso allows its author to delete it with it), by comment id.
    cookies: dict[int, str] = field(default_factory=dict)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None, cookie: str = "") -> Any:
        headers = {"Origin": self.url, "Referer": self.url + "/", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if cookie:
            headers["Cookie"] = cookie
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        with urllib.request.urlopen(request, timeout=20) as response:
            payload = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                if name.strip().isdigit():
                    self.cookies[int(name.strip())] = f"{name.strip()}={rest.split(';', 1)[0]}"
        return json.loads(payload) if payload.strip() else None

    def post(self, uri: str, text: str, author: str | None = None, parent: int | None = None) -> dict[str, Any]:
        """A new comment on the thread ``uri`` (made with the comment when new); returns what Isso stored."""
        body: dict[str, Any] = {"text": text, "author": author, "parent": parent, "title": f"Post {uri}"}
        created = self._request("POST", f"/new?uri={urllib.parse.quote(uri, safe='/')}", body)
        assert isinstance(created, dict), created
        return created

    def delete(self, ident: int) -> dict[str, Any] | None:
        """Delete a comment as its author (with its cookie): emptied (mode 4) when it has replies, else gone."""
        deleted = self._request("DELETE", f"/id/{ident}", cookie=self.cookies.get(ident, ""))
        return deleted if isinstance(deleted, dict) else None

    def get(self, path: str) -> bytes:
        """A GET's body, as any client would read it."""
        with urllib.request.urlopen(self.url + path, timeout=20) as response:
            body: bytes = response.read()
            return body

    def log(self) -> str:
        return (self.directory / "isso.log").read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        """Stop the server this harness started (its own process, by its id) and remove its files."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/info", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start(command: Path) -> Isso:
    """Isso on a free loopback port with a fresh database; raises :class:`Unavailable` when it will not answer."""
    last = "no attempt"
    for _attempt in range(3):  # the free port may be taken between the probe and Isso's bind: try another
        directory = Path(tempfile.mkdtemp(prefix="reader-isso-"))
        url = f"http://127.0.0.1:{free_port()}"
        config = directory / "isso.cfg"
        config.write_text(CONFIG.format(db=directory / "comments.db", url=url), encoding="utf-8")
        log = (directory / "isso.log").open("wb")
        # TZ=UTC: Isso writes its feed's dates as local time marked "Z".
        environment = {**os.environ, "TZ": "UTC"}
        environment.pop("ISSO_SETTINGS", None)  # it would override -c
        process = subprocess.Popen(
            [str(command), "-c", str(config), "run"], stdout=log, stderr=subprocess.STDOUT, env=environment
        )
        log.close()
        server = Isso(url, process, directory)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline and process.poll() is None:
            if _answers(url):
                return server
            time.sleep(0.1)
        last = f"exit {process.returncode}" if process.poll() is not None else f"no answer in {START_SECONDS} s"
        last += f": {tail(server.log())}"
        server.stop()
    raise Unavailable(f"isso did not start ({last})")
