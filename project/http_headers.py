"""Headers every response carries: CORS for browser front ends, and the safe defaults.

* CORS (flask-cors) answers preflights and sets `Access-Control-Allow-Origin`
  for the origins listed in `CORS_ORIGINS` only (empty: no CORS at all), on
  the API and the spec. Postwell authenticates with bearer tokens, never
  cookies, so credentials are never allowed: `*` can't be combined with them.
  Browsers may read the headers clients need (`Link`, `X-Request-ID`, `ETag`,
  the rate-limit headers).
* `X-Content-Type-Options: nosniff` and `Referrer-Policy: no-referrer` on every
  response. Token responses add `Cache-Control: no-store` (`NO_STORE`).
"""

from __future__ import annotations

from flask import Flask, Response
from flask_cors import CORS

EXPOSED_HEADERS = [
    "Link",
    "X-Request-ID",
    "X-Process-Time",
    "ETag",
    "Retry-After",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
]
ALLOWED_HEADERS = ["Authorization", "Content-Type", "If-Match", "If-None-Match", "X-Request-ID"]
# For responses that carry tokens: no cache, shared or private, may keep them.
NO_STORE = {"Cache-Control": "no-store"}


def add_safe_defaults(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


def init_app(app: Flask) -> None:
    origins = app.config["CORS_ORIGINS"]
    if origins:
        CORS(
            app,
            resources={r"/api/*": {"origins": origins}},
            expose_headers=EXPOSED_HEADERS,
            allow_headers=ALLOWED_HEADERS,
            methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            supports_credentials=False,
            max_age=600,
        )
    app.after_request(add_safe_defaults)
