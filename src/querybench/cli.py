"""The ``querybench`` command: wiring only; the logic lives in the packages it calls."""

from __future__ import annotations

import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from querybench.cli_messages import click_message, one_line, show_warning
from querybench.errors import Interrupted, QuerybenchError

if TYPE_CHECKING:
    from querybench.gate.verdict import CheckReport


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Count, fingerprint and benchmark the SQL statements SQLAlchemy code emits."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _sizes_option(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"expected sizes like 1,10,100, got {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise click.BadParameter(f"sizes must be positive integers, got {text!r}")
    return sizes


SUITES_HELP = (
    "SUITE: a file (benchmarks/bench_orders.py), a module, or module:attribute. Default: the "
    "suites of [tool.querybench] in pyproject.toml, else the built-in payments suite."
)


@cli.command(epilog=SUITES_HELP)
@click.argument("suite_refs", nargs=-1, metavar="[SUITE]...")
@click.option(
    "--db",
    "databases",
    multiple=True,
    metavar="URL",
    help="Database URL (repeatable). Default: a SQLite file in the cache folder.",
)
@click.option(
    "--dataset",
    metavar="NAME|PATH",
    help="Dataset name or spec path, for suites with named datasets (payments: default small).",
)
@click.option("--sizes", metavar="N,N,...", help="Sizes to run (default: the dataset's sweep).")
@click.option("-k", "pattern", metavar="PATTERN", help="Only scenarios matching this.")
@click.option("--variants", metavar="V,V,...", help="Only these variants (naive,eager,...).")
@click.option(
    "--rtt",
    type=float,
    default=0.0,
    show_default=True,
    metavar="MS",
    help="Add MS milliseconds to every statement: a model of a remote database.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("reports/latest"),
    show_default=True,
    help="Folder for results.json, results.csv, report.html.",
)
@click.option(
    "--rounds",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Minimum timed rounds per cell.",
)
@click.option(
    "--min-time",
    type=click.FloatRange(min=0),
    default=0.15,
    show_default=True,
    help="Minimum seconds of timed rounds per cell.",
)
@click.option("--plans", is_flag=True, help="Keep each statement's plan; report plan findings.")
@click.option(
    "--prove-indexes", is_flag=True, help="Measure each advised index without and with it."
)
@click.option(
    "--schema",
    type=click.Choice(["indexed", "phase3"]),
    help="Payments schema: today's (indexed) or the seed's Phase 3.2 (no composite indexes).",
)
def run(
    suite_refs: tuple[str, ...],
    databases: tuple[str, ...],
    dataset: str | None,
    sizes: str | None,
    pattern: str | None,
    variants: str | None,
    rtt: float,
    out: Path,
    rounds: int,
    min_time: float,
    plans: bool,
    prove_indexes: bool,
    schema: str | None,
) -> None:
    """Run the suites' scenarios, print the before/after table, write results and report."""
    from querybench.runner.job import RunOptions, RunState
    from querybench.runner.timing import TimingPolicy
    from querybench.suites.discovery import load_suites

    suites = load_suites(suite_refs)
    options = RunOptions(
        dataset=dataset,
        # An empty --db "" stands for the default SQLite file, beside other --db URLs.
        databases=tuple(url or None for url in databases) or (None,),
        sizes=_sizes_option(sizes),
        pattern=pattern,
        variants=tuple(v.strip() for v in variants.split(",")) if variants else None,
        rtt_ms=rtt,
        out=out,
        policy=TimingPolicy(min_time=min_time, min_rounds=rounds),
        plans=plans,
        prove_indexes=prove_indexes,
        schema=schema,
    )
    from querybench.cli_run import run_with_progress

    exit_code = run_with_progress(options, RunState(), suites)
    if exit_code:
        raise click.exceptions.Exit(exit_code)


@cli.command("plans")
@click.argument("results", type=click.Path(path_type=Path))
@click.option(
    "--indexed",
    type=click.Path(path_type=Path),
    help="Results of the same run on the indexed schema: print what the indexes buy per cell.",
)
def plans_command(results: Path, indexed: Path | None) -> None:
    """Print the plan findings, index advice and index proofs of a results file."""
    from querybench.plans.render import render_plan_findings, render_schema_gain
    from querybench.runner.results import read_results

    measured = read_results(results)
    click.echo(render_plan_findings(measured), nl=False)
    if indexed is not None:
        click.echo(render_schema_gain(measured, read_results(indexed)), nl=False)


@cli.command()
@click.argument("models", metavar="MODELS")
@click.option("--db", "databases", multiple=True, metavar="URL", help="Database URL (repeatable).")
@click.option("--spec", type=click.Path(path_type=Path), help="A dataset spec (TOML) for MODELS.")
@click.option("--sizes", metavar="N,N,...", help="Sizes to run (default: 1,10,100).")
@click.option("-k", "pattern", metavar="PATTERN", help="Only relationships matching this.")
@click.option("--variants", metavar="V,V,...", help="Only these strategies (default,joined,...).")
@click.option("--rtt", type=float, default=0.0, show_default=True, metavar="MS")
@click.option(
    "--out", type=click.Path(path_type=Path), default=Path("reports/explore"), show_default=True
)
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--min-time", type=click.FloatRange(min=0), default=0.15, show_default=True)
def explore(
    models: str,
    databases: tuple[str, ...],
    spec: Path | None,
    sizes: str | None,
    pattern: str | None,
    variants: str | None,
    rtt: float,
    out: Path,
    rounds: int,
    min_time: float,
) -> None:
    """Measure every loader strategy on every relationship of MODELS (module:Base)."""
    from querybench.runner.job import RunOptions
    from querybench.runner.timing import TimingPolicy
    from querybench.suites.explore_report import run_exploration

    options = RunOptions(
        databases=tuple(url or None for url in databases) or (None,),
        sizes=_sizes_option(sizes),
        pattern=pattern,
        variants=tuple(v.strip() for v in variants.split(",")) if variants else None,
        rtt_ms=rtt,
        out=out,
        policy=TimingPolicy(min_time=min_time, min_rounds=rounds),
    )
    exit_code = run_exploration(models, options, spec)
    if exit_code:
        raise click.exceptions.Exit(exit_code)


@cli.command(epilog=SUITES_HELP)
@click.argument("suite_refs", nargs=-1, metavar="[SUITE]...")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: a table in a terminal, tab-separated columns otherwise; json: for scripts.",
)
def scenarios(suite_refs: tuple[str, ...], output_format: str) -> None:
    """List the suites' scenarios, their variants and what N means for each."""
    from querybench.suites.discovery import load_suites
    from querybench.suites.listing import print_scenarios

    print_scenarios(load_suites(suite_refs), output_format)


