"""Rate limits on the credential endpoints (off in the testing config, on here)."""

from __future__ import annotations

import random

import pytest

from tests.kit import LOGIN, assert_problem

# These apps are separate instances outside the per-test rollback; the
# requests below are refused or fail validation, so they write no rows.
pytestmark = pytest.mark.committing


def random_ip() -> str:
    """A fresh client address, so runs against a shared Redis never collide."""
    return "10." + ".".join(str(random.randint(0, 255)) for _ in range(3))


@pytest.fixture
def limited(build_app):
    return build_app(RATE_LIMITS_ENABLED=True, RATELIMIT_AUTH="3 per minute").test_client()


def attempt_login(client, ip: str):
    return client.post(
        LOGIN,
        json={"login": "nobody-at-all", "password": "wrong-password"},
        environ_base={"REMOTE_ADDR": ip},
    )


def assert_too_many(response) -> None:
    body = assert_problem(response, 429)
    assert body["title"] == "Too Many Requests"
    assert body["detail"].startswith("Rate limit exceeded")
    assert "3 per 1 minute" in body["detail"]
    assert "Retry-After" in response.headers or "X-RateLimit-Limit" in response.headers
    if "Retry-After" in response.headers:
        assert 0 < int(response.headers["Retry-After"]) <= 60
    if "X-RateLimit-Limit" in response.headers:
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == "0"


def test_fourth_login_in_a_minute_is_429(limited):
    ip = random_ip()

    for _ in range(3):
        response = attempt_login(limited, ip)
        assert response.status_code == 401
        assert response.headers.get("X-RateLimit-Limit", "3") == "3"

    assert_too_many(attempt_login(limited, ip))
    assert_too_many(attempt_login(limited, ip))


def test_retry_after_only_on_the_429(limited):
    """X-RateLimit-* on every limited answer; Retry-After only when refused."""
    ip = random_ip()

    for remaining in ("2", "1", "0"):
        response = attempt_login(limited, ip)
        assert response.status_code == 401
        assert response.headers["X-RateLimit-Limit"] == "3"
        assert response.headers["X-RateLimit-Remaining"] == remaining
        assert "X-RateLimit-Reset" in response.headers
        assert "Retry-After" not in response.headers

    refused = attempt_login(limited, ip)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60


def test_limits_are_per_client_address(limited):
    busy, other = random_ip(), random_ip()
    for _ in range(4):
        attempt_login(limited, busy)

    assert attempt_login(limited, other).status_code == 401
    assert attempt_login(limited, busy).status_code == 429


def test_registration_is_rate_limited(limited):
    ip = random_ip()

    def register():
        # Invalid, so nothing is written; the limit is checked first anyway.
        return limited.post(
            "/api/v1/users",
            json={"username": "x", "email": "bad", "password": "short"},
            environ_base={"REMOTE_ADDR": ip},
        )

    for _ in range(3):
        assert register().status_code == 422
    assert_too_many(register())


def test_refresh_is_rate_limited(limited):
    ip = random_ip()

    def refresh():
        return limited.post(
            "/api/v1/auth/refresh",
            headers={"Authorization": "Bearer not-a-token"},
            environ_base={"REMOTE_ADDR": ip},
        )

    for _ in range(3):
        assert refresh().status_code == 401
    assert_too_many(refresh())


def test_reading_is_not_limited_by_the_auth_limit(limited):
    ip = random_ip()

    for _ in range(6):
        assert limited.get("/api/v1/users", environ_base={"REMOTE_ADDR": ip}).status_code == 200


def test_disabled_limits_never_answer_429(build_app):
    client = build_app(RATE_LIMITS_ENABLED=False, RATELIMIT_AUTH="1 per minute").test_client()
    ip = random_ip()

    for _ in range(5):
        assert attempt_login(client, ip).status_code == 401


def test_disabled_limits_cost_no_hook_on_other_requests(build_app):
    """With limits off, a request runs none of the limiter's hooks (it would check
    nothing); an app with limits on, in the same process, still has them."""
    off, on = build_app(RATE_LIMITS_ENABLED=False), build_app(RATE_LIMITS_ENABLED=True)

    def limiter_hooks(app) -> list:
        registries = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
        hooks = [hook for registry in registries for funcs in registry.values() for hook in funcs]
        return [hook for hook in hooks if "limit" in repr(hook).lower()]

    assert limiter_hooks(off) == []
    assert limiter_hooks(on)
    response = off.test_client().get("/api/v1/users")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers


def test_each_route_has_its_own_budget(limited):
    ip = random_ip()
    for _ in range(4):
        attempt_login(limited, ip)

    # Login is exhausted; registration (invalid body, so nothing is written) is not.
    response = limited.post("/api/v1/users", json={}, environ_base={"REMOTE_ADDR": ip})
    assert response.status_code == 422
