"""POST /api/v1/users: registration rules."""

from __future__ import annotations

import pytest

from project.common.security import verify_password
from project.users.models import User
from tests.kit import (
    PASSWORD,
    SECRET_KEYS,
    assert_problem,
    bearer,
    field_errors,
    stored_user,
    user_count,
)

URL = "/api/v1/users"


def payload(**overrides):
    data = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
    data.update(overrides)
    return data


def test_register_returns_201_with_location_and_public_fields(client, session):
    response = client.post(
        URL, json=payload(display_name="Alice A.", bio="Hello there", username="Alice_01")
    )

    assert response.status_code == 201
    assert response.mimetype == "application/json"
    body = response.json
    assert response.headers["Location"].endswith(f"/api/v1/users/{body['id']}")
    assert body["username"] == "Alice_01"
    assert body["display_name"] == "Alice A."
    assert body["bio"] == "Hello there"
    assert body["post_count"] == 0
    assert isinstance(body["id"], int)
    assert body["created_at"].endswith("+00:00")
    assert body["updated_at"].endswith("+00:00")
    # Anonymous view: no secrets, no email, no admin flag.
    assert not SECRET_KEYS & body.keys()
    assert "email" not in body
    assert "is_admin" not in body

    # The Location answers with the same user.
    follow = client.get(response.headers["Location"])
    assert follow.status_code == 200
    assert follow.json == body


def test_register_stores_a_hash_not_the_password(client, session, app):
    response = client.post(URL, json=payload())
    row = stored_user(session, response.json["id"])

    assert row["username"] == "alice"
    assert row["email"] == "alice@example.com"
    assert row["is_admin"] is False
    assert row["password_hash"] != PASSWORD
    assert PASSWORD not in row["password_hash"]
    assert row["password_hash"].startswith("$argon2id$")
    with app.app_context():
        assert verify_password(row["password_hash"], PASSWORD)


def test_registered_user_can_log_in(client, login):
    client.post(URL, json=payload())

    tokens = login("alice")

    me = client.get("/api/v1/users/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json["email"] == "alice@example.com"


def test_optional_fields_may_be_null(client):
    response = client.post(URL, json=payload(display_name=None, bio=None))

    assert response.status_code == 201
    assert response.json["display_name"] is None
    assert response.json["bio"] is None


@pytest.mark.parametrize(
    "username",
    ["abc", "a" * 20, "ALL_CAPS", "under_score", "_x_", "123", "MiXeD_42"],
)
def test_valid_usernames_are_accepted(client, username):
    response = client.post(URL, json=payload(username=username))

    assert response.status_code == 201, response.json
    assert response.json["username"] == username


@pytest.mark.parametrize(
    "username",
    [
        "ab",  # too short
        "a" * 21,  # too long
        "",
        "has space",
        "dash-name",
        "dot.name",
        "at@sign",
        "émile",  # non-ASCII letter
        "ＡＢＣ",  # fullwidth letters
        "abc١",  # Arabic-Indic digit
        "alice\n",  # `$` must not match before a trailing newline
        "a" * 20 + "\n",
        "\nalice",
        " alice",
        "alice ",
        "al\x00ice",
    ],
)
def test_invalid_usernames_are_422(client, session, username):
    before = user_count(session)

    response = client.post(URL, json=payload(username=username))

    errors = field_errors(response)
    assert "username" in errors
    assert user_count(session) == before


def test_username_must_be_a_string(client):
    response = client.post(URL, json=payload(username=12345))

    assert "username" in field_errors(response)


@pytest.mark.parametrize("missing", ["username", "email", "password"])
def test_required_fields(client, session, missing):
    data = payload()
    del data[missing]

    response = client.post(URL, json=data)

    errors = field_errors(response)
    assert list(errors) == [missing]
    assert user_count(session) == 0


@pytest.mark.parametrize("email", ["not-an-email", "alice@", "@example.com", "a" * 250 + "@x.io"])
def test_invalid_email_is_422(client, email):
    response = client.post(URL, json=payload(email=email))

    assert "email" in field_errors(response)


@pytest.mark.parametrize("length", [8, 9, 127, 128])
def test_password_length_within_bounds_is_accepted(client, login, length):
    password = "p" * length

    response = client.post(URL, json=payload(password=password))

    assert response.status_code == 201
    assert login("alice", password)["token_type"] == "Bearer"


@pytest.mark.parametrize("length", [0, 1, 7, 129, 1000])
def test_password_length_out_of_bounds_is_422(client, session, length):
    response = client.post(URL, json=payload(password="p" * length))

    errors = field_errors(response)
    assert "password" in errors
    assert user_count(session) == 0


def test_password_is_never_echoed_in_errors(client):
    response = client.post(URL, json=payload(password="short", username="x"))

    assert "short" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "field, value",
    [
        ("is_admin", True),
        ("id", 999),
        ("post_count", 50),
        ("password_hash", "$argon2id$forged"),
        ("created_at", "2000-01-01T00:00:00+00:00"),
        ("role", "admin"),
    ],
)
def test_unknown_fields_are_rejected_no_mass_assignment(client, session, field, value):
    response = client.post(URL, json=payload(**{field: value}))

    errors = field_errors(response)
    assert field in errors
    assert user_count(session) == 0


