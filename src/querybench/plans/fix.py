"""``prove_plan_fix``: the plan findings of a code path, and each advised index proven by
re-running it, as ``prove_fix`` proves loader options.

``fn`` takes no arguments and opens its own Session (as for ``prove_fix``). It is called once,
recorded, noting the engine each statement ran on; each engine's statements are explained and
the plan rules applied (:mod:`querybench.plans.findings`). Then, for each advised index:

- in a database querybench built (``querybench_meta``), ``fn`` is timed without the index,
  the index is created, ``fn`` is timed again and the index dropped (:func:`prove_index`;
  on PostgreSQL a hypopg hypothetical index first, where the server has the extension);
- anywhere else nothing is created or dropped: on PostgreSQL, where hypopg is already
  installed in that database, the plan with the index as a hypothetical one (it lives in the
  session's memory only) shows whether the planner would read it; otherwise the advice alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from querybench.errors import OwnershipError, QuerybenchError
from querybench.plans.collect import collect_plans
from querybench.plans.proof import hypothetical_plan, prove_index
from querybench.plans.schema import require_owned
from querybench.plans.shape import IndexProof, Plan, PlanFinding
from querybench.recorder import count_queries
from querybench.recorder.binds import Bind, resolve_bind
from querybench.recorder.statement import Statement
from querybench.runner.timing import TimingPolicy

__all__ = ["PlanFixProof", "prove_plan_fix"]


@dataclass(frozen=True)
class PlanFixProof:
    """What the plans of ``fn``'s statements show, and what each advised index did.

    ``proofs`` are the indexes measured (a database querybench built); ``hypothetical`` the
    plans with a hypothetical index (PostgreSQL with hypopg, elsewhere), each beside its
    finding; ``reason`` why an index was not measured. ``proven`` when at least one advised
    index was created, read by the plan, and made ``fn`` faster.
    """

    findings: tuple[PlanFinding, ...]
    proofs: tuple[IndexProof, ...]
    hypothetical: tuple[tuple[PlanFinding, Plan], ...]
    reason: str

    @property
    def proven(self) -> bool:
        """Whether an advised index was measured, read and faster."""
        return any(proof.uses_index and proof.speedup > 1 for proof in self.proofs)

    def __str__(self) -> str:
        if not self.findings:
            return "no plan finding"
        advice = "; ".join(
            f"{f.kind} on {f.table}" + (f": {f.model_index}" if f.model_index else "")
            for f in self.findings
        )
        parts = [f"{len(self.findings)} plan finding{'s' * (len(self.findings) > 1)}: {advice}"]
        parts += [f"proven: {proof}" for proof in self.proofs]
        for finding, plan in self.hypothetical:
            parts.append(
                f"hypothetical index on {finding.table}({', '.join(finding.columns)}):"
                f" plan {plan.summary()}"
            )
        if self.reason:
            parts.append(f"not measured: {self.reason}")
        return "; ".join(parts)


def _engine(bind: Bind) -> Engine:
    """The engine a bind's statements run on."""
    target, session = resolve_bind(bind)
    if session is not None:
        engine = session.get_bind()
        return engine if isinstance(engine, Engine) else engine.engine
    if isinstance(target, Connection):
        return target.engine
    assert isinstance(target, Engine)  # resolve_bind gives nothing else for a bind
    return target


def _recorded(
    fn: Callable[[], object], bind: Bind | None
) -> dict[int, tuple[Engine, list[Statement]]]:
    """Call ``fn`` once, recorded; its statements grouped by the engine each ran on (matched
    by their SQL text: a text two engines both ran goes with the first)."""
    engines: dict[str, Engine] = {}

    def seen(conn: Connection, _cursor: object, statement: str, *_: object) -> None:
        engines.setdefault(statement, conn.engine)

    if bind is not None:
        with count_queries(bind) as recorder:
            fn()
        return {0: (_engine(bind), list(recorder.statements))}
    event.listen(Engine, "before_cursor_execute", seen)
    try:
        with count_queries() as recorder:
            fn()
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    grouped: dict[int, tuple[Engine, list[Statement]]] = {}
    for statement in recorder.statements:
        engine = engines.get(statement.sql)
        if engine is not None:
            grouped.setdefault(id(engine), (engine, []))[1].append(statement)
    return grouped


def _owned(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            require_owned(conn, "create an index")
    except OwnershipError:
        return False
    return True


def prove_plan_fix(
    fn: Callable[[], object],
    bind: Bind | None = None,
    *,
    policy: TimingPolicy | None = None,
) -> PlanFixProof:
    """Call ``fn``, explain its statements, and prove each advised index where allowed::

    proof = prove_plan_fix(lambda: payments_by_status(engine, 1, "failed"), engine)
    print(proof)  # 1 plan finding: full_scan on payments: Index(...); proven: ... (6.7x)
    """
    findings: list[PlanFinding] = []
    proofs: list[IndexProof] = []
    hypothetical: list[tuple[PlanFinding, Plan]] = []
    reasons: list[str] = []
    for engine, statements in _recorded(fn, bind).values():
        owned = _owned(engine)
        found = collect_plans(engine, statements, analyse=owned).findings
        findings += found
        for finding in (f for f in found if f.columns):
            if owned:
                try:
                    proofs.append(prove_index(engine, _body(fn), finding, policy=policy))
                except QuerybenchError as error:
                    reasons.append(str(error))
                continue
            statement = next(s for s in statements if s.fingerprint == finding.fingerprint)
            plan = hypothetical_plan(engine, statement, finding)
            if plan is not None:
                hypothetical.append((finding, plan))
            where = engine.url.render_as_string(hide_password=True)
            reasons.append(f"{where} is not a database querybench built: nothing was created")
    return PlanFixProof(
        tuple(findings), tuple(proofs), tuple(hypothetical), "; ".join(dict.fromkeys(reasons))
    )


def _body(fn: Callable[[], object]) -> Callable[[Session], object]:
    """A cell's round from ``fn``: it opens its own Session, so the one given is not used."""
    return lambda _session: fn()
