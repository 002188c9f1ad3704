"""Swagger UI at /docs: assets served by Postwell itself, and a strict CSP.

flask-smorest renders /docs; the JavaScript and CSS it references come from
the `swagger-ui-bundle-v2` package instead of a CDN, so the page works
offline. The page gets a Content-Security-Policy that allows only those
same-origin assets and, by hash, the one inline script flask-smorest's
template writes to start Swagger UI.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Blueprint, Flask, Response, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("swagger_assets", __name__)

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


@blp.route("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


def script_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def content_security_policy(html: str) -> str:
    """The policy for one rendering of the Swagger UI page."""
    inline = " ".join(script_hash(script) for script in INLINE_SCRIPT.findall(html))
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src 'self' {inline}".strip(),
            # Swagger UI's own stylesheet plus the style attributes React sets.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self' data:",
            # The spec and "Try it out" requests go to this origin only.
            "connect-src 'self'",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
    docs_path = "/" + app.config["OPENAPI_SWAGGER_UI_PATH"].strip("/")

    @app.after_request
    def protect_docs_page(response: Response) -> Response:
        if request.path.rstrip("/") == docs_path and response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = content_security_policy(
                response.get_data(as_text=True)
            )
        return response