@cli.command()
@click.argument("dataset", required=False, metavar="[NAME|PATH]")
@click.option(
    "--db",
    "database",
    metavar="URL",
    help="Build into this database. Default: a SQLite file in the cache folder.",
)
def datasets(dataset: str | None, database: str | None) -> None:
    """List the dataset specs, or build one and print its rows, digest and build time."""
    from rich.console import Console

    from querybench.datasets import available_specs, build_dataset, load_spec
    from querybench.datasets.render import build_summary, specs_table

    console = Console(width=None if sys.stdout.isatty() else 200)
    if dataset is None:
        if database is not None:
            raise click.UsageError(
                "--db needs a dataset to build: querybench datasets NAME --db URL"
            )
        console.print(specs_table(available_specs()))
        return
    if dataset.endswith(".toml") and Path(dataset).is_file():
        from querybench.suites.explore import generated_source, is_schema_spec

        if is_schema_spec(Path(dataset)):
            from querybench.datasets import build_source

            console.print(build_summary(build_source(generated_source(Path(dataset)), database)))
            return
    console.print(build_summary(build_dataset(load_spec(dataset), database)))


@cli.command()
@click.argument("results", type=click.Path(path_type=Path), metavar="RESULTS")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    metavar="BASE",
    help="Compare every cell with this earlier results file; regressions first.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    metavar="HTML",
    help="Where to write the HTML report. Default: report.html beside RESULTS.",
)
@click.option(
    "--markdown",
    type=click.Path(path_type=Path),
    metavar="MD",
    help="Also write a markdown summary (for a PR comment or $GITHUB_STEP_SUMMARY).",
)
def report(
    results: Path, baseline: Path | None, output: Path | None, markdown: Path | None
) -> None:
    """Write the HTML report of a results file (or of bench/'s pytest-benchmark JSON)."""
    from querybench.report.output import write_reports

    written = write_reports(
        results, baseline_path=baseline, html_path=output, markdown_path=markdown
    )
    click.echo(f"wrote {', '.join(str(path) for path in written)}")


