"""The Host names the app answers for (TRUSTED_HOSTS).

Absolute URLs the app sends (the `Link` header of a page, `url_for(...,
_external=True)`) are built from the request's Host. Flask checks the Host
against the `TRUSTED_HOSTS` setting before routing (Werkzeug's rules: the
port is ignored, `.example.com` also accepts its subdomains) and raises a
`SecurityError`, a 400; this module gives that 400 a detail a client can act on.
With TRUSTED_HOSTS unset every Host is accepted (development, tests).
"""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import SecurityError

from project.errors import handle_http_exception

UNTRUSTED_HOST = "The Host header names a host this server does not answer for."


def init_app(app: Flask) -> None:
    app.register_error_handler(SecurityError, untrusted_host)


def untrusted_host(error: SecurityError) -> Response:
    error.data = {"message": UNTRUSTED_HOST}
    return handle_http_exception(error)