def test_register_is_admin_cannot_create_an_admin(client, session):
    client.post(URL, json=payload(is_admin=True))

    assert user_count(session, User.is_admin.is_(True)) == 0


@pytest.mark.parametrize(
    "taken, attempt, detail",
    [
        ({"username": "Alice"}, {"username": "alice"}, "This username is already taken."),
        ({"username": "alice"}, {"username": "ALICE"}, "This username is already taken."),
        (
            {"email": "Alice@Example.com"},
            {"email": "alice@example.COM"},
            "This email is already registered.",
        ),
        (
            {"email": "alice@example.com"},
            {"email": "ALICE@EXAMPLE.COM"},
            "This email is already registered.",
        ),
    ],
)
def test_username_and_email_are_unique_case_insensitively(
    client, session, user_factory, taken, attempt, detail
):
    existing = user_factory(**{"username": "someone", "email": "someone@example.com", **taken})
    before = user_count(session)

    response = client.post(URL, json=payload(**attempt))

    assert_problem(response, 409, detail)
    assert user_count(session) == before
    # The existing account is untouched.
    row = stored_user(session, existing.id)
    assert row["username"] == existing.username
    assert row["email"] == existing.email


def test_duplicate_registration_writes_nothing(client, session):
    first = client.post(URL, json=payload())
    assert first.status_code == 201

    second = client.post(URL, json=payload(email="other@example.com", password="different1"))

    assert_problem(second, 409, "This username is already taken.")
    assert user_count(session) == 1
    assert user_count(session, User.email == "other@example.com") == 0


def test_malformed_json_is_400_problem(client):
    response = client.post(URL, data="{not json", content_type="application/json")

    assert_problem(response, 400)


def test_non_object_json_is_422(client, session):
    response = client.post(URL, json=["alice", "alice@example.com", PASSWORD])

    assert_problem(response, 422)
    assert user_count(session) == 0


def test_register_answers_with_and_without_trailing_slash(client):
    response = client.post(URL + "/", json=payload())

    assert response.status_code == 201


@pytest.mark.parametrize(
    "attempt, detail",
    [
        ({"username": "ALICE", "email": "new@example.com"}, "This username is already taken."),
        ({"username": "newbie", "email": "Alice@Example.com"}, "This email is already registered."),
    ],
)
def test_registration_race_lost_at_the_unique_index_is_409(
    client, session, user_factory, lost_race, attempt, detail
):
    user_factory(username="alice", email="alice@example.com")

    response = client.post(URL, json=payload(**attempt))

    assert_problem(response, 409, detail)
    assert user_count(session) == 1
    # The app's session recovered: the next registration works.
    assert (
        client.post(URL, json=payload(username="later", email="later@example.com")).status_code
        == 201
    )