@cli.command()
@click.argument("results", type=click.Path(path_type=Path), metavar="RESULTS")
@click.option(
    "--baseline",
    "baseline_path",
    required=True,
    type=click.Path(path_type=Path),
    metavar="BASE",
    help="The committed baseline (a results file; see `querybench baseline`).",
)
@click.option(
    "--tolerance",
    default="25%",
    show_default=True,
    metavar="PCT",
    help="How far a speedup (or, with --absolute, a median) may move before it counts.",
)
@click.option(
    "--absolute",
    is_flag=True,
    help="Also compare absolute latencies (Mann-Whitney U on the rounds, p < 0.01).",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="TOML file with [tool.querybench.budgets]. Default: ./pyproject.toml if present.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="Report format on stdout ($GITHUB_STEP_SUMMARY, if set, gets markdown).",
)
def check(
    results: Path,
    baseline_path: Path,
    tolerance: str,
    absolute: bool,
    config: Path | None,
    output_format: str,
) -> None:
    """Compare RESULTS with a baseline: exit 0 if nothing regressed, 1 if something did."""
    from querybench.gate import CheckOptions, check, parse_tolerance

    options = CheckOptions(tolerance=parse_tolerance(tolerance), absolute=absolute, config=config)
    _report(check(results, baseline_path, options), output_format)


@cli.command()
@click.argument("ref", metavar="REF")
@click.argument("suite", required=False, metavar="[SUITE]")
@click.option("--db", "database", metavar="URL", help="Database URL. Default: a SQLite file.")
@click.option("--dataset", help="Dataset name or spec path (payments default: tiny).")
@click.option("--sizes", metavar="N,N,...", help="Sizes to compare (default: the dataset's).")
@click.option("-k", "pattern", metavar="PATTERN", help="Only scenarios matching this.")
@click.option(
    "--pairs", type=click.IntRange(min=6, max=50), default=15, show_default=True,
    help="Paired rounds per cell (A, B then B, A, ...).",
)  # fmt: skip
@click.option(
    "--round-time", type=click.FloatRange(min=0, min_open=True), default=0.005,
    show_default=True, metavar="S", help="Seconds one round lasts (calls are repeated).",
)  # fmt: skip
@click.option(
    "--min-effect", default="10%", show_default=True, metavar="PCT",
    help="A cell is slower only when it is significantly more than this slower.",
)  # fmt: skip
@click.option(
    "--alpha", type=float, default=0.05, show_default=True,
    help="Chance of any false latency alarm in the run (Holm-corrected over the cells).",
)  # fmt: skip
@click.option(
    "--config",
    type=click.Path(path_type=Path),
    metavar="PATH",
    help="TOML file with [tool.querybench.budgets]. Default: ./pyproject.toml.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    metavar="DIR",
    help="Also write DIR/base/ and DIR/head/ results files.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["text", "markdown", "json"]),
    default="text", show_default=True,
    help="Report format on stdout ($GITHUB_STEP_SUMMARY, if set, gets markdown).",
)  # fmt: skip
def compare(
    ref: str,
    suite: str | None,
    database: str | None,
    dataset: str | None,
    sizes: str | None,
    pattern: str | None,
    pairs: int,
    round_time: float,
    min_effect: str,
    alpha: float,
    config: Path | None,
    out: Path | None,
    output_format: str,
) -> None:
    """Gate the working tree against revision REF, both measured in turns in this job.

    Exit 0 if nothing regressed, 1 if something did, 2 for unusable input.
    """
    from querybench.gate import parse_tolerance
    from querybench.gate.against import CompareOptions, compare_against
    from querybench.runner.interleave import PairPolicy

    options = CompareOptions(
        ref=ref,
        suite=suite or "",
        dataset=dataset,
        database=database,
        sizes=_sizes_option(sizes),
        policy=PairPolicy(pairs=pairs, round_time=round_time),
        alpha=alpha,
        min_effect=parse_tolerance(min_effect),
        config=config,
        out=out,
        pattern=pattern or "",
    )
    from querybench.runner.job import sigterm_as_interrupt

    # SIGTERM as a clean stop, so the base revision's worktree is removed on a CI cancel too.
    with sigterm_as_interrupt():
        report = compare_against(options)
    _report(report, output_format)


def _report(report: CheckReport, output_format: str) -> None:
    """Print a check's report, append it to $GITHUB_STEP_SUMMARY, exit 1 on a regression."""
    import os

    from querybench.gate import RENDERERS, render_markdown

    for warning in report.warnings:
        click.echo(f"querybench: warning: {warning}", err=True)
    click.echo(RENDERERS[output_format](report))
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as out:
            out.write(render_markdown(report) + "\n")
    if report.exit_code:
        raise click.exceptions.Exit(report.exit_code)


