"""Exact statement counts of every payments scenario and variant, as functions of N.

Written from what each loading strategy is documented to emit, then checked against the
recorder on every backend (tests/scenarios) and through a whole run (tests/runner).
"""

from __future__ import annotations

from collections.abc import Callable


def n_plus_one(n: int) -> int:
    return n + 1


def const(value: int) -> Callable[[int], int]:
    return lambda n: value


# Statements per variant as a function of N. Written from what each loading strategy is
# documented to emit, then checked against the recorder on every backend.
ONE_PARENT = {
    "naive": const(2),
    "eager": const(1),
    "joined": const(1),
    "selectin": const(2),
    "subquery": const(2),
}
MANY_PARENTS = {**ONE_PARENT, "naive": n_plus_one}
LADDER = {"core": const(1), "raw": const(1)}
EXPECTED: dict[str, dict[str, Callable[[int], int]]] = {
    "UserRepository.get_user_with_payments": {**ONE_PARENT, **LADDER},
    "UserRepository.get_active_users_with_payments": {**MANY_PARENTS, "eager": const(2), **LADDER},
    "UserRepository.get_user_by_email_with_payments": ONE_PARENT,
    # The seed counts this as N+1; the identity map answers every payment.user after the first.
    "PaymentRepository.get_user_payments_with_user": ONE_PARENT,
    "PaymentRepository.get_user_payments_by_status": ONE_PARENT,
    "PaymentRepository.get_payments_by_status": {**MANY_PARENTS, **LADDER},
    "PaymentRepository.get_recent_payments_with_users": {**MANY_PARENTS, **LADDER},
    "PaymentRepository.get_payment_with_user": ONE_PARENT,
    "PaymentRepository.get_payment_by_stripe_id": ONE_PARENT,
    "PaymentRepository.count_user_payments": {"naive": const(2), "eager": const(1)},
    # Looked up twice: a fresh SELECT each time, against Session.get and the identity map.
    "QueryHelper.get_by_id": {"naive": const(2), "eager": const(1)},
    # One statement either way: the naive one sends every refunded payment, LIMIT 1 sends one.
    "QueryHelper.get_by_filter": {"naive": const(1), "eager": const(1)},
    "QueryHelper.get_all": {"naive": const(1), "eager": const(1)},
    "QueryHelper.get_all_by_filter": {"naive": const(1), "eager": const(1)},
    "QueryHelper.count": {"naive": const(1), "eager": const(1)},
    # One INSERT per flushed row, against one executemany.
    "QueryHelper.create": {"naive": lambda n: n, "eager": const(1)},
    # The unit of work batches the N UPDATEs / DELETEs into one executemany: 2, not N + 1.
    "QueryHelper.update": {"naive": const(2), "eager": const(1)},
    "QueryHelper.delete": {"naive": const(2), "eager": const(1)},
    # Each round starts with an empty cache: one miss, then hits.
    "cache.get_pricing_plans": {"naive": lambda n: n, "eager": const(1), "redis": const(1)},
}
