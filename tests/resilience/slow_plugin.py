"""A test-only plugin for the gunicorn tests: a request that takes one second.

Loaded by the served app through `PLUGINS` (tests/resilience/test_gunicorn.py).
"""

import time

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

blp = Blueprint("slow", __name__, url_prefix="/api/v1/slow", description="Slow (test plugin)")


class SleptSchema(ma.Schema):
    slept = ma.fields.Float(required=True)


@blp.route("")
class Slow(MethodView):
    @blp.response(200, SleptSchema)
    def get(self):
        """Sleep one second, then answer"""
        time.sleep(1)
        return {"slept": 1.0}
