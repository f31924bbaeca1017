"""Running scenarios: backends, timing, the results table on disk."""
