"""``querybench compare REF``: gate the working tree against a base revision in one job.

Both revisions run on one dataset, built once, in worker processes of their own, their rounds
interleaved (``runner.interleave``). Counts, growth and budgets are judged exactly as ``check``
judges them against a baseline file, with the statements whose counts moved named; latency by
paired rounds (``gate.paired``). The report is a ``CheckReport``: same renderers, same exit codes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from pathlib import Path

from querybench.errors import QuerybenchError, SuiteError
from querybench.gate.budgets import load_budgets
from querybench.gate.counts import check_budgets, compare_cells, compare_growth
from querybench.gate.fetched import compare_fetched
from querybench.gate.paired import ALPHA, MIN_EFFECT, judge_paired
from querybench.gate.verdict import CheckReport, Verdict
from querybench.runner.cpus import idlest_cpu
from querybench.runner.environment import describe
from querybench.runner.interleave import CellKey, PairPolicy, compare_trees
from querybench.runner.job import RunOptions, open_backends
from querybench.runner.results import Cell, Results, write_results
from querybench.runner.revision import base_revision, working_tree
from querybench.suites import Suite, load_suites
from querybench.suites.discovery import configured_suites

DEFAULT_SUITE = "querybench.scenarios.builtin:payments_registry"
STATEMENTS_NAMED = 3


@dataclass(frozen=True)
class CompareOptions:
    """What ``querybench compare`` was asked to do."""

    ref: str
    suite: str = ""  # empty: [tool.querybench] suites, else the payments suite
    dataset: str | None = None  # None: tiny for payments, else the suite's own
    database: str | None = None
    sizes: tuple[int, ...] | None = None
    policy: PairPolicy = field(default_factory=PairPolicy)
    alpha: float = ALPHA
    min_effect: float = MIN_EFFECT
    config: Path | None = None
    tree: Path = Path()
    out: Path | None = None
    pattern: str = ""


def statement_changes(old: Cell, new: Cell) -> str:
    """The statements whose counts moved, as ``+10 x SELECT ...``, the largest moves first."""
    before = {group.fingerprint: group.count for group in old.statements}
    after = {group.fingerprint: group.count for group in new.statements}
    moves = [
        (after.get(fp, 0) - before.get(fp, 0), fp)
        for fp in sorted(set(before) | set(after))
        if after.get(fp, 0) != before.get(fp, 0)
    ]
    moves.sort(key=lambda move: -abs(move[0]))
    shown = [f"{delta:+d} x {fp[:160]}" for delta, fp in moves[:STATEMENTS_NAMED]]
    if len(moves) > STATEMENTS_NAMED:
        shown.append(f"and {len(moves) - STATEMENTS_NAMED} more")
    return "; ".join(shown)


def _named(
    verdict: Verdict, base: dict[tuple[str, str, int, str], Cell], head: list[Cell]
) -> Verdict:
    if verdict.kind not in ("queries", "improved") or verdict.size is None:
        return verdict
    key = (verdict.scenario, verdict.variant, verdict.size, verdict.backend)
    new = next((cell for cell in head if cell.key == key), None)
    old = base.get(key)
    if old is None or new is None or old.queries == new.queries:
        return verdict
    return replace(verdict, summary=f"{verdict.summary}: {statement_changes(old, new)}")


def judge(
    base: list[Cell],
    head: list[Cell],
    options: CompareOptions,
    label: str,
    changed_results: Collection[tuple[str, str, int, str]] = (),
) -> tuple[list[str], CheckReport]:
    """Budget warnings and the report of two revisions' cells."""
    hint = f"Fix the code, or accept the change: it is judged against {label}"
    regressions, notes = compare_cells(base, head, hint)
    regressions += compare_growth(base, head, hint)
    budget_regressions, warnings = check_budgets(load_budgets(options.config), head)
    regressions += budget_regressions
    more_fetched, fetch_notes = compare_fetched(base, head, changed_results, hint)
    regressions += more_fetched
    notes += fetch_notes
    slower, faster, latency = judge_paired(
        base, head, alpha=options.alpha, min_effect=options.min_effect, hint=hint
    )
    by_key = {cell.key: cell for cell in base}
    regressions = [_named(v, by_key, head) for v in regressions + slower]
    notes = [_named(v, by_key, head) for v in notes + faster]
    report = CheckReport(
        results_path="working tree",
        baseline_path=label,
        compared=len({cell.key for cell in head} & set(by_key)),
        regressions=tuple(regressions),
        notes=tuple(notes),
        latency=latency,
    )
    return warnings, report


