"""Usernames and emails compare by `identity_key` (NFKC case folding), the same on every backend."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.users.identity import identity_key
from project.users.models import User
from tests.kit import LOGIN, PASSWORD, assert_problem, rows, user_count

USERS = "/api/v1/users"


def register(client, username: str, email: str):
    return client.post(USERS, json={"username": username, "email": email, "password": PASSWORD})


def log_in(client, login: str):
    return client.post(LOGIN, json={"login": login, "password": PASSWORD})


def stored(session, username: str) -> dict:
    found = rows(
        session,
        sa.select(User.username, User.email, User.username_key, User.email_key).where(
            User.username == username
        ),
    )
    assert len(found) == 1
    return found[0]


def test_identity_key():
    assert identity_key("İx@Example.com") == "i\u0307x@example.com"
    assert identity_key("Straße") == "strasse"
    assert identity_key("ＡＢＣ") == "abc"
    assert identity_key("Alice_1") == "alice_1"


def test_unicode_email_logs_in_with_the_exact_address(client, session):
    assert register(client, "dotted", "İx@example.com").status_code == 201

    assert log_in(client, "İx@example.com").status_code == 200
    assert log_in(client, "i̇x@EXAMPLE.com").status_code == 200
    row = stored(session, "dotted")
    assert row["email"] == "İx@example.com"  # stored as sent
    assert row["email_key"] == "i\u0307x@example.com"


def test_a_unicode_email_does_not_block_a_different_ascii_one(client, session):
    assert register(client, "dotted", "İx@example.com").status_code == 201

    assert register(client, "plain", "ix@example.com").status_code == 201
    assert log_in(client, "ix@example.com").status_code == 200
    assert user_count(session) == 2


@pytest.mark.parametrize(
    "email", ["ＳＴＲＡＳＳＥ@example.com", "strasse@EXAMPLE.COM", "Straße@example.com"]
)
def test_emails_equal_after_normalising_conflict(client, session, email):
    assert register(client, "first", "strasse@example.com").status_code == 201

    response = register(client, "second", email)

    assert_problem(response, 409, "This email is already registered.")
    assert user_count(session) == 1


def test_email_change_conflicts_through_the_key(client, auth, session, alice, bob):
    response = client.patch(
        f"{USERS}/{bob.id}",
        json={"email": "ALİCE@example.com".replace("İ", "I")},
        headers=auth(bob),
    )

    assert_problem(response, 409, "This email is already registered.")
    assert stored(session, "bob")["email_key"] == "bob@example.com"


def test_email_change_updates_the_key(client, auth, session, alice):
    response = client.patch(
        f"{USERS}/{alice.id}", json={"email": "Ünï@Example.com"}, headers=auth(alice)
    )

    assert response.status_code == 200, response.json
    assert stored(session, "alice")["email_key"] == identity_key("Ünï@Example.com")
    assert log_in(client, "ünï@example.com").status_code == 200


def test_usernames_compare_case_insensitively_everywhere(client, session, post_factory):
    assert register(client, "Zed_Q", "zed@example.com").status_code == 201
    assert stored(session, "Zed_Q")["username_key"] == "zed_q"

    assert_problem(register(client, "zED_q", "other@example.com"), 409)
    assert log_in(client, "ZED_Q").status_code == 200
    found = client.get(f"{USERS}?q=ZE").json["items"]
    assert [user["username"] for user in found] == ["Zed_Q"]
    assert client.get("/api/v1/posts?author=zed_Q").status_code == 200
    assert client.get(f"{USERS}?q=ze_").json["items"] == []  # LIKE wildcards are literal


def test_email_whose_key_does_not_fit_is_a_422(client, session):
    # 137 characters as sent; "ß" folds to "ss", so the key is 262 (PostgreSQL: a 500).
    email = "ß" * 125 + "@example.com"
    assert len(email) <= 254 < len(identity_key(email))

    response = register(client, "longkey", email)

    assert_problem(response, 422)
    assert "email" in response.json["errors"]["json"]
    assert user_count(session) == 0
