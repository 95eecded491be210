"""A real WordPress on loopback (Debian's package, PHP's built-in server, its own MariaDB), for the comment tests.

:func:`install` runs ``tests/wordpress/server.sh install`` (apt, the first
time: about 15 s; then it only compares files) and only when asked
(``READER_WORDPRESS=1``, or ``READER_REQUIRE_WORDPRESS=1`` as CI sets): a
plain ``pytest`` installs and starts nothing. :func:`start` gives the test
session a site of its own: a fresh MariaDB data directory in a temporary
directory, PHP's built-in server on a free port of 127.0.0.1, then
WordPress's own installer run over HTTP as a site owner runs it (about 3 s
in all). :meth:`WordPress.stop` stops both servers by their process ids and
removes the directory.

Content is made the way people make it: the post through WordPress's
XML-RPC publishing API (``wp.newPost``, the site owner's password);
visitors' comments through the comment form's ``wp-comments-post.php``,
each visitor from an address of its own (127.0.0.2, 127.0.0.3, ...: all
loopback) so WordPress's flood check (one comment per address every 15 s)
sees different people; the site owner's replies through XML-RPC
``wp.newComment``. One setting is changed in SQL, as its screen saves
it: the Discussion screen's "Comment author must have a previously approved
comment", off here, as a site that lets new visitors' comments through
without moderation has it (tests change others the same way: the
Permalinks screen's structure). Every request goes straight to the site, never
through a proxy the environment names. Nothing here reaches beyond loopback;
the script's apt-get is the one exception.
"""

from __future__ import annotations

import fcntl
import http.client
import os
import re
import shutil
import socket
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import xmlrpc.client
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "wordpress" / "server.sh"
#: The site owner: an administrator (``unfiltered_html``: their comments keep any markup).
ADMIN = "ed"
ADMIN_PASSWORD = "reader tests: not a secret"
SITE_TITLE = "Roof gardens"
#: The permalink structure WordPress's installer chooses where the web server sends every path to index.php.
PRETTY_PERMALINKS = "/%year%/%monthnum%/%day%/%postname%/"
#: What ``install`` may take: apt downloads about 25 packages the first time.
INSTALL_SECONDS = 900
START_SECONDS = 120
#: One installer at a time: xdist workers may start their sessions together (apt has its own lock, and fails on it).
INSTALL_LOCK = Path(tempfile.gettempdir()) / "reader-wordpress-install.lock"


class Unavailable(Exception):
    """WordPress cannot run here; ``str()`` says why (the skip or failure reason)."""


def _flag(variable: str) -> bool:
    return os.environ.get(variable, "0") not in ("", "0")


def asked() -> bool:
    """True when the environment asks for the real WordPress (READER_WORDPRESS=1, or READER_REQUIRE_WORDPRESS=1)."""
    return _flag("READER_WORDPRESS") or _flag("READER_REQUIRE_WORDPRESS")


def _tail(text: str, lines: int = 2) -> str:
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "no output"


