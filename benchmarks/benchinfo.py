"""What the benchmarks print about the machine they ran on (standard library only)."""

from __future__ import annotations

import contextlib
import os
import platform
import sqlite3
from collections.abc import Iterable
from pathlib import Path


def machine(extras: Iterable[str] = ()) -> str:
    """One line: platform, CPU, cores, memory, Python, SQLite, then ``extras`` (library versions)."""
    cpu = platform.processor() or "unknown CPU"
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 2**20:.0f} GiB RAM"
    parts = [
        f"{platform.platform()}, {cpu}, {os.cpu_count()} CPUs{memory}",
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}",
        *extras,
    ]
    return ", ".join(parts)
