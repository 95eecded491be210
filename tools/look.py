"""Render the reader's main screens as SVG and PNG, to look at them the way a person does.

A snapshot test only says a screen did not change; whether it is right is
for a person to see. This draws each screen headless (``App.run_test`` and
``export_screenshot``) at several sizes and themes, on the demo library or
any library file, and turns each SVG into a PNG with headless Chromium
(Debian's ``chromium``) when it is installed.

    python tools/look.py                       # the demo, every size, dark and light
    python tools/look.py --db ~/library.db --sizes 80x24 160x48 --themes gruvbox
    python tools/look.py --out /tmp/look       # where the files go (default: ./look)

Each screen is named ``<scene>-<width>x<height>-<theme>.svg`` (and ``.png``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from reader.service.demo import load_demo
from reader.store import Store
from reader.tui.app import save_screenshot

#: What to press from the first screen for each scene.
SCENES: dict[str, list[str]] = {
    "browse": ["j"],
    "read": ["j", "enter"],
    "comments": ["j", "enter", "tab", "j"],
    "help": ["question_mark", "j"],
    "links": ["j", "enter", "L"],
    "feeds": ["escape", "j"],
}
SIZES = ["80x24", "120x40", "160x48", "220x60"]
THEMES = ["textual-dark", "textual-light"]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def shoot(db: Path, svg: Path, size: tuple[int, int], theme: str, keys: list[str]) -> None:
    """Run the reader on a copy of ``db`` (keys mark articles read), press ``keys``, save the screen."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "library.db"
        with Store(db) as source, Store(copy) as target:
            source.conn.backup(target.conn)
        save_screenshot(copy, svg, size=size, keys=keys, theme=theme)


def to_png(svg: Path, size: tuple[int, int]) -> Path | None:
    """The SVG as a PNG, or None without Chromium."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        return None
    png = svg.with_suffix(".png")
    width, height = size
    window = f"--window-size={width * 9 + 40},{height * 20 + 80}"
    with tempfile.TemporaryDirectory() as profile:
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", window, str(svg)]
        subprocess.run(command, capture_output=True, timeout=60, check=False)
    return png if png.exists() else None


def main() -> None:
    """Draw every scene at every size in every theme."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="a library file (default: the demo)")
    parser.add_argument("--out", type=Path, default=Path("look"))
    parser.add_argument("--sizes", nargs="+", default=SIZES)
    parser.add_argument("--themes", nargs="+", default=THEMES)
    parser.add_argument("--scenes", nargs="+", default=list(SCENES), choices=list(SCENES))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = args.db
        if db is None:
            db = Path(folder) / "demo.db"
            with Store(db) as store:
                load_demo(store)
        for scene in args.scenes:
            for size_text in args.sizes:
                width, height = (int(part) for part in size_text.split("x"))
                for theme in args.themes:
                    svg = args.out / f"{scene}-{width}x{height}-{theme}.svg"
                    shoot(db, svg, (width, height), theme, SCENES[scene])
                    png = to_png(svg, (width, height))
                    print(png or svg)


if __name__ == "__main__":
    main()
