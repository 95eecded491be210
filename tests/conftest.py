"""Shared fixtures: every test runs with its own READER_HOME and database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import fever_server as fever_server_module
import pytest
import ttrss_server as ttrss_server_module
from feedserver import FeedServer
from hypothesis import settings
from proxyserver import StartProxy, proxies

from reader.store import Store

if TYPE_CHECKING:
    from test_e2e_tmux import Terminal

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# "ci": the same examples on every run (hypothesis derives them from each
# test's name), so a red CI means the code changed, not the draw. Local runs
# keep hypothesis's default: new random examples each time.
settings.register_profile("ci", derandomize=True, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def skip_unless_required(message: str, variable: str) -> NoReturn:
    """Skip with ``message``; fail instead when ``variable`` is set (CI sets it: nothing may silently skip there)."""
    if os.environ.get(variable, "0") not in ("", "0"):
        pytest.fail(message)
    pytest.skip(message)


def _shared_dir() -> Path:
    override = os.environ.get("READER_SHARED")
    return Path(override) if override else PROJECT_ROOT.parent / "shared"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point reader at a temporary home so no test touches the user's real files."""
    home = tmp_path / "home"
    monkeypatch.setenv("READER_HOME", str(home))
    monkeypatch.delenv("READER_DB", raising=False)
    return home


#: The environment variables reader takes a proxy from (either case): no test inherits the machine's.
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy from the machine: every test talks to loopback directly unless it starts a proxy itself
    (a CI machine that sets HTTP_PROXY for its package downloads would otherwise route the tests through it)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def start_proxy(tmp_path: Path) -> Iterator[StartProxy]:
    """Real proxy servers on loopback (tests/proxyserver.py), stopped when the test ends."""
    yield from proxies(tmp_path)


@pytest.fixture(autouse=True)
def no_terminal_size_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """No COLUMNS or LINES: pytest-xdist's workers set 80 and 24, and a reader started in a
    160x48 tmux window would take them over the window's real size (and the command line's output width)."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.delenv("LINES", raising=False)


@pytest.fixture
def shared() -> Path:
    """The ../shared folder (seed file, corpora).

    Skips with the reason when it is absent (a user's clone); CI sets
    READER_REQUIRE_SHARED=1 so that a missing folder fails instead.
    """
    path = _shared_dir()
    if not (path / "seed").is_dir():
        skip_unless_required(
            f"the shared corpus is absent ({path}); set READER_SHARED to its location", "READER_REQUIRE_SHARED"
        )
    return path


@pytest.fixture
def seed_file(shared: Path) -> Path:
    """The example plain-text article with five comments."""
    return shared / "seed" / "000_bac3f4e92aee2676.txt"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path in the test's own folder."""
    return tmp_path / "library.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    """An open, empty library."""
    with Store(db_path) as opened:
        yield opened


@pytest.fixture
def server() -> Iterator[FeedServer]:
    """A feed server on 127.0.0.1 for the test (files using comment APIs point them at it themselves)."""
    with FeedServer() as running:
        yield running


def reader_command() -> list[str]:
    """The installed ``reader`` console script (falls back to ``python -m reader``)."""
    script = Path(sys.executable).parent / "reader"
    return [str(script)] if script.exists() else [sys.executable, "-m", "reader"]


RunReader = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def terminal(tmp_path: Path, isolated_home: Path) -> Iterator[Terminal]:
    """A real terminal (a tmux session of its own, 120x20) with a private home; killed afterwards."""
    from test_e2e_tmux import Terminal, reader_terminal_env, tmux_or_skip

    made = Terminal(tmux_or_skip(), reader_terminal_env(tmp_path, isolated_home), 120, 20)
    try:
        yield made
    finally:
        made.kill()


@pytest.fixture
def run_reader(db_path: Path, isolated_home: Path) -> RunReader:
    """Run the real ``reader`` command against the test's database."""

    def run(*args: str, db: Path | None = db_path, input: str | None = None) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, READER_HOME=str(isolated_home), PYTHONIOENCODING="utf-8")
        env.pop("READER_DB", None)
        command = reader_command()
        if db is not None:
            command += ["--db", str(db)]
        return subprocess.run([*command, *args], capture_output=True, text=True, env=env, input=input, timeout=60)

    return run


