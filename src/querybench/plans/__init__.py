"""Query plans per backend, the findings they support, index advice and its proof.

Harness only: nothing in the recorder or the pytest plugin imports this package at import time.
This module re-exports the records alone (the results table reads them); the functions live in
their modules: :mod:`querybench.plans.explain` (``explain``), :mod:`querybench.plans.findings`
(``plan_findings``), :mod:`querybench.plans.proof` (``prove_index``) and
:mod:`querybench.plans.schema` (``apply_schema``).
"""

from __future__ import annotations

from querybench.plans.shape import Plan, PlanFinding, Scan

__all__ = ["Plan", "PlanFinding", "Scan"]
