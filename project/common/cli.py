"""What every `flask ...` command shares: readable errors and honest progress."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import click

# Without a terminal (a log file, CI, docker logs): a line at most this often.
PROGRESS_INTERVAL = 5.0


def field_errors_message(errors: Mapping[str, Any], prefix: str = "") -> str:
    """marshmallow's `{"field": ["msg", ...]}` as one `field: msg` line per field."""
    lines = []
    for field, messages in errors.items():
        name = f"{prefix}{field}"
        if isinstance(messages, Mapping):
            lines.append(field_errors_message(messages, prefix=f"{name}."))
        else:
            text = " ".join(messages) if isinstance(messages, list) else str(messages)
            lines.append(f"  {name}: {text}")
    return "\n".join(lines)


class LineProgress:
    """click.progressbar's `update` for a stream that is not a terminal.

    A redrawn bar in a log is one line per redraw or, with click, nothing
    until the end; this prints `label: done/total (pct%)` every few seconds
    and once at the end.
    """

    def __init__(self, length: int, label: str, interval: float = PROGRESS_INTERVAL) -> None:
        self.length, self.label, self.interval = length, label, interval
        self.done = 0
        self.last = time.monotonic()

    def update(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.last >= self.interval:
            self.last = now
            self.report()

    def report(self) -> None:
        percent = 100 * self.done // self.length if self.length else 100
        click.echo(f"{self.label}: {self.done}/{self.length} ({percent}%)")


@contextmanager
def progress(length: int, label: str) -> Iterator[Any]:
    """A progress bar on a terminal, periodic lines elsewhere; `.update(n)` either way."""
    if sys.stdout.isatty():
        with click.progressbar(length=length, label=label) as bar:
            yield bar
        return
    reporter = LineProgress(length, label)
    yield reporter
    reporter.report()
