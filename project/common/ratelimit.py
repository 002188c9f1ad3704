"""Rate limits shared by plugins (flask-limiter, per client IP)."""

from flask import current_app

from project.extensions import limiter


def auth_rate_limit() -> str:
    """The limit for credential-handling routes, read per app (RATELIMIT_AUTH)."""
    return current_app.config["RATELIMIT_AUTH"]


# For login, refresh and registration: the brute-force and sign-up spam targets.
limit_auth = limiter.limit(auth_rate_limit)
