"""How the ``querybench`` command words errors and warnings: one line each, on stderr."""

from __future__ import annotations

from typing import TextIO

import click


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, made one space."""
    return " ".join(text.split())


def click_message(error: click.ClickException) -> str:
    """Click's message on one line, with where to find help (its usage block is dropped)."""
    message = one_line(error.format_message())
    context = getattr(error, "ctx", None)
    if isinstance(context, click.Context):
        message += f" (see '{context.command_path} --help')"
    return message


def show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """``warnings.showwarning`` for the command line: one ``querybench: warning:`` line."""
    click.echo(f"querybench: warning: {one_line(str(message))}", err=True)
