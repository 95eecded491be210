"""Real proxy servers on loopback for the tests: pproxy (from PyPI) as an HTTP or a SOCKS5 proxy.

The ``start_proxy`` fixture (in conftest.py) starts them; each proxy logs one
line per connection it carried ("http 127.0.0.1:40424 -> 127.0.0.1:18183"),
which :meth:`RunningProxy.reached` reads back, so a test sees from the
proxy's own record which servers were reached through it.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass
class RunningProxy:
    """A pproxy process listening on 127.0.0.1: its URL and its log of carried connections."""

    scheme: str
    port: int
    log: Path
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def reached(self) -> list[str]:
        """``host:port`` of every connection the proxy carried, in order."""
        lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        return [line.rsplit(" -> ", 1)[1].strip() for line in lines if " -> " in line]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


StartProxy = Callable[..., RunningProxy]


def proxies(tmp_path: Path) -> Iterator[StartProxy]:
    """Start real proxies (``http`` or ``socks5``, optionally asking for a user and password); stop them after."""
    started: list[RunningProxy] = []
    command = Path(sys.executable).parent / "pproxy"
    assert command.exists(), "pproxy (a test dependency in pyproject.toml) is not installed"

    def start(scheme: str, credentials: str = "") -> RunningProxy:
        port = free_port()
        log = tmp_path / f"proxy-{scheme}-{port}.log"
        listen = f"{scheme}://127.0.0.1:{port}" + (f"#{credentials}" if credentials else "")
        with log.open("wb") as out:
            # --auth 0: ask every connection for the password (by default pproxy trusts an address for 30 days).
            process = subprocess.Popen(
                [str(command), "-l", listen, "-v", "--auth", "0"], stdout=out, stderr=subprocess.STDOUT
            )
        proxy = RunningProxy(scheme, port, log, process)
        started.append(proxy)
        deadline = time.monotonic() + 15
        while "Serving on" not in log.read_text(encoding="utf-8", errors="replace"):
            assert process.poll() is None, log.read_text(encoding="utf-8", errors="replace")
            assert time.monotonic() < deadline, "the proxy did not start within 15 s"
            time.sleep(0.05)
        return proxy

    yield start
    for proxy in started:
        proxy.process.terminate()
        proxy.process.wait(timeout=10)
