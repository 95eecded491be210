"""``reader config``: where the config is, what it holds, and editing it."""

from __future__ import annotations

import os
import sys

import click

from reader import paths
from reader.cli.base import EXIT_FAILURE, Context, UserError, pass_context, say
from reader.cli.root import cli
from reader.config import config_path, effective_toml, example_toml
from reader.config import load as load_config


@cli.group("config")
def config_group() -> None:
    """Where the config file is, what it sets, and a way to edit it."""


@config_group.command("path")
def config_path_command() -> None:
    """Print the config file's path (READER_CONFIG overrides it)."""
    say(str(config_path()))


@config_group.command("show")
@click.option("--defaults", is_flag=True, help="Print every setting's default instead.")
@pass_context
def config_show_command(state: Context, defaults: bool) -> None:
    """Print the settings in effect, as TOML; problems in the file go to stderr."""
    if defaults:
        say(example_toml(), nl=False)
        return
    for problem in state.config.problems:
        say(f"reader: warning: {problem}", err=True)
    say(effective_toml(state.config), nl=False)
    if state.config.problems:
        sys.exit(EXIT_FAILURE)


@config_group.command("edit")
def config_edit_command() -> None:
    """Open the config file in $VISUAL or $EDITOR (made with every default if missing), then check it."""
    import shlex
    import subprocess

    path = config_path()
    if not path.exists():
        try:
            paths.make_private_folder(path.parent)
            path.write_text(example_toml(), encoding="utf-8")
        except OSError as error:
            raise UserError(f"{path}: cannot create it ({error.strerror})") from None
    editor = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    try:
        subprocess.run([*shlex.split(editor), str(path)], check=False)
    except OSError as error:
        raise UserError(f"cannot start the editor {editor!r} ({error.strerror}); set $EDITOR") from None
    problems = load_config(path).problems
    for problem in problems:
        say(f"reader: warning: {problem}", err=True)
    if problems:
        sys.exit(EXIT_FAILURE)
