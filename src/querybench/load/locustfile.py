"""The Locust clients of ``querybench load``: each user GETs one path as fast as it is answered.

Run by Locust in a process of its own (Locust monkey-patches with gevent; nothing of querybench
imports this file). Read from the environment:

- ``QUERYBENCH_LOAD_PATH``: the path every request GETs;
- ``QUERYBENCH_LOAD_MAX_REQUESTS``: the run stops once this many requests were made in all;
- ``QUERYBENCH_LOAD_USERS``: the users sharing that bound, over all processes.

The bound is enforced twice. Each user stops once it has made its share (the bound over the
users, rounded up), which keeps a distributed run from overshooting while the master waits for
its workers' reports. And where the totals are (the local runner, or the master) a greenlet
polls them and quits once the bound is reached.
"""

from __future__ import annotations

import math
import os
from typing import Any

import gevent  # type: ignore[import-untyped]
import locust.runners
from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import WorkerRunner

PATH = os.environ.get("QUERYBENCH_LOAD_PATH", "/")
MAX_REQUESTS = int(os.environ.get("QUERYBENCH_LOAD_MAX_REQUESTS", "0"))
USERS = int(os.environ.get("QUERYBENCH_LOAD_USERS", "1"))
SHARE = math.ceil(MAX_REQUESTS / max(1, USERS)) if MAX_REQUESTS else 0
POLL_SECONDS = 0.05
# Workers report to the master every 3 s by default: too coarse for a bound of a few hundred
# requests. The reporter reads this module global on each cycle.
locust.runners.WORKER_REPORT_INTERVAL = 0.25


def _stop_at_max_requests(environment: Any) -> None:
    runner = environment.runner
    while True:
        gevent.sleep(POLL_SECONDS)
        if runner.stats.total.num_requests >= MAX_REQUESTS:
            runner.quit()
            return


@events.init.add_listener  # type: ignore[untyped-decorator]
def bound_requests(environment: Any, **_: Any) -> None:
    """Start the request-bound watcher where the totals are known (never on a worker)."""
    if MAX_REQUESTS > 0 and not isinstance(environment.runner, WorkerRunner):
        gevent.spawn(_stop_at_max_requests, environment)


class RouteUser(FastHttpUser):
    """One client: GET the path, then again as soon as it is answered (no think time)."""

    wait_time = constant(0)
    made = 0

    @task
    def get_route(self) -> None:
        """One request, unless this user has made its share of the bound."""
        if SHARE and self.made >= SHARE:
            raise StopUser()
        self.made += 1
        self.client.get(PATH, name=PATH.split("?", 1)[0])
