"""The seed's routes as scenarios: each request sent through the whole HTTP stack, in process.

A variant is one ``GET`` to the payments app (:mod:`querybench.payments.routes`) over httpx's
ASGI transport: routing, validation, the handler, the repository, serialisation to JSON bytes.
The request's Session is the one the harness hands the variant, so the recorder counts the
request's statements exactly as it counts a repository call's, and the result the runner
compares is the response itself (status and body bytes; its size goes in the results).

The routes need the ``web`` extra (FastAPI, httpx); without it these scenarios are not
registered and the rest of the payments suite runs as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from importlib.util import find_spec
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from querybench.scenarios.inputs import PaymentInputs, limit_of, probe_payment, probe_user
from querybench.scenarios.registry import ExpectedGrowth, Registry, Scenario, Variant

if TYPE_CHECKING:
    from querybench.payments.route_client import InProcessClient, RouteResponse

Path = Callable[[str, PaymentInputs], str]


@dataclass(frozen=True)
class RouteSpec:
    """One endpoint as a scenario: its path for a variant and inputs, and what N means."""

    name: str
    description: str
    size_meaning: str
    prepare: Callable[[Session, int], PaymentInputs]
    path: Path
    naive_growth: ExpectedGrowth
    sizes: tuple[int, ...] | None = None


ROUTES: tuple[RouteSpec, ...] = (
    RouteSpec(
        "routes.get_payment_with_user",
        "GET /payments/{id}: one payment with its user, through the ASGI app",
        "always 1: a single-row lookup",
        probe_payment,
        lambda variant, inputs: f"/{variant}/payments/{inputs.payment_id}",
        "constant",
        sizes=(1,),
    ),
    RouteSpec(
        "routes.get_user_payments_with_user",
        "GET /users/{id}/payments: every payment of one user, through the ASGI app",
        "payments of one user",
        probe_user,
        lambda variant, inputs: f"/{variant}/users/{inputs.user_id}/payments",
        "constant",
    ),
    RouteSpec(
        "routes.get_payments_by_status",
        "GET /payments?status=refunded: the newest refunded payments, through the ASGI app",
        "payments of N distinct users",
        limit_of,
        lambda variant, inputs: (
            f"/{variant}/payments?status={inputs.status.value}&limit={inputs.size}"
        ),
        "linear",
    ),
    RouteSpec(
        "routes.get_active_users_with_payments",
        "GET /users/active: a page of active users with their payments, through the ASGI app",
        "active users on the page",
        limit_of,
        lambda variant, inputs: f"/{variant}/users/active?limit={inputs.size}",
        "linear",
    ),
)
"""Each route, named after the repository method it calls (``routes.<method>``)."""


class _MeasuredSession:
    """The app's session scope: hands each request the Session the harness is measuring.

    Requests run one at a time (the harness calls variants in sequence), in the app's worker
    thread rather than the caller's, so a plain attribute carries the Session across.
    """

    def __init__(self) -> None:
        self.session: Session | None = None

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        if self.session is None:
            raise RuntimeError("a route scenario's request ran outside its variant")
        yield self.session


_lock = threading.Lock()
_client: tuple[_MeasuredSession, InProcessClient] | None = None


def _route_client() -> tuple[_MeasuredSession, InProcessClient]:
    """The in-process app and its client, made on first use and kept for the process."""
    global _client
    with _lock:
        if _client is None:
            from querybench.payments.route_client import InProcessClient
            from querybench.payments.routes import create_app

            scope = _MeasuredSession()
            _client = (scope, InProcessClient(create_app(scope)))
        return _client


def request_route(path: str, session: Session) -> RouteResponse:
    """``GET path`` on the in-process app, the request using ``session``; fails unless 200."""
    scope, client = _route_client()
    scope.session = session
    try:
        response = client.get(path)
    finally:
        scope.session = None
    if response.status != 200:
        raise AssertionError(f"GET {path} answered {response.status}: {response.body[:200]!r}")
    return response


def _run(route: RouteSpec, variant: str, session: Session, inputs: PaymentInputs) -> object:
    return request_route(route.path(variant, inputs), session)


def add_route_scenarios(registry: Registry) -> None:
    """Register the four routes (naive and eager trees) when FastAPI and httpx are installed."""
    if find_spec("fastapi") is None or find_spec("httpx") is None:
        return
    for route in ROUTES:
        registry.add(
            Scenario(
                name=route.name,
                description=route.description,
                size_meaning=route.size_meaning,
                prepare=route.prepare,
                variants={
                    variant: Variant(
                        variant,
                        partial(_run, route, variant),
                        route.naive_growth if variant == "naive" else "constant",
                        f"GET {route.path(variant, PaymentInputs(size=0))}",
                    )
                    for variant in ("naive", "eager")
                },
                sizes=route.sizes,
                tags=frozenset({"http"}),
            )
        )
