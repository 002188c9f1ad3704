"""Bearer tokens for every plugin: the guard decorator and the token hooks.

flask-jwt-extended's `JWTManager` is one global object, so its callbacks are
installed here once, at import, and dispatch to the current app's
`TokenHooks`. Two plugins fill those hooks in their `init_app`:

* `project.users` loads the token's user (`load_user`); the user id it finds
  is stored in `g.user_id`, which the access log reads
  (`project.observability`). The user is a `TokenUser`: its `id` comes from
  the verified token, the row is read on first use of anything else;
* `project.auth` says whether the token's session is revoked (`is_revoked`).

An app that loads users from tokens without a revocation check would accept
logged-out tokens, so `check_token_hooks` refuses to start it. Token errors
answer as 401 problems (`project.errors.problem` adds `WWW-Authenticate`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g
from flask_jwt_extended import get_current_user, jwt_required
from flask_jwt_extended.exceptions import UserLookupError
from flask_smorest import Blueprint
from werkzeug.local import LocalProxy

from project.errors import problem
from project.extensions import jwt

BEARER = "bearerAuth"
HOOKS_KEY = "postwell_token_hooks"


class TokenHooksError(RuntimeError):
    """The loaded plugins would verify tokens without checking revocation."""


@dataclass
class TokenHooks:
    """What the plugins decide about a verified token's claims."""

    load_user: Callable[[dict], Any | None] | None = None
    is_revoked: Callable[[dict], bool] | None = None


def token_hooks(app: Flask) -> TokenHooks:
    return app.extensions.setdefault(HOOKS_KEY, TokenHooks())


def check_token_hooks(app: Flask) -> None:
    """Refuse an app that would accept tokens whose session was ended."""
    hooks = token_hooks(app)
    if hooks.load_user is not None and hooks.is_revoked is None:
        raise TokenHooksError(
            "a plugin loads users from tokens but none checks revocation: "
            "add project.auth to PLUGINS"
        )


class TokenUser(LocalProxy):
    """The token's user, read from the database on first use; its `id` needs no read.

    A request that only needs to know who asks (their `liked` and
    `is_followed` laid over a cached page, their feed, the author of their new
    post, the access log) sends no query for the users row. Anything else (an
    attribute, `isinstance`, the ORM) reads it once; a user deleted meanwhile
    is then the same 401 an eager load gives. The token itself was verified
    (signature, expiry, live session) before this exists.
    """

    __slots__ = ("id",)

    def __init__(self, user_id: int, load: Callable[[int], Any | None]) -> None:
        loaded: list[Any] = []

        def user() -> Any:
            if not loaded:
                found = load(user_id)
                if found is None:
                    raise user_gone(user_id)
                loaded.append(found)
            return loaded[0]

        super().__init__(user)
        object.__setattr__(self, "id", user_id)


def user_gone(user_id: int) -> UserLookupError:
    """The error of a verified token whose user no longer exists (a 401)."""
    return UserLookupError("user not found", {}, {"sub": str(user_id)})


def token_user(user_id: int, load: Callable[[int], Any | None]) -> TokenUser:
    """The token's user as a `TokenUser`: `load(user_id)` on first use.

    A write that only names its actor by id (a new post's author, a like's
    user) sends no query for the users row. A user deleted meanwhile cannot
    have rows written in their name either way: the first use of the row is
    a 401, and a row referring to them is refused by its foreign key (a 409,
    `project.errors`), in a transaction that writes nothing else.
    """
    return TokenUser(user_id, load)


@jwt.user_lookup_loader
def _load_user(jwt_header: dict, jwt_payload: dict) -> Any | None:
    hooks = token_hooks(current_app)
    user = hooks.load_user(jwt_payload) if hooks.load_user else None
    if user is not None:
        g.user_id = user.id  # for the access log
    return user


@jwt.token_in_blocklist_loader
def _is_revoked(jwt_header: dict, jwt_payload: dict) -> bool:
    hooks = token_hooks(current_app)
    # No check installed (an app without users): nothing can be trusted.
    return hooks.is_revoked is None or hooks.is_revoked(jwt_payload)


def auth_required(
    blp: Blueprint, *, optional: bool = False, refresh: bool = False, verify_type: bool = True
) -> Callable:
    """Require (or accept) a bearer token and document it in the spec.

    Goes above `blp.arguments` so a request without credentials is told 401
    before its body is validated.
    """
    security: list[dict[str, list]] = [{BEARER: []}]
    if optional:
        security.append({})

    def decorator(func: Callable) -> Callable:
        guarded = jwt_required(optional=optional, refresh=refresh, verify_type=verify_type)(func)
        guarded = blp.alt_response(401, response="UNAUTHORIZED")(guarded)
        return blp.doc(security=security)(guarded)

    return decorator


def viewer() -> Any:
    """The authenticated user of this request, or None when anonymous.

    Only meaningful under `auth_required`, which verified (or found no) token.
    """
    try:
        return get_current_user()
    except RuntimeError:  # no guard ran for this request
        return None


# Every token failure is a 401 problem instead of flask-jwt-extended's `{"msg": ...}`.
@jwt.unauthorized_loader
def _missing_token(reason: str):
    return problem(401, "A bearer token is required (Authorization: Bearer <token>).")


@jwt.invalid_token_loader
def _invalid_token(reason: str):
    return problem(401, f"The bearer token is invalid: {reason}.")


@jwt.expired_token_loader
def _expired_token(header: dict, payload: dict):
    return problem(401, "The bearer token has expired.")


@jwt.revoked_token_loader
def _revoked_token(header: dict, payload: dict):
    return problem(401, "The bearer token has been revoked.")


@jwt.user_lookup_error_loader
def _unknown_user(header: dict, payload: dict):
    return problem(401, "The bearer token's user no longer exists.")


@jwt.needs_fresh_token_loader
def _stale_token(header: dict, payload: dict):
    return problem(401, "A fresh login is required.")


@jwt.token_verification_failed_loader
def _failed_verification(header: dict, payload: dict):
    return problem(401, "The bearer token failed verification.")
