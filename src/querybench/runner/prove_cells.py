"""Proofs for ``querybench run``: each naive cell with findings is run again with the loader
options its findings call for, and the verdict is kept beside the cell's numbers."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from querybench.recorder import QueryRecorder, prove_fix
from querybench.runner.results import ProofRecord


def prove_cell(engine: Engine, body: Callable[[Session], object]) -> ProofRecord:
    """Prove the fix of ``body``, each call in a fresh Session that is rolled back."""

    def call() -> object:
        with Session(engine) as session:
            session.connection()  # BEGIN before the body, as the measured cells do
            try:
                return body(session)
            finally:
                session.rollback()

    try:
        proof = prove_fix(call, engine)
    except Exception as error:  # a proof that breaks must not fail the cell it describes
        first_line = (str(error).strip().splitlines() or [""])[0]
        return ProofRecord(False, (), 0, 0, 0.0, 0.0, 0, f"{type(error).__name__}: {first_line}")
    return ProofRecord(
        proven=proof.proven,
        options=proof.options,
        before_queries=proof.before.count,
        after_queries=proof.after.count,
        before_seconds=proof.before_time,
        after_seconds=proof.after_time,
        fixed=len(proof.fixed),
        reason=proof.reason,
        notes=proof.notes,
    )


def prove_naive(
    variant: str, engine: Engine, body: Callable[[Session], object], recorder: QueryRecorder
) -> ProofRecord | None:
    """The proof of a ``naive`` cell whose recording has N+1 findings; None for any other cell."""
    if variant != "naive" or not recorder.n_plus_one():
        return None
    return prove_cell(engine, body)
