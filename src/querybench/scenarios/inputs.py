"""The inputs of the payments scenarios, picked from the dataset's probes before any timing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from querybench.datasets import read_probes
from querybench.payments.models import PaymentStatus

#: The status of the dataset's "recent payments" probe: the newest M payments have it and
#: belong to M distinct users.
RECENT_STATUS = PaymentStatus.REFUNDED


@dataclass(frozen=True, slots=True)
class PaymentInputs:
    """Everything a payments variant may need; each scenario fills what it uses."""

    size: int
    user_id: int = 0
    email: str = ""
    payment_id: int = 0
    stripe_payment_id: str = ""
    status: PaymentStatus = RECENT_STATUS


def limit_of(session: Session, size: int) -> PaymentInputs:
    """Inputs for list scenarios whose N is a LIMIT: the dataset guarantees N distinct parents."""
    read_probes(session.connection())  # refuses a database that is not a querybench dataset
    return PaymentInputs(size=size)


def probe_user(session: Session, size: int) -> PaymentInputs:
    """The user with exactly N payments (all completed), with their email."""
    probes = read_probes(session.connection())
    return PaymentInputs(
        size=size,
        user_id=probes.user_with_payments[size],
        email=probes.email_of_user_with_payments[size],
        status=probes.user_payments_status,
    )


def probe_payment(session: Session, size: int) -> PaymentInputs:
    """One payment, the newest (a probe every dataset has, whatever its sizes)."""
    probes = read_probes(session.connection())
    return PaymentInputs(
        size=size,
        user_id=probes.recent_user_ids[0],
        payment_id=probes.recent_payment_ids[0],
        stripe_payment_id=probes.recent_stripe_payment_ids[0],
    )
