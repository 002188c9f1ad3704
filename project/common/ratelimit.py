"""Rate limits shared by plugins (flask-limiter, per client IP).

`limiter` is one global object; its request filter is installed here once,
at import, and reads the current app's RATE_LIMITS_ENABLED, so apps built in
one process (tests, CLI) keep their own setting.
"""

from flask import current_app

from project.extensions import limiter


@limiter.request_filter
def rate_limits_disabled() -> bool:
    return not current_app.config["RATE_LIMITS_ENABLED"]


def auth_rate_limit() -> str:
    """The limit for credential-handling routes, read per app (RATELIMIT_AUTH)."""
    return current_app.config["RATELIMIT_AUTH"]


# For login, refresh and registration: the brute-force and sign-up spam targets.
limit_auth = limiter.limit(auth_rate_limit)
