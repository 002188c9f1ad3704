"""/api/v1/auth: login, token rotation, logout, the caller's sessions."""

from __future__ import annotations

import ipaddress

from flask import request
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt

from project.auth import services
from project.auth.schemas import (
    AcceptedSchema,
    LoginSchema,
    LogoutSchema,
    PasswordResetConfirmSchema,
    PasswordResetSchema,
    SessionQuerySchema,
    SessionSchema,
    TokenSchema,
    VerifyEmailSchema,
)
from project.common.auth import auth_required
from project.common.blueprint import Blueprint
from project.common.ratelimit import limit_auth, limit_mail
from project.http_headers import NO_STORE

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Authentication")


def client_address(raw: str | None) -> str | None:
    """The client's IP address in canonical form, or None if it is not one.

    `remote_addr` comes from the socket, or from X-Forwarded-For behind
    ProxyFix, which a client can fill with anything; sessions store at most
    45 characters (the longest IPv6 text form), so only a parsed address
    goes in. IPv6 zone ids are dropped and IPv4-mapped addresses unwrapped.
    """
    if not raw:
        return None
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        address = ipaddress.IPv6Address(address.packed)  # without its %zone
    return str(address)


@blp.route("/login", methods=["POST"])
@limit_auth
@blp.arguments(LoginSchema)
@blp.response(200, TokenSchema)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def login(data):
    """Exchange a username or email and a password for tokens"""
    pair = services.login(
        login=data["login"],
        password=data["password"],
        user_agent=request.user_agent.string or None,
        client_address=client_address(request.remote_addr),
    )
    return pair, 200, NO_STORE


@blp.route("/refresh", methods=["POST"])
@limit_auth
@auth_required(blp, refresh=True)
@blp.response(200, TokenSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def refresh():
    """Spend a refresh token (as the bearer token) for a new token pair"""
    return services.rotate(user=current_user, claims=get_jwt()), 200, NO_STORE


@blp.route("/logout", methods=["POST"])
@auth_required(blp, verify_type=False)
@blp.arguments(LogoutSchema, required=False)
@blp.response(204)
def logout(data):
    """Revoke the presented token's session (access or refresh token)"""
    services.logout(
        user=current_user, claims=get_jwt(), refresh_token=(data or {}).get("refresh_token")
    )


@blp.route("/sessions")
class Sessions(MethodView):
    @auth_required(blp)
    @blp.arguments(SessionQuerySchema, location="query")
    @blp.page_response(SessionSchema)
    def get(self, query):
        """List your live sessions, newest first; `current` marks this token's"""
        return services.list_sessions(
            user=current_user, current_session_id=get_jwt().get("sid"), page=query["page"]
        )

    @auth_required(blp)
    @blp.response(204)
    def delete(self):
        """Log out everywhere: end every one of your sessions, this one included"""
        services.revoke_all_sessions(current_user)


@blp.route("/sessions/<string(maxlength=36):session_id>")
class SessionById(MethodView):
    @auth_required(blp)
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, session_id):
        """End one of your sessions; its tokens are refused at once"""
        services.end_session(user=current_user, session_id=session_id)


RESET_ACCEPTED = {"detail": "If this address belongs to an account, a mail is on its way."}


@blp.route("/password-reset", methods=["POST"])
@limit_mail("email")
@blp.arguments(PasswordResetSchema)
@blp.response(202, AcceptedSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def password_reset(data):
    """Ask for a password reset mail (the same answer whether or not the address is known)"""
    services.request_password_reset(email=data["email"])
    return RESET_ACCEPTED


@blp.route("/password-reset/confirm", methods=["POST"])
@limit_mail("token")
@blp.arguments(PasswordResetConfirmSchema)
@blp.response(204)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def password_reset_confirm(data):
    """Set a new password with the mailed token; every session of the account ends"""
    services.confirm_password_reset(token=data["token"], password=data["password"])


@blp.route("/verify-email", methods=["POST"])
@limit_mail("token")
@blp.arguments(VerifyEmailSchema)
@blp.response(204)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
def verify_email(data):
    """Confirm your email address with the mailed token"""
    services.verify_email(token=data["token"])
