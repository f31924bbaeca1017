"""The JSON shapes the seed's payments routes return: what touches lazy attributes.

Every variant of a scenario, ORM or not, ends here, so naive, eager, Core and raw results can be
compared for equality. The value normalisers accept what each driver hands back (SQLite gives
floats and strings where PostgreSQL and MariaDB give ``Decimal`` and ``datetime``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from querybench.payments.models import Payment, PaymentStatus, PricingPlan, User

Json = dict[str, Any]
_CENT = Decimal("0.01")


def money(value: Decimal | float | str | int) -> str:
    """An amount as the API shows it: a string with exactly two decimals."""
    if not isinstance(value, Decimal):
        value = Decimal(str(value))
    return str(value.quantize(_CENT))


def timestamp(value: datetime | str) -> str:
    """A timestamp as ISO 8601 with whole seconds, whatever form the driver returned."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(microsecond=0).isoformat()


def payment_fields(
    id_: int,
    amount: Decimal | float | str,
    currency: str,
    status: PaymentStatus | str,
    stripe_payment_id: str,
    created_at: datetime | str,
) -> Json:
    """The payment summary from plain column values (Core and raw variants start here)."""
    return {
        "id": id_,
        "amount": money(amount),
        "currency": currency,
        "status": str(status),
        "stripe_payment_id": stripe_payment_id,
        "created_at": timestamp(created_at),
    }


def user_fields(
    id_: int, email: str, full_name: str, is_active: bool | int, created_at: datetime | str
) -> Json:
    """The user summary from plain column values."""
    return {
        "id": id_,
        "email": email,
        "full_name": full_name,
        "is_active": bool(is_active),
        "created_at": timestamp(created_at),
    }


def payment_summary(payment: Payment) -> Json:
    """A payment without its user (as listed under a user)."""
    return payment_fields(
        payment.id,
        payment.amount,
        payment.currency,
        payment.status,
        payment.stripe_payment_id,
        payment.created_at,
    )


def payment_with_user(payment: Payment) -> Json:
    """A payment with its owner's id and email: touches ``Payment.user``."""
    out = payment_summary(payment)
    out["user"] = {"id": payment.user.id, "email": payment.user.email}
    return out


def user_summary(user: User) -> Json:
    """A user without payments."""
    return user_fields(user.id, user.email, user.full_name, user.is_active, user.created_at)


def user_with_payments(user: User) -> Json:
    """A user with every payment: touches ``User.payments``."""
    out = user_summary(user)
    out["payments"] = [payment_summary(payment) for payment in user.payments]
    return out


def pricing_plan(plan: PricingPlan) -> Json:
    """A pricing plan as the plans endpoint lists it."""
    return {
        "id": plan.id,
        "name": plan.name,
        "price": money(plan.price),
        "currency": plan.currency,
        "interval": plan.interval,
    }
