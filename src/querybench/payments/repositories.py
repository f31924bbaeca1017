"""The seed's repositories, each method runnable with every loading strategy.

A method's query is written once; ``strategy`` only changes how its relationship is loaded:

- ``naive``: no loader option, the default lazy loading people ship first;
- ``joined`` / ``selectin`` / ``subquery``: that loader for the relationship the route touches,
  plus ``raiseload("*")`` so any load nobody planned fails loudly instead of costing a query;
- ``eager``: the strategy chosen for that method by measurement (see ``EAGER``).

Keeping one query per method is what makes the pair comparable: the variants differ in loading
and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal, get_args

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, raiseload, selectinload, subqueryload
from sqlalchemy.orm.interfaces import ORMOption

from querybench.payments.models import Payment, PaymentStatus, User

Strategy = Literal["naive", "joined", "selectin", "subquery"]
LOADER_STRATEGIES: Final[tuple[Strategy, ...]] = ("joined", "selectin", "subquery")
STRATEGIES: Final[tuple[str, ...]] = ("naive", "eager", *get_args(Strategy)[1:])

# The eager strategy of each relationship method. Measured with `querybench run --dataset small
# --variants joined,selectin,subquery` on SQLite and PostgreSQL (2026-11-25, a loaded 2-core
# machine, so read the figures as rough):
# - many-to-one Payment.user over N payments (payments by status, N = 1000): joined 35 ms vs
#   selectin 68 ms on SQLite, 49 vs 134 ms on PostgreSQL: joinedload, one statement, and each
#   payment row carries exactly one user, so nothing is duplicated;
# - one user's payments (User.payments, N = 100): joined 3.9 ms vs selectin 7.6 ms on
#   PostgreSQL (one round trip fewer); on SQLite the two were within noise: joinedload;
# - a page of users with their payments: mixed (N = 100: selectin faster on SQLite, joined on
#   PostgreSQL; N = 1000: joined faster on both by 1.5-2x, with 20-30% spread). selectinload
#   is kept: it fetches each user once and needs no LIMIT subquery, and it is what prove_fix
#   derives for a collection; `querybench run` shows the best loader per size beside it.
EAGER: Final[dict[str, Strategy]] = {
    "UserRepository.get_user_with_payments": "joined",
    "UserRepository.get_active_users_with_payments": "selectin",
    "UserRepository.get_user_by_email_with_payments": "joined",
    "PaymentRepository.get_payment_with_user": "joined",
    "PaymentRepository.get_user_payments_with_user": "joined",
    "PaymentRepository.get_user_payments_by_status": "joined",
    "PaymentRepository.get_payments_by_status": "joined",
    "PaymentRepository.get_payment_by_stripe_id": "joined",
    "PaymentRepository.get_recent_payments_with_users": "joined",
}

_LOADERS = {"joined": joinedload, "selectin": selectinload, "subquery": subqueryload}


def loader_options(
    method: str, strategy: str, relationship: sa.orm.QueryableAttribute[object]
) -> Sequence[ORMOption]:
    """The options that load ``relationship`` with ``strategy`` (``eager`` resolved per method)."""
    if strategy == "eager":
        strategy = EAGER[method]
    if strategy == "naive":
        return ()
    if strategy not in _LOADERS:
        raise ValueError(f"unknown loading strategy {strategy!r}; expected one of {STRATEGIES}")
    return (_LOADERS[strategy](relationship), raiseload("*"))


def _payments_with_users(session: Session, stmt: sa.Select[Payment]) -> list[Payment]:
    # unique(): joinedload of a collection repeats parents; harmless for the others.
    return list(session.scalars(stmt).unique())


class UserRepository:
    """Users with their payments (the seed's three methods)."""

    @staticmethod
    def get_user_with_payments(
        session: Session, user_id: int, *, strategy: str = "eager"
    ) -> User | None:
        """One user by id with every payment."""
        options = loader_options("UserRepository.get_user_with_payments", strategy, User.payments)
        stmt = sa.select(User).where(User.id == user_id).options(*options)
        return session.scalars(stmt).unique().one_or_none()

    @staticmethod
    def get_active_users_with_payments(
        session: Session, *, skip: int = 0, limit: int = 100, strategy: str = "eager"
    ) -> list[User]:
        """A page of active users (by id) with every payment of each."""
        options = loader_options(
            "UserRepository.get_active_users_with_payments", strategy, User.payments
        )
        stmt = (
            sa.select(User)
            .where(User.is_active.is_(True))
            .order_by(User.id)
            .offset(skip)
            .limit(limit)
            .options(*options)
        )
        return list(session.scalars(stmt).unique())

    @staticmethod
    def get_user_by_email_with_payments(
        session: Session, email: str, *, strategy: str = "eager"
    ) -> User | None:
        """One user by email with every payment."""
        options = loader_options(
            "UserRepository.get_user_by_email_with_payments", strategy, User.payments
        )
        stmt = sa.select(User).where(User.email == email).options(*options)
        return session.scalars(stmt).unique().one_or_none()


class PaymentRepository:
    """Payments with their users (the seed's six methods and a seventh, recent payments)."""

    @staticmethod
    def get_payment_with_user(
        session: Session, payment_id: int, *, strategy: str = "eager"
    ) -> Payment | None:
        """One payment by id with its user."""
        options = loader_options("PaymentRepository.get_payment_with_user", strategy, Payment.user)
        stmt = sa.select(Payment).where(Payment.id == payment_id).options(*options)
        return session.scalars(stmt).one_or_none()

    @staticmethod
    def get_user_payments_with_user(
        session: Session, user_id: int, *, strategy: str = "eager"
    ) -> list[Payment]:
        """Every payment of one user, each with that user.

        The seed counts this as N+1 when lazy. It is 2 statements at any N: the first
        ``payment.user`` loads the user, and every later one is answered by the identity map.
        """
        options = loader_options(
            "PaymentRepository.get_user_payments_with_user", strategy, Payment.user
        )
        stmt = (
            sa.select(Payment)
            .where(Payment.user_id == user_id)
            .order_by(Payment.id)
            .options(*options)
        )
        return _payments_with_users(session, stmt)

    @staticmethod
    def get_user_payments_by_status(
        session: Session, user_id: int, status: PaymentStatus, *, strategy: str = "eager"
    ) -> list[Payment]:
        """One user's payments of one status, each with that user (2 statements when lazy)."""
        options = loader_options(
            "PaymentRepository.get_user_payments_by_status", strategy, Payment.user
        )
        stmt = (
            sa.select(Payment)
            .where(Payment.user_id == user_id, Payment.status == status)
            .order_by(Payment.id)
            .options(*options)
        )
        return _payments_with_users(session, stmt)

    @staticmethod
    def get_payments_by_status(
        session: Session,
        status: PaymentStatus,
        *,
        skip: int = 0,
        limit: int = 100,
        strategy: str = "eager",
    ) -> list[Payment]:
        """The newest payments of one status with their users: N+1 statements when lazy."""
        options = loader_options("PaymentRepository.get_payments_by_status", strategy, Payment.user)
        stmt = (
            sa.select(Payment)
            .where(Payment.status == status)
            .order_by(Payment.created_at.desc(), Payment.id.desc())
            .offset(skip)
            .limit(limit)
            .options(*options)
        )
        return _payments_with_users(session, stmt)

    @staticmethod
    def get_payment_by_stripe_id(
        session: Session, stripe_payment_id: str, *, strategy: str = "eager"
    ) -> Payment | None:
        """One payment by its Stripe id with its user (the webhook's lookup)."""
        options = loader_options(
            "PaymentRepository.get_payment_by_stripe_id", strategy, Payment.user
        )
        stmt = (
            sa.select(Payment)
            .where(Payment.stripe_payment_id == stripe_payment_id)
            .options(*options)
        )
        return session.scalars(stmt).one_or_none()

    @staticmethod
    def count_user_payments(session: Session, user_id: int, *, strategy: str = "eager") -> int:
        """How many payments a user has.

        ``naive`` counts ``len(user.payments)``: the user and all N payments are loaded
        (2 statements, N + 1 rows). Every other strategy asks ``SELECT count(*)``: one
        statement, one row.
        """
        if strategy == "naive":
            user = session.get(User, user_id)
            return 0 if user is None else len(user.payments)
        stmt = sa.select(sa.func.count()).select_from(Payment).where(Payment.user_id == user_id)
        return int(session.scalar(stmt) or 0)

    @staticmethod
    def get_recent_payments_with_users(
        session: Session, *, limit: int = 100, strategy: str = "eager"
    ) -> list[Payment]:
        """The newest payments of any status with their users (the dashboard feed)."""
        options = loader_options(
            "PaymentRepository.get_recent_payments_with_users", strategy, Payment.user
        )
        stmt = (
            sa.select(Payment)
            .order_by(Payment.created_at.desc(), Payment.id.desc())
            .limit(limit)
            .options(*options)
        )
        return _payments_with_users(session, stmt)
