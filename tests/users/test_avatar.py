"""`avatar_url` on a profile: an optional http(s) URL, set at registration or by PATCH."""

from __future__ import annotations

import pytest

from tests.kit import PASSWORD, field_errors, stored_user, user_url

AVATAR = "https://images.example.com/alice.png"


def test_patch_sets_and_clears_the_avatar(client, auth, session, alice):
    response = client.patch(user_url(alice), json={"avatar_url": AVATAR}, headers=auth(alice))

    assert response.status_code == 200
    assert response.json["avatar_url"] == AVATAR
    assert stored_user(session, alice.id)["avatar_url"] == AVATAR
    assert client.get(user_url(alice)).json["avatar_url"] == AVATAR

    response = client.patch(user_url(alice), json={"avatar_url": None}, headers=auth(alice))

    assert response.status_code == 200
    assert response.json["avatar_url"] is None
    assert stored_user(session, alice.id)["avatar_url"] is None


def test_other_fields_leave_the_avatar_alone(client, auth, session, alice):
    client.patch(user_url(alice), json={"avatar_url": AVATAR}, headers=auth(alice))

    client.patch(user_url(alice), json={"bio": "new"}, headers=auth(alice))

    assert stored_user(session, alice.id)["avatar_url"] == AVATAR


def test_registration_takes_an_avatar(client, session):
    response = client.post(
        "/api/v1/users",
        json={
            "username": "carol",
            "email": "carol@example.com",
            "password": PASSWORD,
            "avatar_url": "http://example.org/c.jpg",
        },
    )

    assert response.status_code == 201
    assert response.json["avatar_url"] == "http://example.org/c.jpg"
    assert stored_user(session, response.json["id"])["avatar_url"] == "http://example.org/c.jpg"


def test_a_new_user_has_no_avatar_and_no_follows(client):
    response = client.post(
        "/api/v1/users",
        json={"username": "dave", "email": "dave@example.com", "password": PASSWORD},
    )

    assert response.status_code == 201
    assert response.json["avatar_url"] is None
    assert response.json["follower_count"] == 0
    assert response.json["following_count"] == 0


@pytest.mark.parametrize(
    "value",
    [
        "javascript:alert(1)",
        "data:image/png;base64,AAAA",
        "ftp://example.com/a.png",
        "file:///etc/passwd",
        "//example.com/a.png",
        "/a.png",
        "example.com/a.png",
        "https://",
        "https://example.com/a\x00.png",
        "https://example.com/" + "a" * 481,  # 501 characters
        "",
        42,
    ],
)
def test_other_values_are_422_and_nothing_changes(client, auth, session, alice, value):
    response = client.patch(user_url(alice), json={"avatar_url": value}, headers=auth(alice))

    assert list(field_errors(response)) == ["avatar_url"]
    assert stored_user(session, alice.id)["avatar_url"] is None


def test_500_characters_is_the_limit(client, auth, session, alice):
    url = "https://example.com/" + "a" * 480
    assert len(url) == 500

    response = client.patch(user_url(alice), json={"avatar_url": url}, headers=auth(alice))

    assert response.status_code == 200
    assert stored_user(session, alice.id)["avatar_url"] == url


def test_someone_elses_avatar_is_403(client, auth, session, alice, bob):
    response = client.patch(user_url(bob), json={"avatar_url": AVATAR}, headers=auth(alice))

    assert response.status_code == 403
    assert stored_user(session, bob.id)["avatar_url"] is None
