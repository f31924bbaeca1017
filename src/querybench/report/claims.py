"""What the seed claims, quoted, so the report can put each claim beside its measurement.

The seed ("Query Count Reduction" table) claims its joinedload repositories turn N+1 statements
into 1. Claims are compared with the ``joined`` variant, the strategy the seed used. "Get N
payments with user" can be read two ways, so both readings are checked: N payments of N users
(``get_payments_by_status``), and one user's N payments (``get_user_payments_with_user``),
where the identity map makes the naive count 2, not N + 1.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """One row of the seed's table: the statements it says naive and joinedload code emit."""

    scenario: str
    quote: str
    naive: Callable[[int], int]
    joined: Callable[[int], int]
    sizes: tuple[int, ...] | None  # None: every size of the run

    def applies(self, scenario: str, size: int) -> bool:
        """Whether this claim speaks about ``scenario`` at ``size``."""
        return scenario == self.scenario and (self.sizes is None or size in self.sizes)


def _claims_for_payment_lists(scenario: str) -> list[Claim]:
    return [
        Claim(
            scenario,
            f"Get {size} payments with user: {size + 1} queries -> 1 query",
            lambda n: n + 1,
            lambda n: 1,
            (size,),
        )
        for size in (10, 100)
    ]


SEED_CLAIMS: tuple[Claim, ...] = (
    Claim(
        "PaymentRepository.get_payment_with_user",
        "Get 1 payment with user: 2 queries -> 1 query",
        lambda n: 2,
        lambda n: 1,
        (1,),
    ),
    *_claims_for_payment_lists("PaymentRepository.get_payments_by_status"),
    *_claims_for_payment_lists("PaymentRepository.get_user_payments_with_user"),
    Claim(
        "UserRepository.get_active_users_with_payments",
        "Get active users with payments: N+1 queries -> 1 query",
        lambda n: n + 1,
        lambda n: 1,
        None,
    ),
)


def claim_for(scenario: str, size: int) -> Claim | None:
    """The seed's claim about this scenario and size, if it makes one."""
    return next((claim for claim in SEED_CLAIMS if claim.applies(scenario, size)), None)
