"""The seed's repository methods as scenarios: every loading strategy of each, serialised."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from sqlalchemy.orm import Session

from querybench import ExpectedGrowth, Registry, Scenario, Variant
from querybench.payments import serialise
from querybench.payments.repositories import STRATEGIES, PaymentRepository, UserRepository
from querybench.scenarios import ladder
from querybench.scenarios.inputs import PaymentInputs, limit_of, probe_payment, probe_user

Call = Callable[[Session, PaymentInputs, str], object]


def _variants(
    call: Call, naive_growth: ExpectedGrowth, strategies: tuple[str, ...] = STRATEGIES
) -> dict[str, Variant[PaymentInputs]]:
    """naive, eager and (by default) one variant per loader strategy, all one query's forms."""

    def run(strategy: str, session: Session, inputs: PaymentInputs) -> object:
        return call(session, inputs, strategy)

    return {
        strategy: Variant(
            strategy,
            partial(run, strategy),
            naive_growth if strategy == "naive" else "constant",
        )
        for strategy in strategies
    }


def _user_with_payments(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    user = UserRepository.get_user_with_payments(session, inputs.user_id, strategy=strategy)
    return None if user is None else serialise.user_with_payments(user)


def _active_users(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    users = UserRepository.get_active_users_with_payments(
        session, limit=inputs.size, strategy=strategy
    )
    return [serialise.user_with_payments(user) for user in users]


def _user_by_email(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    user = UserRepository.get_user_by_email_with_payments(session, inputs.email, strategy=strategy)
    return None if user is None else serialise.user_with_payments(user)


def _payment_with_user(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    payment = PaymentRepository.get_payment_with_user(session, inputs.payment_id, strategy=strategy)
    return None if payment is None else serialise.payment_with_user(payment)


def _user_payments(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    payments = PaymentRepository.get_user_payments_with_user(
        session, inputs.user_id, strategy=strategy
    )
    return [serialise.payment_with_user(payment) for payment in payments]


def _user_payments_by_status(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    payments = PaymentRepository.get_user_payments_by_status(
        session, inputs.user_id, inputs.status, strategy=strategy
    )
    return [serialise.payment_with_user(payment) for payment in payments]


def _payments_by_status(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    payments = PaymentRepository.get_payments_by_status(
        session, inputs.status, limit=inputs.size, strategy=strategy
    )
    return [serialise.payment_with_user(payment) for payment in payments]


def _by_stripe_id(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    payment = PaymentRepository.get_payment_by_stripe_id(
        session, inputs.stripe_payment_id, strategy=strategy
    )
    return None if payment is None else serialise.payment_with_user(payment)


def _recent(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    payments = PaymentRepository.get_recent_payments_with_users(
        session, limit=inputs.size, strategy=strategy
    )
    return [serialise.payment_with_user(payment) for payment in payments]


def _count(session: Session, inputs: PaymentInputs, strategy: str) -> object:
    return PaymentRepository.count_user_payments(session, inputs.user_id, strategy=strategy)


_LADDERS = {
    "UserRepository.get_user_with_payments": ladder.ladder(
        ladder.user_with_payments_core, ladder.user_with_payments_raw
    ),
    "UserRepository.get_active_users_with_payments": ladder.ladder(
        ladder.active_users_core, ladder.active_users_raw
    ),
    "PaymentRepository.get_payments_by_status": ladder.ladder(
        ladder.payments_by_status_core, ladder.payments_by_status_raw
    ),
    "PaymentRepository.get_recent_payments_with_users": ladder.ladder(
        ladder.recent_payments_core, ladder.recent_payments_raw
    ),
}


def add_repository_scenarios(registry: Registry) -> None:
    """Register the ten repository methods of the seed (and the seventh payment method)."""
    one_user = "payments of one user"
    table: list[tuple[str, str, str, Callable[[Session, int], PaymentInputs], Call, bool]] = [
        # name, description, N means, prepare, call, naive grows with N
        (
            "UserRepository.get_user_with_payments",
            "one user by id with every payment",
            one_user,
            probe_user,
            _user_with_payments,
            False,
        ),
        (
            "UserRepository.get_active_users_with_payments",
            "a page of active users, each with every payment",
            "active users on the page",
            limit_of,
            _active_users,
            True,
        ),
        (
            "UserRepository.get_user_by_email_with_payments",
            "one user by email with every payment",
            one_user,
            probe_user,
            _user_by_email,
            False,
        ),
        (
            "PaymentRepository.get_user_payments_with_user",
            "every payment of one user, each with that user",
            one_user,
            probe_user,
            _user_payments,
            False,
        ),
        (
            "PaymentRepository.get_user_payments_by_status",
            "one user's completed payments, each with that user",
            "completed payments of one user",
            probe_user,
            _user_payments_by_status,
            False,
        ),
        (
            "PaymentRepository.get_payments_by_status",
            "the newest refunded payments, each with its user",
            "payments of N distinct users",
            limit_of,
            _payments_by_status,
            True,
        ),
        (
            "PaymentRepository.get_recent_payments_with_users",
            "the newest payments of any status, each with its user",
            "payments of N distinct users",
            limit_of,
            _recent,
            True,
        ),
    ]
    for name, description, size_meaning, prepare, call, grows in table:
        registry.add(
            Scenario(
                name=name,
                description=description,
                size_meaning=size_meaning,
                prepare=prepare,
                variants={
                    **_variants(call, "linear" if grows else "constant"),
                    **_LADDERS.get(name, {}),
                },
            )
        )
    for name, description, call in [
        (
            "PaymentRepository.get_payment_with_user",
            "one payment by id with its user",
            _payment_with_user,
        ),
        (
            "PaymentRepository.get_payment_by_stripe_id",
            "one payment by Stripe id with its user",
            _by_stripe_id,
        ),
    ]:
        registry.add(
            Scenario(
                name=name,
                description=description,
                size_meaning="always 1: a single-row lookup",
                prepare=probe_payment,
                variants=_variants(call, "constant"),
                sizes=(1,),
            )
        )
    registry.add(
        Scenario(
            name="PaymentRepository.count_user_payments",
            description="how many payments one user has",
            size_meaning="payments counted",
            prepare=probe_user,
            variants=_variants(_count, "constant", ("naive", "eager")),
        )
    )
