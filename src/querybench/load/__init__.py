"""``querybench load``: concurrent clients (Locust, in subprocesses) against the payments routes
served by uvicorn on a bounded pool; results per variant and number of clients."""
