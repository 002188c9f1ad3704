"""Swagger UI at /docs: assets served by Postwell itself, and a strict CSP.

flask-smorest routes /docs and renders `swagger_ui.html`; Postwell's own
template of that name (`project/templates/`, which Flask looks in before an
extension's templates) references only same-origin files: Swagger UI's
JavaScript and CSS from the `swagger-ui-bundle-v2` package instead of a CDN,
so the page works offline, and `docs_assets/postwell-swagger-ui.js`, which
starts Swagger UI with Postwell's plugin (padlocks closed exactly when the
token is sent). The page has no inline script, so its Content-Security-Policy
allows scripts from this origin only.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("swagger_assets", __name__)

OWN_ASSETS = Path(__file__).parent / "docs_assets"
STARTER = "postwell-swagger-ui.js"
ASSET_MAX_AGE = 86400

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
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


@blp.route(f"/docs/assets/{STARTER}")
def swagger_starter():
    # Short-lived: it changes with Postwell, not with the Swagger UI release.
    return send_from_directory(OWN_ASSETS, STARTER, max_age=300)


@blp.route("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=ASSET_MAX_AGE)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
    docs_path = "/" + app.config["OPENAPI_SWAGGER_UI_PATH"].strip("/")

    @app.after_request
    def protect_docs_page(response: Response) -> Response:
        if request.path.rstrip("/") == docs_path and response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response
