"""The layers of ARCHITECTURE.md hold: no module imports a layer above its own.

Every ``import`` in ``reader/`` is read from the source (those inside
functions and under ``TYPE_CHECKING`` too: a lazy import is still a tie), so
a new upward import fails here, in CI, before it becomes a habit.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import reader

PACKAGE = Path(reader.__file__).parent

#: Each layer imports only itself and the layers before it (ARCHITECTURE.md).
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("records", ("reader", "reader.models", "reader.defaults")),
    ("settings", ("reader.config", "reader.paths")),
    ("text", ("reader.text",)),
    ("store", ("reader.store",)),
    ("parse", ("reader.parse",)),
    ("net", ("reader.net",)),
    ("service", ("reader.service",)),
    ("faces", ("reader.cli", "reader.tui")),
    ("entry", ("reader.__main__",)),
]


def layer_of(module: str) -> int:
    """The index of the layer ``module`` belongs to (the longest matching prefix wins)."""
    best, best_length = -1, -1
    for index, (_name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_length:
                best, best_length = index, len(prefix)
    assert best >= 0, f"{module} is in no layer: add it to LAYERS and ARCHITECTURE.md"
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts).removesuffix(".__init__")


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import of a ``reader`` module in ``path``, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name.split(".")[0] == "reader")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "reader":
                continue
            # `from reader import dates` names a module; `from reader import __version__` a value.
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    PACKAGE.parent / Path(*candidate.split(".")) / "__init__.py"
                ).exists()
                found.append((node.lineno, candidate if is_module else target))
    return found


def sources() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def test_every_module_has_a_layer_and_every_layer_a_module() -> None:
    # layer_of fails on a module in no layer; a layer with no module is a stale line of LAYERS.
    used = {layer_of(module_name(path)) for path in sources()}
    assert used == set(range(len(LAYERS)))


@pytest.mark.parametrize("path", sources(), ids=lambda path: str(path.relative_to(PACKAGE.parent)))
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    here = module_name(path)
    mine = layer_of(here)
    upward = [
        f"line {line}: {target} ({LAYERS[layer_of(target)][0]})"
        for line, target in imports_of(path)
        if layer_of(target) > mine
    ]
    assert not upward, f"{here} ({LAYERS[mine][0]}) imports from above: {upward}"


def test_the_reader_never_imports_the_command_line() -> None:
    # cli may open the reader (`reader` with no command); the reader needs nothing of the cli.
    offenders = [
        f"{module_name(path)} line {line}: {target}"
        for path in sources()
        if module_name(path).startswith("reader.tui")
        for line, target in imports_of(path)
        if target == "reader.cli" or target.startswith("reader.cli.")
    ]
    assert not offenders


def test_screens_and_widgets_are_given_their_services_not_the_app() -> None:
    # The app builds the screens (it imports them); a screen that imported the
    # app back, or cast self.app to it, would be the hidden two-way tie again.
    offenders = [
        f"{module_name(path)} line {line}: {target}"
        for path in sources()
        if module_name(path).startswith(("reader.tui.screens", "reader.tui.widgets"))
        for line, target in imports_of(path)
        if target == "reader.tui.app"
    ]
    assert not offenders
    casts = [
        str(path.relative_to(PACKAGE.parent))
        for path in sources()
        if module_name(path).startswith(("reader.tui.screens", "reader.tui.widgets"))
        and "ReaderApp" in path.read_text(encoding="utf-8")
    ]
    assert not casts


def test_the_layer_test_sees_imports_inside_functions(tmp_path: Path) -> None:
    # The reader is imported lazily by the command line: a reading that missed it would pass anything.
    found = dict((target, line) for line, target in imports_of(PACKAGE / "cli" / "base.py"))
    assert "reader.tui.app" in found
