"""A minimal Postwell plugin, used by the plugin tests.

Exactly what a third-party package provides: a flask-smorest Blueprint `blp`
and an optional `init_app(app)`.
"""

import marshmallow as ma
from flask import Flask
from flask.views import MethodView
from flask_smorest import Blueprint

MARKER = "sample_plugin"

blp = Blueprint("pings", __name__, url_prefix="/api/v1/pings", description="Pings (test plugin)")


class PingSchema(ma.Schema):
    pong = ma.fields.Boolean(required=True)


@blp.route("")
class Pings(MethodView):
    @blp.response(200, PingSchema)
    def get(self):
        """Answer a ping"""
        return {"pong": True}


def init_app(app: Flask) -> None:
    app.extensions[MARKER] = {"initialised": True}
