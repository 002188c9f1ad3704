"""A second test plugin, advertised only through a (fake) entry point."""

from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint

MARKER = "entry_point_plugin"

blp = Blueprint("echoes", __name__, url_prefix="/api/v1/echoes", description="Echoes (test plugin)")


@blp.route("")
class Echoes(MethodView):
    @blp.response(200)
    def get(self):
        """Answer with a fixed body"""
        return {"echo": "hello"}


def init_app(app: Flask) -> None:
    app.extensions[MARKER] = True
