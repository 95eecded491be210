"""A command from PyPI in a virtual environment of its own: how the Isso and coldsweat test servers get theirs.

Each server pins libraries of its own (Werkzeug, Peewee, ...) that must not
meet reader's, so it lives in a venv under the user's cache
(``~/.cache/reader-tests/NAME``, or the path an environment variable names),
made once and kept between runs. A marker file written after pip has
finished holds what was installed (a version, a requirements hash): an
interrupted install, or one of other pins, has no matching marker and is made
again. xdist workers start their session fixtures together, so one installs
while the others wait on a lock. Nothing is installed unless a test asks
(the servers' modules decide when: READER_ISSO=1, READER_FEVER=1, or CI's
READER_REQUIRE_*); pip is the only thing here that talks beyond loopback.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


class Unavailable(Exception):
    """The server cannot run here; ``str()`` says why (the skip or failure reason)."""


def flag(variable: str) -> bool:
    """Whether the environment variable ``variable`` is set to something other than empty or 0."""
    return os.environ.get(variable, "0") not in ("", "0")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def tail(text: str, lines: int = 3) -> str:
    """The last few lines of a program's output on one line: a reason to print."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "no output"


@dataclass(frozen=True)
class PypiTool:
    """``command`` of a PyPI package, in its own venv.

    ``pip_args`` are what ``pip install`` is given (``isso==0.14.0``, or
    ``-r requirements.txt``); ``stamp`` is what a finished install is known
    by (a changed one reinstalls); ``venv_variable`` names the environment
    variable that may put the venv elsewhere than the cache's ``folder``.
    """

    label: str
    command: str
    pip_args: tuple[str, ...]
    stamp: str
    venv_variable: str
    folder: str
    #: What pip may take (about 10 s on a warm machine).
    install_seconds: int = 600

    @property
    def marker(self) -> str:
        return f"reader-{self.command}-installed"

    def venv_dir(self) -> Path:
        """Where the environment lives."""
        override = os.environ.get(self.venv_variable)
        if override:
            return Path(override)
        cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(cache) / "reader-tests" / self.folder

    def executable(self) -> Path | None:
        """The installed command (of a finished install with this stamp), or None."""
        target = self.venv_dir()
        command = target / "bin" / self.command
        try:
            finished = (target / self.marker).read_text(encoding="utf-8").strip() == self.stamp
        except OSError:
            finished = False
        return command if finished and command.is_file() and os.access(command, os.X_OK) else None

    @contextmanager
    def _install_lock(self) -> Iterator[None]:
        """One installer at a time."""
        target = self.venv_dir()
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target.parent / (target.name + ".lock"), "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def install(self) -> Path:
        """The command, installed first when missing; raises :class:`Unavailable` with the reason."""
        with self._install_lock():
            found = self.executable()
            if found is not None:
                return found
            target = self.venv_dir()
            shutil.rmtree(target, ignore_errors=True)  # what an interrupted or older install left
            steps = (
                [sys.executable, "-m", "venv", str(target)],
                [str(target / "bin" / "python"), "-m", "pip", "install", "-q", *self.pip_args],
            )
            for step in steps:
                what = " ".join(Path(step[0]).name if i == 0 else part for i, part in enumerate(step))
                try:
                    done = subprocess.run(
                        step, capture_output=True, text=True, timeout=self.install_seconds, check=False
                    )
                except subprocess.TimeoutExpired:
                    raise Unavailable(f"`{what}` took more than {self.install_seconds} s") from None
                if done.returncode != 0:
                    raise Unavailable(f"`{what}` failed: {tail(done.stderr or done.stdout)}")
            (target / self.marker).write_text(self.stamp + "\n", encoding="utf-8")
            found = self.executable()
            if found is None:
                raise Unavailable(f"{self.label} was installed but {target}/bin/{self.command} is missing")
            return found