@cli.command()
@click.argument("results", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    metavar="BASE",
    help="Baseline file to write or refresh, e.g. fixtures/baselines/sqlite.json.",
)
def baseline(results: tuple[Path, ...], output: Path) -> None:
    """Write or refresh a baseline from finished runs (each cell from its fastest run)."""
    from querybench.gate import write_baseline

    written = write_baseline(results, output)
    backends = ", ".join(sorted({cell.backend for cell in written.cells}))
    click.echo(f"wrote {output}: {len(written.cells)} cells on {backends}")


@cli.command()
@click.option(
    "--db",
    "database",
    required=True,
    metavar="URL",
    help="A PostgreSQL or MariaDB server on loopback; the dataset goes in a scratch "
    "database beside the one named (querybench_load_<dataset>), never in it.",
)
@click.option("--dataset", default="small", show_default=True, help="Dataset name or spec path.")
@click.option(
    "--endpoint",
    default="payments-by-status",
    show_default=True,
    help="payment, user-payments, payments-by-status or active-users.",
)
@click.option(
    "--size",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="N: the rows the endpoint returns (a size of the dataset).",
)
@click.option(
    "--clients",
    default="1,4,16,64",
    show_default=True,
    metavar="N,N,...",
    help="Concurrent clients, one point each.",
)
@click.option("--variants", default="naive,eager", show_default=True, metavar="V,V")
@click.option("--pool-size", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--max-overflow", type=click.IntRange(min=0), default=0, show_default=True)
@click.option(
    "--pool-timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds a request waits for a connection before failing.",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    help="Each point stops after this many requests ...",
)
@click.option(
    "--max-seconds",
    type=click.FloatRange(min=0, min_open=True),
    default=20.0,
    show_default=True,
    help="... or after this many seconds.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="0: one Locust process; N: a Locust master and N workers on loopback.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="The server's address.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("reports/load"),
    show_default=True,
    help="Folder for load.json and report.html.",
)
def load(database: str, dataset: str, endpoint: str, size: int, clients: str, variants: str,
         pool_size: int, max_overflow: int, pool_timeout: float, max_requests: int,
         max_seconds: float, workers: int, host: str, out: Path) -> None:  # fmt: skip
    """Drive the payments routes with concurrent clients (Locust) on a bounded pool."""
    from querybench.load.run import LoadOptions, run_load, summary_lines, sweep

    options = LoadOptions(
        database=database, dataset=dataset, endpoint=endpoint, size=size,
        clients=sweep(clients), variants=tuple(v.strip() for v in variants.split(",") if v),
        pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout,
        max_requests=max_requests, max_seconds=max_seconds, workers=workers, host=host, out=out,
    )  # fmt: skip
    _, written = run_load(options, lambda point: click.echo(summary_lines([point])[0]))
    from querybench.report.output import write_reports

    reports = write_reports(written)
    click.echo(f"wrote {written}, {', '.join(str(path) for path in reports)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status: 0 ok, 1 regression, 2 unusable input.

    Every usage error, ours or click's, is one ``querybench: error:`` line on stderr and exit 2;
    ``--debug`` (accepted anywhere on the line) shows the traceback instead. Warnings are one
    ``querybench: warning:`` line each, not Python's two-line dump.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:  # the group's option, moved to where click expects it
        args = ["--debug", *(arg for arg in args if arg != "--debug")]
    try:
        with warnings.catch_warnings():
            warnings.showwarning = show_warning
            # Not standalone, click returns the code of a raised Exit instead of raising it.
            status = cli.main(args=args, prog_name="querybench", standalone_mode=False)
    except QuerybenchError as error:
        if debug:
            raise
        click.echo(f"querybench: error: {one_line(str(error))}", err=True)
        return 2
    except click.exceptions.Exit as done:
        return int(done.exit_code)
    except click.ClickException as error:
        if debug:
            raise
        click.echo(f"querybench: error: {click_message(error)}", err=True)
        return 2
    except OSError as error:  # a file we were told to read or write: the disk, not a bug
        if debug:
            raise
        where = f"{error.filename}: " if error.filename else ""
        reason = one_line(where + (error.strerror or str(error)))
        click.echo(f"querybench: error: {reason}", err=True)
        return 2
    except Interrupted as stop:
        click.echo(f"querybench: {stop}", err=True)
        return stop.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("querybench: interrupted", err=True)
        return 130
    return status if isinstance(status, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
