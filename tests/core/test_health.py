"""Liveness and readiness probes."""

from __future__ import annotations

import logging

import pytest

from tests.kit import assert_problem

CLOSED_REDIS = "redis://127.0.0.1:1/0"


def test_live(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.json == {"status": "ok", "checks": {}}


def test_ready_checks_every_configured_backend(client, app_config):
    response = client.get("/health/ready")

    assert response.status_code == 200
    assert response.json["status"] == "ok"
    expected = {"database": "ok"}
    if app_config["REDIS_URL"]:
        expected["redis"] = "ok"
    assert response.json["checks"] == expected


def test_ready_needs_no_token(client):
    # Probes from a load balancer carry no credentials.
    assert client.get("/health/ready", headers={"Authorization": "Bearer junk"}).status_code == 200


@pytest.mark.parametrize(
    "database_uri",
    [
        "sqlite:////nonexistent-dir/postwell/x.db",
        "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=2",
    ],
    ids=["sqlite-missing-dir", "postgres-closed-port"],
)
def test_not_ready_when_the_database_is_unreachable(build_app, caplog, database_uri):
    app = build_app(SQLALCHEMY_DATABASE_URI=database_uri, REDIS_URL=None)

    with caplog.at_level(logging.ERROR, logger="project.health"):
        response = app.test_client().get("/health/ready")

    body = assert_problem(response, 503, path="/health/ready")
    assert body["title"] == "Service Unavailable"
    assert body["detail"] == "Not ready: database unavailable."
    assert "readiness: database check failed" in caplog.text
    # Connection details stay in the log.
    assert "127.0.0.1" not in response.get_data(as_text=True)
    assert "nonexistent" not in response.get_data(as_text=True)


def test_redis_down_is_degraded_but_ready(build_app, caplog):
    """Sessions, rate limits and the cache fall back without Redis: still serving."""
    app = build_app(REDIS_URL=CLOSED_REDIS)

    with caplog.at_level(logging.WARNING, logger="project.common.redis"):
        response = app.test_client().get("/health/ready")

    assert response.status_code == 200
    assert response.json == {
        "status": "degraded",
        "checks": {"database": "ok", "redis": "degraded"},
    }
    assert "Redis unavailable" in caplog.text


def test_not_ready_without_redis_when_it_is_required(build_app):
    app = build_app(REDIS_URL=CLOSED_REDIS, REDIS_REQUIRED=True)

    body = assert_problem(app.test_client().get("/health/ready"), 503, path="/health/ready")

    assert body["detail"] == "Not ready: redis unavailable."


def test_live_stays_up_when_backends_are_down(build_app):
    app = build_app(
        SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/x.db", REDIS_URL=CLOSED_REDIS
    )
    client = app.test_client()

    assert client.get("/health/live").status_code == 200
    body = assert_problem(client.get("/health/ready"), 503)
    assert body["detail"] == "Not ready: database unavailable."
