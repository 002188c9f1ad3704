"""Swagger UI assets, served by Postwell itself so /docs works offline.

flask-smorest renders /docs; the JavaScript and CSS it references come from
the `swagger-ui-bundle-v2` package instead of a CDN.
"""

from flask import Blueprint, Flask, send_from_directory
from swagger_ui_bundle import swagger_ui_path

blp = Blueprint("swagger_assets", __name__)


@blp.route("/docs/assets/<path:filename>")
def swagger_asset(filename: str):
    return send_from_directory(swagger_ui_path, filename, max_age=86400)


def init_app(app: Flask) -> None:
    app.register_blueprint(blp)
