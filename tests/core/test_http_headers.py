"""CORS for browser front ends on other origins, and the headers every response carries."""

from __future__ import annotations

import pytest

from project.config import ConfigError, DevelopmentConfig, env_origins
from tests.kit import LOGIN, PASSWORD, REFRESH, bearer

FRONT_END = "https://app.example.com"


@pytest.mark.parametrize(
    "path", ["/health/live", "/api/v1/posts", "/api/v1/posts/999999", "/docs", "/nowhere"]
)
def test_every_response_has_the_safe_defaults(client, path):
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_token_responses_are_never_stored(client, alice):
    login = client.post(LOGIN, json={"login": "alice", "password": PASSWORD})
    assert login.status_code == 200
    assert login.headers["Cache-Control"] == "no-store"
    refreshed = client.post(REFRESH, headers=bearer(login.json["refresh_token"]))
    assert refreshed.status_code == 200
    assert refreshed.headers["Cache-Control"] == "no-store"


def test_no_cors_unless_origins_are_configured(client):
    response = client.get("/api/v1/posts", headers={"Origin": FRONT_END})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.fixture
def cors_client(build_app):
    return build_app(CORS_ORIGINS=[FRONT_END, "http://localhost:5173"]).test_client()


def test_preflight_from_a_listed_origin_is_answered(cors_client):
    response = cors_client.options(
        "/api/v1/posts",
        headers={
            "Origin": FRONT_END,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == FRONT_END
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed = {
        h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
    }
    assert {"authorization", "content-type"} <= allowed
    # Bearer tokens, not cookies: credentials are never allowed.
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_listed_origin_may_read_the_headers_clients_need(cors_client):
    response = cors_client.get("/api/v1/users", headers={"Origin": "http://localhost:5173"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Link", "X-Request-ID", "ETag", "X-RateLimit-Remaining", "Retry-After"} <= exposed


def test_an_unlisted_origin_gets_no_cors_headers(cors_client):
    response = cors_client.get("/api/v1/users", headers={"Origin": "https://evil.example"})
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_origins_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("CORS_ORIGINS", " https://a.example.com , http://127.0.0.1:3000 ")
    assert DevelopmentConfig().CORS_ORIGINS == ["https://a.example.com", "http://127.0.0.1:3000"]
    monkeypatch.delenv("CORS_ORIGINS")
    assert DevelopmentConfig().CORS_ORIGINS == []


@pytest.mark.parametrize("origin", ["app.example.com", "https://a.example.com/path", "ftp://x.io"])
def test_malformed_origins_are_refused(monkeypatch, origin):
    monkeypatch.setenv("CORS_ORIGINS", origin)
    with pytest.raises(ConfigError, match="CORS_ORIGINS takes origins like"):
        env_origins("CORS_ORIGINS")