def suite_of(ref: str, root: Path) -> Suite | None:
    """The ``Suite`` SUITE names in the working tree, whose dataset the comparison builds; None
    (the payments datasets) for the built-in suite and for a Registry or a list of scenarios,
    which run over payments' datasets as ``querybench run`` runs a bare Registry."""
    if ref == DEFAULT_SUITE:
        return None
    try:
        suites = load_suites([ref], root)
    except SuiteError as error:
        if "not a querybench Suite" in str(error):
            return None
        raise
    if len(suites) != 1:
        names = ", ".join(suite.name for suite in suites)
        raise QuerybenchError(f"{ref} holds {len(suites)} suites ({names}); name one: FILE:ATTR")
    return suites[0]


def configured_refs(root: Path, start: Path) -> tuple[str, ...]:
    """``[tool.querybench] suites`` of the nearest pyproject.toml, as the workers load them
    (from the tree's root: a file's path is made relative to it); the payments suite without."""
    configured = configured_suites(start)
    if configured is None:
        return (DEFAULT_SUITE,)
    refs, folder = configured
    found = []
    for ref in refs:
        target, colon, attr = ref.partition(":")
        if target.endswith(".py"):
            path = (folder / target).resolve()
            try:
                target = str(path.relative_to(root.resolve()))
            except ValueError:
                raise QuerybenchError(
                    f"[tool.querybench] suites: {ref} is outside the repository ({root})"
                ) from None
        found.append(f"{target}{colon}{attr}")
    return tuple(found)


def compare_against(
    options: CompareOptions, on_cell: Callable[[CellKey], None] | None = None
) -> CheckReport:
    """Measure the working tree against ``options.ref`` and judge; unusable input raises."""
    if not 0 < options.alpha < 1:
        raise QuerybenchError(f"--alpha: expected a number between 0 and 1, got {options.alpha}")
    load_budgets(options.config)  # a bad budgets file fails before anything is measured
    head_tree, dirty = working_tree(options.tree.resolve())
    refs = (
        (options.suite,)
        if options.suite
        else configured_refs(head_tree.root, options.tree.resolve())
    )
    suites = [(ref, suite_of(ref, head_tree.root)) for ref in refs]
    base: list[Cell] = []
    head: list[Cell] = []
    changed: list[CellKey] = []
    cpu = idlest_cpu() if options.policy.pin else None
    with base_revision(head_tree.root, options.ref) as base_tree:
        for ref, suite in suites:
            # The dataset is built once per suite, as the working tree's suite says (payments:
            # --dataset, tiny by default).
            dataset = options.dataset or (None if suite is not None else "tiny")
            run_options = RunOptions(
                dataset=dataset, databases=(options.database,), sizes=options.sizes
            )
            backends, source, digest = open_backends(run_options, suite)
            backend = backends[0]
            try:
                environment = describe(backends, source.name, digest)
                url = backend.engine.url.render_as_string(hide_password=False)
            finally:
                backend.dispose()
            sizes = options.sizes or tuple(source.sizes) or (suite.sizes if suite else ())
            old, new, moved = compare_trees(
                (base_tree, head_tree),
                ref,
                url,
                backend.label,
                sizes,
                options.policy,
                on_cell,
                options.pattern,
                cpu,
            )
            base += old
            head += new
            changed += moved
    if not head:
        selected = f" matching -k {options.pattern!r}" if options.pattern else ""
        named = ", ".join(repr(ref) for ref in refs)
        raise QuerybenchError(f"nothing to compare: the suite {named} has no cell{selected}")
    if options.out is not None:
        for name, cells, commit in (("base", base, base_tree.commit), ("head", head, "")):
            results = Results(
                replace(environment, git_commit=commit or environment.git_commit), tuple(cells)
            )
            write_results(results, options.out / name)
    backend_label = head[0].backend if head else ""
    changed_keys = {(*key, backend_label) for key in changed}
    warnings = [
        f"{name}[{variant}] @ N={size}: returns other data than {base_tree.label}"
        for name, variant, size in changed
    ]
    budget_warnings, report = judge(base, head, options, base_tree.label, changed_keys)
    processes = len(options.policy.blocks())
    where = "free to run on any CPU" if cpu is None else f"pinned together to CPU {cpu}"
    placement = f"both workers {where}, {processes} pair{'s' * (processes > 1)} of processes"
    report = replace(report, latency=replace(report.latency, placement=placement))
    if dirty:
        warnings.insert(0, "the working tree has uncommitted changes: they were measured too")
    return replace(report, warnings=tuple(warnings + budget_warnings))
