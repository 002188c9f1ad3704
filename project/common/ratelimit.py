"""Rate limits shared by plugins (flask-limiter).

`limiter` is one global object; its request filter is installed here once,
at import, and reads the current app's RATE_LIMITS_ENABLED, so apps built in
one process (tests, CLI) keep their own setting.

Limits, each read per app:

* `limit_auth` (RATELIMIT_AUTH, per client address): login, refresh and
  registration, the brute-force and sign-up spam targets.
* `limit_auth_when(predicate)`: the same budget, per client address and per
  user, for requests where `predicate()` holds (an email change can tell
  whether an address is registered, as registration can).
* `limit_password_checks(predicate)` (RATELIMIT_PASSWORD, per client address
  and per user): requests that verify a password once logged in, where
  `predicate()` says the request will check one.

* `limit_mail(field)` (RATELIMIT_MAIL): the mail routes, per client address
  and per value of `field` in the JSON body (the target email, or the token).

Limited routes answer with `X-RateLimit-Limit/Remaining/Reset`;
`Retry-After` only on a 429 (flask-limiter also puts it on successes).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, request
from flask_jwt_extended import get_jwt_identity
from flask_limiter.util import get_remote_address

from project.extensions import limiter


@limiter.request_filter
def rate_limits_disabled() -> bool:
    return not current_app.config["RATE_LIMITS_ENABLED"]


def init_app(app: Flask) -> None:
    if not app.config["RATE_LIMITS_ENABLED"]:
        # The limiter's state is shared by every app of the process, so it is
        # set up; its per-request hooks (a check and headers on every request,
        # a tenth of a cached read) are left out: nothing would be limited.
        # The few routes with their own limits still ask it, and are exempt.
        with hooks_left_out(app):
            limiter.init_app(app)
        return
    # Registered before the limiter's own after_request, so it runs after it.
    app.after_request(retry_after_on_429_only)
    limiter.init_app(app)


@contextmanager
def hooks_left_out(app: Flask) -> Iterator[None]:
    """Undo whatever request hooks the block registers on `app`."""
    registries = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    before = [{key: list(funcs) for key, funcs in registry.items()} for registry in registries]
    yield
    for registry, kept in zip(registries, before, strict=True):
        registry.clear()
        registry.update(kept)


def retry_after_on_429_only(response: Response) -> Response:
    """RFC 9110 `Retry-After` tells a refused client when to come back; not a 200's business."""
    # Checked first: a missing header's pop raises (and catches) an exception.
    if response.status_code not in (429, 503) and "Retry-After" in response.headers:
        del response.headers["Retry-After"]
    return response


def auth_rate_limit() -> str:
    """The limit for credential-handling routes, read per app (RATELIMIT_AUTH)."""
    return current_app.config["RATELIMIT_AUTH"]


def password_rate_limit() -> str:
    """The limit on password checks by a logged-in user, read per app (RATELIMIT_PASSWORD)."""
    return current_app.config["RATELIMIT_PASSWORD"]


def authenticated_user_key() -> str:
    """The token's subject: under `auth_required`, so there is one."""
    return f"user:{get_jwt_identity()}"


def _per_address_and_user(
    limit: Callable[[], str], scope: str, applies: Callable[[], bool]
) -> Callable[[Callable], Callable]:
    """Two budgets of `limit` for the requests where `applies()`: per address, per user.

    `scope` keeps each budget's counters apart from the route's other limits
    (flask-limiter keys counters by endpoint, client key and limit only).
    Place under `auth_required`: the user key reads the verified token.
    """

    def exempt() -> bool:
        return not applies()

    by_address = limiter.limit(
        limit, key_func=get_remote_address, scope=f"{scope}:address", exempt_when=exempt
    )
    by_user = limiter.limit(
        limit, key_func=authenticated_user_key, scope=f"{scope}:user", exempt_when=exempt
    )

    def decorator(func: Callable) -> Callable:
        return by_address(by_user(func))

    return decorator


# For login, refresh and registration: the brute-force and sign-up spam targets.
limit_auth = limiter.limit(auth_rate_limit)


def limit_auth_when(applies: Callable[[], bool]) -> Callable[[Callable], Callable]:
    return _per_address_and_user(auth_rate_limit, "auth", applies)


def limit_password_checks(applies: Callable[[], bool]) -> Callable[[Callable], Callable]:
    return _per_address_and_user(password_rate_limit, "password", applies)


def mail_rate_limit() -> str:
    """The limit on the account mail routes, read per app (RATELIMIT_MAIL)."""
    return current_app.config["RATELIMIT_MAIL"]


def limit_mail(field: str) -> Callable[[Callable], Callable]:
    """RATELIMIT_MAIL per client address and per `field` of the JSON body (case-folded)."""

    def body_key() -> str:
        body = request.get_json(silent=True)
        value = body.get(field) if isinstance(body, dict) else None
        return f"{field}:{str(value).strip().casefold()}" if isinstance(value, str) else "none"

    by_address = limiter.limit(
        mail_rate_limit, key_func=get_remote_address, scope=f"mail:{field}:address"
    )
    by_target = limiter.limit(mail_rate_limit, key_func=body_key, scope=f"mail:{field}:target")

    def decorator(func: Callable) -> Callable:
        return by_address(by_target(func))

    return decorator
