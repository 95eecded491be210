"""What the benchmarks print: the machine they ran on, and their tables (standard library only)."""

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


def aligned(rows: list[tuple[str, ...]], left: Iterable[int]) -> str:
    """``rows`` (the first is the header) as a text table: columns in ``left`` flush left, the rest right."""
    left = set(left)
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.ljust(width) if column in left else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
