"""flask-jwt-extended's `JWTManager`, verifying a token once per process, not on every request.

flask-jwt-extended decodes a bearer token three times per request (its
claims unverified, its header, then claims and signature verified), and
PyJWT checks every character of every segment in Python each time: about
0.2 ms, a tenth of an authenticated read. A client sends the same token
for many requests, so each app keeps the claims of the tokens it verified
(`VERIFIED_TOKENS` of them, least recently used first out), keyed by the
exact token string: only the very token that passed verification can hit.

What depends on the time is checked again on every use: a remembered
token past its `exp` (less `JWT_DECODE_LEEWAY`) goes through the full
decode, which raises flask-jwt-extended's usual expiry error. Its `nbf` and
`iat` were in the past when it was verified and stay there. Revocation is
not part of decoding: the blocklist check still runs on every request.
Decodes with a CSRF value or `allow_expired` (logout of an expired token)
are never served from memory.
"""

from __future__ import annotations

import time
from datetime import timedelta
from functools import lru_cache, partial
from typing import Any

from flask import current_app
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config

VERIFIED_TOKENS = 4096
EXTENSION_KEY = "postwell_verified_tokens"


class VerifyingOnceJWTManager(JWTManager):
    def init_app(self, app: Any, add_context_processor: bool = False) -> None:
        super().init_app(app, add_context_processor=add_context_processor)
        # Per app: apps built in one process (tests) may have different keys.
        verify = partial(JWTManager._decode_jwt_from_config, self)
        app.extensions[EXTENSION_KEY] = lru_cache(maxsize=VERIFIED_TOKENS)(verify)

    def _decode_jwt_from_config(
        self, encoded_token: str, csrf_value: Any = None, allow_expired: bool = False
    ) -> dict:
        verified = current_app.extensions.get(EXTENSION_KEY)
        if verified is None or csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        claims = verified(encoded_token)  # raises, and remembers nothing, if invalid
        expires = claims.get("exp")
        if expires is not None and expires <= time.time() - leeway_seconds():
            return super()._decode_jwt_from_config(encoded_token)  # raises the expiry error
        return dict(claims)


def leeway_seconds() -> float:
    """`JWT_DECODE_LEEWAY`, seconds or a timedelta as PyJWT takes it."""
    leeway = config.leeway
    return leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
