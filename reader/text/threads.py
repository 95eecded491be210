"""Order a comment thread for display, without recursion.

Comment data from the wild has replies to unknown parents, reply cycles
(A answers B answers A) and chains hundreds deep. :func:`order_thread` turns
parent links into a pre-order list (each comment followed by its replies)
with a depth per comment, iteratively, so depth never hits Python's
recursion limit. Cycles are broken deterministically: the earliest comment
of the cycle (in input order) becomes a top-level comment.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Placed(Generic[Key]):
    """Where a comment sits in the displayed thread."""

    key: Key
    parent: Key | None
    position: int
    depth: int


def order_thread(nodes: Sequence[tuple[Key, Key | None]]) -> list[Placed[Key]]:
    """Return ``nodes`` (key, parent key) in display order with depths.

    Siblings keep their input order. A parent key that is not among the
    nodes (or equals the node itself) makes the node top-level. Duplicate
    keys keep their first occurrence.
    """
    index: dict[Key, int] = {}
    parents: list[Key | None] = []
    keys: list[Key] = []
    for key, parent in nodes:
        if key in index:
            continue
        index[key] = len(keys)
        keys.append(key)
        parents.append(parent)

    children: list[list[int]] = [[] for _ in keys]
    roots: list[int] = []
    parent_index: list[int | None] = []
    for i, parent in enumerate(parents):
        p = index.get(parent) if parent is not None else None
        if p is None or p == i:
            parent_index.append(None)
            roots.append(i)
        else:
            parent_index.append(p)
            children[p].append(i)

    placed: list[Placed[Key]] = []
    visited = [False] * len(keys)

    def walk(root: int) -> None:
        # Explicit stack of (node, depth); children pushed in reverse so the
        # first child is emitted first.
        stack = [(root, 0)]
        while stack:
            node, depth = stack.pop()
            if visited[node]:
                continue
            visited[node] = True
            parent = parent_index[node]
            placed.append(Placed(keys[node], keys[parent] if parent is not None else None, len(placed), depth))
            for child in reversed(children[node]):
                if not visited[child]:
                    stack.append((child, depth + 1))

    for root in roots:
        walk(root)

    # Whatever is left hangs off a cycle. Find each cycle from the earliest
    # leftover node and cut it at its earliest member.
    for start in range(len(keys)):
        if visited[start]:
            continue
        seen_on_path: set[int] = set()
        node = start
        while node not in seen_on_path:
            seen_on_path.add(node)
            up = parent_index[node]
            assert up is not None  # every root was walked above
            node = up
        cycle = [node]
        up = parent_index[node]
        while up is not None and up != node:
            cycle.append(up)
            up = parent_index[up]
        cut = min(cycle)
        parent_index[cut] = None
        walk(cut)
        # A node of the cycle reached from ``cut`` is visited; other leftovers
        # are picked up by later iterations of this loop.
    return placed