# -- a real Tiny Tiny RSS server (tests/ttrss/server.sh) ----------------------------


#: Tests that use the server: one xdist worker runs them all (``--dist loadgroup``, in pyproject's addopts),
#: so the session fixtures below start it once, and no two tests reset its one database under each other.
TTRSS_FIXTURES = ("ttrss_server", "ttrss", "feed_host")


def _flag(variable: str) -> bool:
    return os.environ.get(variable, "0") not in ("", "0")


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """tt-rss tests in one xdist group; they and the real-terminal (e2e) tests are ``slow``."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())  # a pytest.Function's; other items have none
        server = item.get_closest_marker("ttrss") or any(name in fixtures for name in TTRSS_FIXTURES)
        if server:
            item.add_marker(pytest.mark.xdist_group("ttrss"))
        if server or item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.slow)


def _unavailable(reason: str) -> NoReturn:
    """Skip with the reason; fail instead when READER_REQUIRE_TTRSS=1 (CI) asks for the server."""
    skip_unless_required(f"tt-rss is unavailable: {reason}", "READER_REQUIRE_TTRSS")


@pytest.fixture(scope="session")
def ttrss_server() -> Iterator[ttrss_server_module.TinyTinyRSS]:
    """The tt-rss server, installed and started when missing; what it started is stopped at the end.

    Only when asked: installing and starting system services is not for a plain ``pytest``.
    READER_TTRSS=1 runs these tests (skipping them when the server cannot run), READER_REQUIRE_TTRSS=1
    (.ci/run) runs them and fails when it cannot. A lock file keeps two test runs (two checkouts,
    or xdist without loadgroup) from starting, resetting and stopping the one server under each other.
    """
    if not (_flag("READER_TTRSS") or _flag("READER_REQUIRE_TTRSS")):
        pytest.skip(
            "tt-rss server tests not asked for: they apt-install and start tt-rss, PostgreSQL and Apache "
            "(root, port 80); set READER_TTRSS=1 to run them"
        )
    try:
        with ttrss_server_module.exclusive():
            server = ttrss_server_module.start()
            try:
                yield server
            finally:
                server.stop()
    except ttrss_server_module.Unavailable as error:
        _unavailable(str(error))


@pytest.fixture(scope="session")
def feed_host(ttrss_server: ttrss_server_module.TinyTinyRSS) -> Iterator[ttrss_server_module.FeedHost]:
    """Test feeds at http://[::1]/..., where tt-rss agrees to fetch them (port 80: under the server's lock)."""
    try:
        host = ttrss_server_module.FeedHost()
    except ttrss_server_module.Unavailable as error:
        _unavailable(str(error))
    try:
        yield host
    finally:
        host.close()


@pytest.fixture
def ttrss(ttrss_server: ttrss_server_module.TinyTinyRSS) -> ttrss_server_module.TinyTinyRSS:
    """The tt-rss server with a fresh database (admin/password, API on, no feeds): about 0.2 s."""
    ttrss_server.reset()
    return ttrss_server


@pytest.fixture(scope="session")
def fever_server() -> Iterator[fever_server_module.Fever]:
    """A real coldsweat (a Fever API server) per session and xdist worker (tests/fever_server.py)."""
    yield from fever_server_module.session()


@pytest.fixture
def fever(fever_server: fever_server_module.Fever) -> fever_server_module.Fever:
    """The server as set up: the template database (copied back: about 2 ms), the three feeds, running."""
    fever_server.reset()
    return fever_server
