"""PATCH /users/{id}: password checks (RATELIMIT_PASSWORD), email changes (RATELIMIT_AUTH).

A logged-in client must not be able to guess its own password, or probe which
addresses are registered, faster than an anonymous one can at login and
registration. These apps are separate instances outside the per-test
rollback: they commit for real and delete the users they register.
"""

from __future__ import annotations

import random
import uuid

import pytest

from project.common.security import verify_password
from project.extensions import db
from project.users.models import User
from tests.auth.helpers import forget_users
from tests.kit import LOGIN, PASSWORD, assert_problem, bearer

pytestmark = pytest.mark.committing

NEW_PASSWORD = "another-password-456"


def random_ip() -> str:
    """A fresh client address, so runs against a shared Redis never collide."""
    return "10." + ".".join(str(random.randint(0, 255)) for _ in range(3))


class Account:
    def __init__(self, client, username: str, user_id: int, token: str) -> None:
        self.client, self.username, self.id, self.token = client, username, user_id, token

    @property
    def url(self) -> str:
        return f"/api/v1/users/{self.id}"

    def patch(self, body, ip: str):
        return self.client.patch(
            self.url, json=body, headers=bearer(self.token), environ_base={"REMOTE_ADDR": ip}
        )


@pytest.fixture
def limited_app(build_app):
    return build_app(
        RATE_LIMITS_ENABLED=True, RATELIMIT_AUTH="3 per minute", RATELIMIT_PASSWORD="3 per minute"
    )


@pytest.fixture
def register(limited_app):
    """`register()` -> a fresh Account, logged in; every one is deleted afterwards."""
    client = limited_app.test_client()
    made: list[str] = []

    def make() -> Account:
        username = "lim_" + uuid.uuid4().hex[:12]
        ip = random_ip()  # registration and login spend their own budgets
        made.append(username)
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        created = client.post("/api/v1/users", json=body, environ_base={"REMOTE_ADDR": ip})
        assert created.status_code == 201, created.json
        assert created.headers["X-RateLimit-Limit"] == "3"
        assert "Retry-After" not in created.headers
        tokens = client.post(
            LOGIN,
            json={"login": username, "password": PASSWORD},
            environ_base={"REMOTE_ADDR": ip},
        )
        assert tokens.status_code == 200, tokens.json
        return Account(client, username, created.json["id"], tokens.json["access_token"])

    try:
        yield make
    finally:
        forget_users(limited_app, *made)


def stored_hash(app, account: Account) -> str:
    with app.app_context():
        return db.session.get(User, account.id).password_hash


def guess(account: Account, ip: str, current: str = "wrong-password"):
    return account.patch({"password": NEW_PASSWORD, "current_password": current}, ip)


def assert_too_many(response) -> None:
    body = assert_problem(response, 429)
    assert body["detail"].startswith("Rate limit exceeded")
    assert "3 per 1 minute" in body["detail"]
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_wrong_current_password_guesses_are_limited(limited_app, register):
    account, ip = register(), random_ip()

    for _ in range(3):
        assert_problem(guess(account, ip), 403, "The current password is wrong.")
    refused = guess(account, ip, current=PASSWORD)

    assert_too_many(refused)
    # Not even the right password gets through: nothing was checked, nothing changed.
    assert verify_password(stored_hash(limited_app, account), PASSWORD)


def test_password_checks_are_limited_per_user_across_addresses(register):
    account = register()

    for _ in range(3):
        assert guess(account, random_ip()).status_code == 403

    assert_too_many(guess(account, random_ip()))


def test_password_checks_are_limited_per_client_address_across_users(register):
    first, second, ip = register(), register(), random_ip()

    for _ in range(3):
        assert guess(first, ip).status_code == 403

    assert_too_many(guess(second, ip))
    assert guess(second, random_ip()).status_code == 403


def test_requests_that_check_no_password_are_not_counted(register):
    account, ip = register(), random_ip()

    for n in range(5):
        response = account.patch({"bio": f"bio {n}"}, ip)
        assert response.status_code == 200
        assert "X-RateLimit-Limit" not in response.headers

    # The password budget is untouched by those.
    assert guess(account, ip).status_code == 403


def test_a_successful_password_change_is_counted_and_carries_no_retry_after(limited_app, register):
    account, ip = register(), random_ip()

    response = guess(account, ip, current=PASSWORD)

    assert response.status_code == 200
    assert response.headers["X-RateLimit-Limit"] == "3"
    assert response.headers["X-RateLimit-Remaining"] == "2"
    assert "Retry-After" not in response.headers
    assert verify_password(stored_hash(limited_app, account), NEW_PASSWORD)


def test_email_changes_spend_the_auth_budget(register):
    """A 409 says an address is registered; it costs what registering costs."""
    prober, target, ip = register(), register(), random_ip()
    taken = {"email": f"{target.username}@example.com"}

    for _ in range(3):
        assert_problem(prober.patch(taken, ip), 409, "This email is already registered.")

    assert_too_many(prober.patch(taken, ip))
    assert_too_many(prober.patch({"email": "free-" + prober.username + "@example.com"}, ip))
    # Other changes go on.
    assert prober.patch({"bio": "still here"}, ip).status_code == 200


def test_email_probes_are_limited_per_user_across_addresses(register):
    prober, target = register(), register()
    taken = {"email": f"{target.username}@example.com"}

    for _ in range(3):
        assert prober.patch(taken, random_ip()).status_code == 409

    assert_too_many(prober.patch(taken, random_ip()))


def test_password_and_email_budgets_are_separate(register):
    account, ip = register(), random_ip()
    for _ in range(3):
        guess(account, ip)
    assert guess(account, ip).status_code == 429

    response = account.patch({"email": "moved-" + account.username + "@example.com"}, ip)

    assert response.status_code == 200
