"""Postwell's benchmark, as a package: `python -m bench` (or `make bench`).

Each module owns one step of a run: `database` (fresh database, migrations,
seed, VACUUM ANALYZE), `server` (gunicorn processes), `client` (the HTTP load
client), `scenarios` (what is requested), `load` (warm-up and round-robin
rounds), `report` (ratios, table, JSON) and `cli` (options and the run's
order). This module holds the few things they all share.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
# Every server and every request stays on the loopback interface.
HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """The benchmark cannot go on (setup failed, server died, ...)."""


def log(message: str = "") -> None:
    print(message, flush=True)


def fmt(value: float | None, digits: int = 1) -> str:
    """A number for the console; "-" when there is none."""
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(value: float | None, base: float | None) -> float | None:
    """value / base, rounded; None when either is missing (or base is 0)."""
    if value is None or not base:
        return None
    return round(value / base, 2)
