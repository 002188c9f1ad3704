"""POST /api/users, POST /api/users/login, GET and PUT /api/user (the spec and auth.hurl)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.users.models import User
from tests.kit import LOGOUT, bearer, stored_user, user_count
from tests.realworld.helpers import LOGIN, USER, USERS, assert_errors, token_auth


def test_register_answers_the_user_with_a_working_token(client, session):
    response = client.post(
        USERS,
        json={"user": {"username": "jake", "email": "jake@jake.jake", "password": "jakejake"}},
    )

    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    user = response.json["user"]
    assert set(user) == {"email", "token", "username", "bio", "image"}
    assert (user["username"], user["email"], user["bio"], user["image"]) == (
        "jake",
        "jake@jake.jake",
        None,
        None,
    )
    assert client.get(USER, headers=token_auth(user["token"])).status_code == 200
    assert user_count(session, User.username == "jake") == 1


def test_login_by_email(client, register):
    register("auth_1")

    response = client.post(
        LOGIN, json={"user": {"email": "auth_1@test.com", "password": "password123"}}
    )

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    user = response.json["user"]
    assert (user["username"], user["email"], user["bio"], user["image"]) == (
        "auth_1",
        "auth_1@test.com",
        None,
        None,
    )
    assert user["token"]


def test_current_user_echoes_the_presented_token(client, register):
    token = register("auth_2")["token"]

    response = client.get(USER, headers=token_auth(token))

    assert response.status_code == 200
    assert response.json["user"] == {
        "email": "auth_2@test.com",
        "token": token,
        "username": "auth_2",
        "bio": None,
        "image": None,
    }


def test_bearer_scheme_is_accepted_too(client, register):
    token = register("auth_3")["token"]
    assert client.get(USER, headers=bearer(token)).json["user"]["username"] == "auth_3"


def test_update_changes_only_the_fields_sent(client, session, register):
    token = register("auth_4")["token"]

    response = client.put(USER, json={"user": {"bio": "Updated bio"}}, headers=token_auth(token))

    assert response.status_code == 200
    assert response.json["user"] == {
        "email": "auth_4@test.com",
        "token": token,
        "username": "auth_4",
        "bio": "Updated bio",
        "image": None,
    }
    image = "https://example.com/photo.jpg"
    response = client.put(USER, json={"user": {"image": image}}, headers=token_auth(token))
    assert response.json["user"]["image"] == image
    assert response.json["user"]["bio"] == "Updated bio"
    assert client.get(USER, headers=token_auth(token)).json["user"]["image"] == image


def test_update_username_and_email(client, session, register):
    token = register("auth_5")["token"]
    client.put(USER, json={"user": {"bio": "Updated bio"}}, headers=token_auth(token))

    response = client.put(
        USER,
        json={"user": {"username": "auth_5_upd", "email": "auth_5_upd@test.com"}},
        headers=token_auth(token),
    )

    assert response.status_code == 200
    user = response.json["user"]
    assert (user["username"], user["email"], user["bio"]) == (
        "auth_5_upd",
        "auth_5_upd@test.com",
        "Updated bio",
    )
    again = client.get(USER, headers=token_auth(user["token"])).json["user"]
    assert (again["username"], again["email"]) == ("auth_5_upd", "auth_5_upd@test.com")
    # The old name is free again; the new one is what login and lookups find.
    stored = session.scalar(sa.select(User).where(User.username_key == "auth_5_upd"))
    assert stored.email_key == "auth_5_upd@test.com"


@pytest.mark.parametrize("field", ["bio", "image"])
@pytest.mark.parametrize("empty", ["", None])
def test_empty_bio_or_image_is_stored_and_returned_as_null(client, session, register, field, empty):
    token = register("auth_6")["token"]
    client.put(
        USER,
        json={"user": {"bio": "Some bio", "image": "https://example.com/a.png"}},
        headers=token_auth(token),
    )

    response = client.put(USER, json={"user": {field: empty}}, headers=token_auth(token))

    assert response.status_code == 200
    assert response.json["user"][field] is None
    column = "bio" if field == "bio" else "avatar_url"
    user_id = session.scalar(sa.select(User.id).where(User.username == "auth_6"))
    assert stored_user(session, user_id)[column] is None


def test_empty_update_changes_nothing(client, register):
    token = register("auth_7")["token"]
    response = client.put(USER, json={"user": {}}, headers=token_auth(token))
    assert response.status_code == 200
    assert response.json["user"]["username"] == "auth_7"


def test_new_password_needs_the_token_alone_and_ends_the_other_sessions(client, register):
    old_token = register("auth_8")["token"]
    other_session = client.post(
        LOGIN, json={"user": {"email": "auth_8@test.com", "password": "password123"}}
    ).json["user"]["token"]

    response = client.put(
        USER, json={"user": {"password": "a new password"}}, headers=token_auth(old_token)
    )

    assert response.status_code == 200
    new_token = response.json["user"]["token"]
    assert new_token != old_token
    assert client.get(USER, headers=token_auth(new_token)).status_code == 200
    for token in (old_token, other_session):
        assert_errors(
            client.get(USER, headers=token_auth(token)), 401, {"token": ["has been revoked"]}
        )
    assert_errors(
        client.post(LOGIN, json={"user": {"email": "auth_8@test.com", "password": "password123"}}),
        401,
        {"credentials": ["invalid"]},
    )
    assert (
        client.post(
            LOGIN, json={"user": {"email": "auth_8@test.com", "password": "a new password"}}
        ).status_code
        == 200
    )


def test_an_empty_password_in_a_settings_form_changes_nothing(client, register):
    token = register("auth_9")["token"]
    response = client.put(
        USER, json={"user": {"password": "", "bio": "x"}}, headers=token_auth(token)
    )
    assert response.status_code == 200
    assert response.json["user"]["token"] == token
    assert (
        client.post(
            LOGIN, json={"user": {"email": "auth_9@test.com", "password": "password123"}}
        ).status_code
        == 200
    )


# --- errors --------------------------------------------------------------------


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_blank_field_is_422(client, session, field):
    user = {"username": "ea_blank", "email": "ea_blank@test.com", "password": "password123"}
    user[field] = ""

    errors = assert_errors(client.post(USERS, json={"user": user}), 422)

    assert errors == {field: ["can't be blank"]}
    assert user_count(session) == 0


@pytest.mark.parametrize("field", ["username", "email", "password"])
def test_register_missing_field_is_422(client, field):
    user = {"username": "ea_blank", "email": "ea_blank@test.com", "password": "password123"}
    del user[field]
    assert_errors(client.post(USERS, json={"user": user}), 422, {field: ["can't be blank"]})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "ab"),
        ("username", "x" * 21),
        ("username", "has space"),
        ("username", "dash-ed"),
        ("email", "not-an-email"),
        ("password", "short"),
        ("password", "x" * 129),
    ],
)
def test_register_keeps_postwell_rules_as_422(client, session, field, value):
    user = {"username": "ea_rules", "email": "ea_rules@test.com", "password": "password123"}
    user[field] = value

    errors = assert_errors(client.post(USERS, json={"user": user}), 422)

    assert set(errors) == {field}
    assert user_count(session) == 0


def test_register_without_envelope_is_422(client):
    assert_errors(
        client.post(USERS, json={"username": "x", "email": "x@x.x", "password": "password123"}),
        422,
        {"user": ["can't be blank"]},
    )


@pytest.mark.parametrize(
    ("user", "field"),
    [
        ({"username": "EA_DUP", "email": "ea_dup2@test.com"}, "username"),
        ({"username": "ea_dup2", "email": "EA_dup@test.com"}, "email"),
    ],
)
def test_register_taken_username_or_email_is_409(client, session, register, user, field):
    register("ea_dup")

    response = client.post(USERS, json={"user": {**user, "password": "password123"}})

    assert_errors(response, 409, {field: ["has already been taken"]})
    assert user_count(session) == 1


def test_update_to_a_taken_username_or_email_is_409(client, register):
    register("taken")
    token = register("taker")["token"]
    for field, value in (("username", "Taken"), ("email", "taken@test.com")):
        response = client.put(USER, json={"user": {field: value}}, headers=token_auth(token))
        assert_errors(response, 409, {field: ["has already been taken"]})


@pytest.mark.parametrize("field", ["email", "password"])
def test_login_blank_field_is_422(client, field):
    user = {"email": "someone@test.com", "password": "password123"}
    user[field] = ""
    assert_errors(client.post(LOGIN, json={"user": user}), 422, {field: ["can't be blank"]})


def test_login_wrong_password_is_401(client, register):
    register("ea_login")
    response = client.post(
        LOGIN, json={"user": {"email": "ea_login@test.com", "password": "wrongpassword"}}
    )
    assert_errors(response, 401, {"credentials": ["invalid"]})


def test_login_unknown_email_is_401(client):
    response = client.post(
        LOGIN, json={"user": {"email": "nobody@test.com", "password": "password123"}}
    )
    assert_errors(response, 401, {"credentials": ["invalid"]})


@pytest.mark.parametrize("method", ["get", "put"])
def test_current_user_without_token_is_401(client, method):
    response = client.open(USER, method=method.upper(), json={"user": {"bio": "test"}})
    assert_errors(response, 401, {"token": ["is missing"]})


@pytest.mark.parametrize("header", ["Token not.a.jwt", "Bearer not.a.jwt", "Token "])
def test_current_user_with_a_bad_token_is_401(client, header):
    errors = assert_errors(client.get(USER, headers={"Authorization": header}), 401)
    assert errors["token"] in (["is invalid"], ["is missing"])


def test_logged_out_token_is_401(client, register):
    token = register("auth_out")["token"]
    assert client.post(LOGOUT, headers=bearer(token)).status_code == 204
    assert_errors(client.get(USER, headers=token_auth(token)), 401, {"token": ["has been revoked"]})


def test_update_with_invalid_values_is_422(client, register):
    token = register("auth_bad")["token"]
    for fields, field in (
        ({"username": "bad name"}, "username"),
        ({"email": ""}, "email"),
        ({"image": "javascript:alert(1)"}, "image"),
        ({"password": "short"}, "password"),
    ):
        errors = assert_errors(
            client.put(USER, json={"user": fields}, headers=token_auth(token)), 422
        )
        assert set(errors) == {field}


@pytest.mark.parametrize("field", ["username", "email"])
@pytest.mark.parametrize("blank", ["", None])
def test_update_to_a_blank_username_or_email_is_422_and_keeps_it(
    client, session, register, field, blank
):
    # Unlike bio and image, these are required: blank or null is refused, not cleared.
    token = register("auth_keep", email="keep@test.com")["token"]

    response = client.put(USER, json={"user": {field: blank}}, headers=token_auth(token))

    assert_errors(response, 422, {field: ["can't be blank"]})
    user = client.get(USER, headers=token_auth(token)).json["user"]
    assert (user["username"], user["email"]) == ("auth_keep", "keep@test.com")
    stored = session.scalar(sa.select(User).where(User.username_key == "auth_keep"))
    assert stored.email_key == "keep@test.com"
