"""QueryHelper's methods as scenarios: each cheap form beside the naive form people write."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy.orm import Session

from querybench import ExpectedGrowth, Registry, Scenario, Variant
from querybench.payments import serialise
from querybench.payments.models import Payment, PaymentStatus, User
from querybench.payments.query_helper import QueryHelper
from querybench.scenarios.inputs import (
    RECENT_STATUS,
    PaymentInputs,
    limit_of,
    probe_payment,
    probe_user,
)

CONSTANT: ExpectedGrowth = "constant"
LINEAR: ExpectedGrowth = "linear"
users = QueryHelper(User)
payments = QueryHelper(Payment)


def _get_all_naive(session: Session, inputs: PaymentInputs) -> object:
    page = users.get_all_unpaginated(session, limit=inputs.size)
    return [serialise.user_summary(user) for user in page]


def _get_all(session: Session, inputs: PaymentInputs) -> object:
    return [serialise.user_summary(user) for user in users.get_all(session, limit=inputs.size)]


def _get_by_id_naive(session: Session, inputs: PaymentInputs) -> object:
    # A handler and the helper it calls both look the user up: two SELECTs.
    found = [users.get_by_id_query(session, inputs.user_id) for _ in range(2)]
    return [None if user is None else serialise.user_summary(user) for user in found]


def _get_by_id(session: Session, inputs: PaymentInputs) -> object:
    # Session.get answers the second lookup from the identity map: one SELECT.
    found = [users.get_by_id(session, inputs.user_id) for _ in range(2)]
    return [None if user is None else serialise.user_summary(user) for user in found]


_NEWEST_REFUNDED = {"status": RECENT_STATUS}


def _first_refunded_naive(session: Session, inputs: PaymentInputs) -> object:
    payment = payments.get_by_filter_loading_all(session, _NEWEST_REFUNDED)
    return None if payment is None else serialise.payment_summary(payment)


def _first_refunded(session: Session, inputs: PaymentInputs) -> object:
    payment = payments.get_by_filter(session, _NEWEST_REFUNDED)
    return None if payment is None else serialise.payment_summary(payment)


def _by_filter_naive(session: Session, inputs: PaymentInputs) -> object:
    rows = payments.get_all_by_filter_in_python(
        session, _NEWEST_REFUNDED, order_by="created_at", descending=True, limit=inputs.size
    )
    return [serialise.payment_summary(payment) for payment in rows]


def _by_filter(session: Session, inputs: PaymentInputs) -> object:
    rows = payments.get_all_by_filter(
        session, _NEWEST_REFUNDED, order_by="created_at", descending=True, limit=inputs.size
    )
    return [serialise.payment_summary(payment) for payment in rows]


def _count_naive(session: Session, inputs: PaymentInputs) -> object:
    return payments.count_by_loading(session, {"user_id": inputs.user_id})


def _count(session: Session, inputs: PaymentInputs) -> object:
    return payments.count(session, {"user_id": inputs.user_id})


@lru_cache(maxsize=16)
def new_payments(user_id: int, size: int) -> tuple[dict[str, object], ...]:
    """N new payments for one user, the same each round (every round is rolled back)."""
    return tuple(
        {
            "user_id": user_id,
            "amount": Decimal("19.99"),
            "currency": "USD",
            "status": PaymentStatus.PENDING,
            "stripe_payment_id": f"pi_querybench_new_{size}_{index:06d}",
            "created_at": datetime(2030, 1, 1, 12, 0, 0),
        }
        for index in range(size)
    )


def _create_naive(session: Session, inputs: PaymentInputs) -> object:
    return payments.create_one_by_one(session, new_payments(inputs.user_id, inputs.size))


def _create(session: Session, inputs: PaymentInputs) -> object:
    return payments.create_many(session, new_payments(inputs.user_id, inputs.size))


_REFUND = {"status": PaymentStatus.REFUNDED}


def _update_naive(session: Session, inputs: PaymentInputs) -> object:
    return payments.update_by_loading(session, {"user_id": inputs.user_id}, _REFUND)


def _update(session: Session, inputs: PaymentInputs) -> object:
    return payments.update_where(session, {"user_id": inputs.user_id}, _REFUND)


def _delete_naive(session: Session, inputs: PaymentInputs) -> object:
    return payments.delete_by_loading(session, {"user_id": inputs.user_id})


def _delete(session: Session, inputs: PaymentInputs) -> object:
    return payments.delete_where(session, {"user_id": inputs.user_id})


def add_helper_scenarios(registry: Registry) -> None:
    """Register QueryHelper's paired methods (those with a cheaper form)."""
    single_row = "always 1: a single-row lookup"
    for name, description, prepare, naive, eager in [
        ("QueryHelper.get_by_id", "one user looked up twice in a request: SELECT each time "
         "vs Session.get (the identity map answers the second)", probe_payment,
         _get_by_id_naive, _get_by_id),
        ("QueryHelper.get_by_filter", "the first refunded payment: load every match, keep the "
         "first vs LIMIT 1", limit_of, _first_refunded_naive, _first_refunded),
    ]:  # fmt: skip
        registry.add(
            Scenario(
                name=name,
                description=description,
                size_meaning=single_row,
                prepare=prepare,
                variants={
                    "naive": Variant("naive", naive, "constant"),
                    "eager": Variant("eager", eager, "constant"),
                },
                sizes=(1,),
            )
        )
    for name, description, size_meaning, prepare, naive, eager, naive_growth, writes in [
        ("QueryHelper.get_all", "a page of users: unpaginated then sliced vs LIMIT",
         "users on the page", limit_of, _get_all_naive, _get_all, CONSTANT, False),
        ("QueryHelper.get_all_by_filter", "newest refunded payments: sorted in Python vs in SQL",
         "payments on the page", limit_of, _by_filter_naive, _by_filter, CONSTANT, False),
        ("QueryHelper.count", "a user's payments: len(query.all()) vs SELECT count(*)",
         "payments counted", probe_user, _count_naive, _count, CONSTANT, False),
        ("QueryHelper.create", "N new payments: one flush per row vs one executemany",
         "payments inserted", probe_user, _create_naive, _create, LINEAR, True),
        ("QueryHelper.update", "a user's payments: load, modify, flush vs one UPDATE",
         "payments updated", probe_user, _update_naive, _update, CONSTANT, True),
        ("QueryHelper.delete", "a user's payments: load, delete, flush vs one DELETE",
         "payments deleted", probe_user, _delete_naive, _delete, CONSTANT, True),
    ]:  # fmt: skip
        registry.add(
            Scenario(
                name=name,
                description=description,
                size_meaning=size_meaning,
                prepare=prepare,
                variants={
                    "naive": Variant("naive", naive, naive_growth),
                    "eager": Variant("eager", eager, "constant"),
                },
                writes=writes,
            )
        )
