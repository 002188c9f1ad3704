"""The cursor token: unpadded URL-safe base64 of a compact JSON list of scalars.

Only the format lives here; what the values mean (and whether they fit a
collection's key) is the keyset's business.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence

MAX_CURSOR_LENGTH = 200
# b64decode would silently skip characters outside the alphabet.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"
_CURSOR_RE = re.compile(CURSOR_PATTERN)

Scalar = str | int | float


def encode(values: Sequence[Scalar]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(token: str, *, length: int) -> list[Scalar]:
    """The `length` values a client-supplied token carries; ValueError if malformed."""
    if not token or len(token) > MAX_CURSOR_LENGTH:
        raise ValueError("cursor has an invalid length")
    if _CURSOR_RE.fullmatch(token) is None:
        raise ValueError("cursor is not one this API issued")
    try:
        padded = token + "=" * (-len(token) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ValueError("cursor is not one this API issued") from exc
    if not isinstance(values, list) or len(values) != length:
        raise ValueError("cursor is not one this API issued")
    return values
