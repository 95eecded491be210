"""httpx, imported without its command-line client.

``import httpx`` also imports ``httpx._main`` (rich, pygments, click), a
quarter of reader's start-up (about 25 ms, paid by every ``reader fetch``)
for a command reader never runs. httpx falls back to a stub when that import
fails, which a ``None`` in ``sys.modules`` makes it do; the entry is removed
afterwards. Should an httpx version lack the fallback, it is imported whole.
"""

from __future__ import annotations

import sys

if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]  # None: "this import fails"
    try:
        import httpx
    except ImportError:
        sys.modules.pop("httpx._main", None)
        import httpx
    if "httpx._main" in sys.modules and sys.modules["httpx._main"] is None:
        del sys.modules["httpx._main"]

import httpx

__all__ = ["httpx"]
