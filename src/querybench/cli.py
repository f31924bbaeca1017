"""The ``querybench`` command: wiring only; the logic lives in the packages it calls."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from querybench.errors import QuerybenchError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Count, fingerprint and benchmark the SQL statements SQLAlchemy code emits."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status: 0 ok, 1 regression, 2 unusable input."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="querybench", standalone_mode=False)
    except QuerybenchError as error:
        if debug:
            raise
        click.echo(f"querybench: error: {error}", err=True)
        return 2
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as error:
        error.show()
        return 2
    except click.exceptions.Abort:
        click.echo("querybench: interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