def _script(*args: str, timeout: float, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["bash", str(SCRIPT), *args], input=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise Unavailable(f"`server.sh {args[0]}` took more than {timeout:g} s") from None


@contextmanager
def _install_lock() -> Iterator[None]:
    with INSTALL_LOCK.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def install() -> None:
    """Install what is missing (packages, the site's configuration); raises :class:`Unavailable` with the reason."""
    if os.name != "posix" or os.geteuid() != 0:
        raise Unavailable("the WordPress server needs root (apt-get, and MariaDB and PHP run as mysql and www-data)")
    if not Path("/usr/bin/apt-get").exists() and not Path("/usr/share/wordpress").exists():
        raise Unavailable("WordPress is not installed and there is no apt-get to install it (Debian 12 has it)")
    with _install_lock():
        done = _script("install", timeout=INSTALL_SECONDS)
    if done.returncode != 0:
        raise Unavailable(f"WordPress install failed: {_tail(done.stderr or done.stdout)}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Hand redirects back as answers (the installer's page is the answer wanted, not where it leads)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """An opener that never uses a proxy (the session's fixtures run before the tests' proxy variables are cleared)."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), *handlers)


@dataclass(frozen=True)
class Post:
    """A published post: its id and its page."""

    id: int
    link: str


@dataclass(frozen=True)
class Posted:
    """A comment the form took: its id, and whether WordPress published it or held it for moderation."""

    id: int
    approved: bool


@dataclass
class WordPress:
    """A running site: its address, its database, and how its owner and its visitors write to it."""

    url: str
    directory: Path
    #: The loopback address each visitor (by e-mail) comments from: one address, one person, to WordPress.
    addresses: dict[str, str] = field(default_factory=dict)

    # -- lifecycle -------------------------------------------------------------

    def stop(self) -> None:
        """Stop the two servers started for this site (by their ids) and remove its files."""
        try:
            _script("stop", str(self.directory), timeout=60)
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def log(self) -> str:
        """The end of PHP's and MariaDB's logs (for a failure's message)."""
        parts = []
        for name in ("php-errors.log", "php.log", "mariadb.log"):
            try:
                parts.append(f"{name}: {_tail((self.directory / name).read_text(errors='replace'), 5)}")
            except OSError:
                continue
        return "\n".join(parts)

    # -- reading, as anyone would ------------------------------------------------

    def get(self, path_or_url: str) -> bytes:
        """The body of a GET (a path on the site, or one of its URLs); AssertionError for anything but a 200."""
        url = path_or_url if path_or_url.startswith("http") else self.url + path_or_url.lstrip("/")
        assert url.startswith(self.url), url
        try:
            with _opener().open(url, timeout=30) as answer:
                body: bytes = answer.read()
                return body
        except urllib.error.HTTPError as error:
            raise AssertionError(f"GET {url}: HTTP {error.code}\n{self.log()}") from None

    # -- its database ------------------------------------------------------------

    def sql(self, query: str) -> list[list[str]]:
        """Rows of a query run in WordPress's database as MariaDB's root (columns as text)."""
        done = _script("sql", str(self.directory), timeout=60, stdin=query)
        assert done.returncode == 0, done.stderr
        return [line.split("\t") for line in done.stdout.splitlines() if line]

    def set_option(self, name: str, value: str) -> None:
        """One of WordPress's options, as its settings screens store it."""
        assert re.fullmatch(r"[a-z_]+", name) and re.fullmatch(r"[\w /%-]*", value), (name, value)
        self.sql(f"UPDATE wp_options SET option_value = '{value}' WHERE option_name = '{name}';")

    # -- the site owner ------------------------------------------------------------

    def _xmlrpc(self) -> xmlrpc.client.ServerProxy:
        return xmlrpc.client.ServerProxy(self.url + "xmlrpc.php")

    def publish(self, title: str, html: str) -> Post:
        """A published post, through WordPress's XML-RPC publishing API."""
        content = {"post_title": title, "post_content": html, "post_status": "publish", "comment_status": "open"}
        ident = int(str(self._xmlrpc().wp.newPost(0, ADMIN, ADMIN_PASSWORD, content)))
        made = self._xmlrpc().wp.getPost(0, ADMIN, ADMIN_PASSWORD, ident, ["link"])
        assert isinstance(made, dict) and isinstance(made.get("link"), str), made
        return Post(ident, made["link"])

    def owner_comment(self, post: int, html: str, parent: int = 0) -> int:
        """A comment by the site owner (published at once, markup kept: an administrator's ``unfiltered_html``)."""
        comment = {"comment_parent": parent, "content": html}
        return int(str(self._xmlrpc().wp.newComment(0, ADMIN, ADMIN_PASSWORD, post, comment)))

    # -- visitors ----------------------------------------------------------------

    def comment(self, post: int, author: str, email: str, html: str, parent: int = 0, website: str = "") -> Posted:
        """A visitor's comment through the post's comment form (``wp-comments-post.php``), as a browser sends it.

        Each visitor (by e-mail) comes from a loopback address of its own; the
        answer is WordPress's redirect to the comment (``#comment-ID``), with
        ``unapproved=ID`` in it when the comment was held for moderation.
        """
        known = len(self.addresses)
        address = self.addresses.setdefault(email, f"127.0.{known // 250}.{known % 250 + 2}")
        form = urllib.parse.urlencode(
            {
                "comment": html,
                "author": author,
                "email": email,
                "url": website,
                "comment_post_ID": str(post),
                "comment_parent": str(parent),
                "submit": "Post Comment",
            }
        )
        parts = urllib.parse.urlsplit(self.url)
        connection = http.client.HTTPConnection(
            parts.hostname or "127.0.0.1", parts.port, timeout=30, source_address=(address, 0)
        )
        try:
            connection.request(
                "POST",
                "/wp-comments-post.php",
                body=form,
                headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": self.url},
            )
            answer = connection.getresponse()
            body = answer.read()
            location = answer.getheader("Location") or ""
        finally:
            connection.close()
        found = re.search(r"#comment-([0-9]+)$", location)
        if answer.status != 302 or found is None:
            message = re.sub(r"<[^>]+>|\s+", " ", body.decode("utf-8", "replace"))[-300:]
            raise AssertionError(f"the comment form refused {author}'s comment: HTTP {answer.status}: {message}")
        ident = int(found.group(1))
        held = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query).get("unapproved", [""])[0]
        return Posted(ident, approved=held != str(ident))


def _installer(url: str) -> None:
    """Run WordPress's installer (``wp-admin/install.php``, step 2) as a site owner does in a browser."""
    form = urllib.parse.urlencode(
        {
            "weblog_title": SITE_TITLE,
            "user_name": ADMIN,
            "admin_password": ADMIN_PASSWORD,
            "admin_password2": ADMIN_PASSWORD,
            "pw_weak": "1",
            "admin_email": "ed@example.invalid",
            "blog_public": "0",
            "language": "",
        }
    ).encode()
    with _opener(_NoRedirect()).open(url + "wp-admin/install.php?step=2", form, timeout=START_SECONDS) as answer:
        page = answer.read().decode("utf-8", "replace")
    if "<h1>Success!</h1>" not in page:
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        raise Unavailable(f"WordPress's installer did not succeed: {heading.group(1) if heading else page[-200:]}")


def start() -> WordPress:
    """A fresh site on a free loopback port, WordPress installed; raises :class:`Unavailable` with the reason."""
    last = "no attempt"
    for _attempt in range(3):  # the free port may be taken between the probe and PHP's bind: try another
        directory = Path(tempfile.mkdtemp(prefix="reader-wordpress-"))
        site = WordPress(f"http://127.0.0.1:{_free_port()}/", directory)
        try:
            done = _script("start", str(directory), str(urllib.parse.urlsplit(site.url).port), timeout=START_SECONDS)
            if done.returncode != 0:
                raise Unavailable(_tail(done.stderr or done.stdout))
            _installer(site.url)
            # Settings > Discussion: "Comment author must have a previously approved comment" off.
            site.set_option("comment_previously_approved", "0")
            # The installer picks this structure when its request to the site through it works; made
            # sure of, so that a slow first answer cannot leave the tests a site with Plain permalinks.
            site.set_option("permalink_structure", PRETTY_PERMALINKS)
            return site
        except (OSError, Unavailable) as error:
            last = f"{error} {site.log()}".strip()
            site.stop()
        except BaseException:
            site.stop()
            raise
    raise Unavailable(f"WordPress did not start: {last}")
