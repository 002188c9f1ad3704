"""Rate limits on the mail routes: per client address and per target (email or token).

Separate instances outside the per-test rollback: the addresses asked for
belong to nobody and the tokens are unknown, so nothing is written.
"""

from __future__ import annotations

import uuid

import pytest

from tests.auth.test_rate_limit import random_ip
from tests.kit import assert_problem

pytestmark = pytest.mark.committing

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
VERIFY = "/api/v1/auth/verify-email"


@pytest.fixture
def limited(build_app):
    return build_app(RATE_LIMITS_ENABLED=True, RATELIMIT_MAIL="2 per minute").test_client()


def post(client, url: str, body: dict, ip: str):
    response = client.post(url, json=body, environ_base={"REMOTE_ADDR": ip})
    response.close()
    return response


def nobody() -> str:
    return f"nobody-{uuid.uuid4().hex[:12]}@example.com"


def test_reset_is_limited_per_client_address(limited):
    ip = random_ip()
    for _ in range(2):
        assert post(limited, RESET, {"email": nobody()}, ip).status_code == 202

    assert_problem(post(limited, RESET, {"email": nobody()}, ip), 429)
    assert post(limited, RESET, {"email": nobody()}, random_ip()).status_code == 202


def test_reset_is_limited_per_target_email_whatever_the_address(limited):
    target = nobody()
    for _ in range(2):
        assert post(limited, RESET, {"email": target}, random_ip()).status_code == 202

    # The same address in other case is the same target.
    assert_problem(post(limited, RESET, {"email": target.upper()}, random_ip()), 429)
    assert post(limited, RESET, {"email": nobody()}, random_ip()).status_code == 202


@pytest.mark.parametrize(
    ("url", "body"),
    [(CONFIRM, {"password": "a long enough password"}), (VERIFY, {})],
)
def test_token_routes_are_limited_per_address_and_per_token(limited, url, body):
    ip = random_ip()
    for _ in range(2):
        response = post(limited, url, {**body, "token": uuid.uuid4().hex}, ip)
        assert response.status_code == 422
    assert_problem(post(limited, url, {**body, "token": uuid.uuid4().hex}, ip), 429)

    token = uuid.uuid4().hex
    for _ in range(2):
        assert post(limited, url, {**body, "token": token}, random_ip()).status_code == 422
    assert_problem(post(limited, url, {**body, "token": token}, random_ip()), 429)
