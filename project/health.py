"""Liveness and readiness probes for load balancers and orchestrators.

`/health/live` says the process answers; `/health/ready` says it can serve,
checking every backing service it is configured with (database, Redis). Redis
down is "degraded" (still 200: sessions, limits and the cache have fallbacks)
unless REDIS_REQUIRED is set.
"""

from __future__ import annotations

import logging

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import text

from project.common.redis import GuardedRedis, RedisUnavailable, get_redis
from project.errors import problem
from project.extensions import db

log = logging.getLogger(__name__)

blp = Blueprint("health", __name__, url_prefix="/health", description="Service health")


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"example": "ok"})
    checks = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        metadata={"example": {"database": "ok", "redis": "ok"}},
    )


def check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any failure means "not ready"; the log says why
        log.exception("readiness: database check failed")
        db.session.rollback()
        return "unavailable"


def check_redis(client: GuardedRedis, *, required: bool) -> str:
    """Redis down is "degraded": the app serves from its fallbacks.

    Unless REDIS_REQUIRED: then it is "unavailable" and the instance not ready.
    The outage is logged by the circuit breaker, once per retry interval.
    """
    try:
        client.run(lambda redis: redis.ping())
        return "ok"
    except RedisUnavailable:
        return "unavailable" if required else "degraded"


@blp.route("/live")
class Live(MethodView):
    @blp.response(200, HealthSchema)
    def get(self):
        """Report that the process is up"""
        return {"status": "ok", "checks": {}}


@blp.route("/ready")
class Ready(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    def get(self):
        """Report whether the database and Redis answer"""
        checks = {"database": check_database()}
        client = get_redis()
        if client is not None:
            checks["redis"] = check_redis(client, required=current_app.config["REDIS_REQUIRED"])
        if any(state == "unavailable" for state in checks.values()):
            down = ", ".join(name for name, state in checks.items() if state == "unavailable")
            return problem(503, f"Not ready: {down} unavailable.")
        degraded = any(state == "degraded" for state in checks.values())
        return {"status": "degraded" if degraded else "ok", "checks": checks}
