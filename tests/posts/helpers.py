"""Posts-only helpers: fixed timestamps, the API's order, forged cursors.

Everything shared with other plugins' tests is in tests/kit.py.
"""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

BASE_TIME = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?\+00:00$")


def parse_time(value: str) -> datetime:
    """A response timestamp: ISO 8601, UTC, with an explicit +00:00 offset."""
    assert ISO_UTC.match(value), value
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == timedelta(0)
    return parsed


def newest_first(posts) -> list[int]:
    """Ids in the API's order: created_at descending, then id descending."""
    return [post.id for post in sorted(posts, key=lambda p: (p.created_at, p.id), reverse=True)]


def raw_cursor(payload: Any) -> str:
    """A cursor-shaped token carrying arbitrary JSON (unpadded urlsafe base64)."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
