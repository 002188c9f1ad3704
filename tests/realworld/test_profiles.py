"""/api/profiles/{username} and its follow (profiles.hurl)."""

from __future__ import annotations

import pytest

from project.follows.models import Follow
from tests.kit import count, stored_user
from tests.realworld.helpers import assert_errors, profile_url


def test_profile_anonymously_and_as_a_follower(client, alice, bob, conduit):
    expected = {"username": "bob", "bio": bob.bio, "image": None, "following": False}
    assert client.get(profile_url("bob")).json == {"profile": expected}
    assert client.get(profile_url("bob"), headers=conduit(alice)).json == {"profile": expected}


def test_profile_lookup_is_case_insensitive(client, bob):
    assert client.get(profile_url("BOB")).json["profile"]["username"] == "bob"


def test_empty_bio_is_null(client, user_factory):
    user_factory(username="blank", bio="")
    assert client.get(profile_url("blank")).json["profile"]["bio"] is None


def test_follow_and_unfollow(client, session, alice, bob, conduit):
    response = client.post(profile_url("bob") + "/follow", headers=conduit(alice))

    assert response.status_code == 200
    assert response.json["profile"] == {
        "username": "bob",
        "bio": bob.bio,
        "image": None,
        "following": True,
    }
    assert client.get(profile_url("bob"), headers=conduit(alice)).json["profile"]["following"]
    assert not client.get(profile_url("bob")).json["profile"]["following"]
    assert stored_user(session, bob.id)["follower_count"] == 1
    # Following again changes nothing.
    assert client.post(profile_url("bob") + "/follow", headers=conduit(alice)).status_code == 200
    assert count(session, Follow) == 1

    response = client.delete(profile_url("bob") + "/follow", headers=conduit(alice))

    assert response.status_code == 200
    assert response.json["profile"]["following"] is False
    assert not client.get(profile_url("bob"), headers=conduit(alice)).json["profile"]["following"]
    assert stored_user(session, bob.id)["follower_count"] == 0
    assert client.delete(profile_url("bob") + "/follow", headers=conduit(alice)).status_code == 200


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_unknown_profile_is_404(client, alice, conduit, method):
    url = profile_url("nobody") + ("" if method == "GET" else "/follow")
    response = client.open(url, method=method, headers=conduit(alice))
    assert_errors(response, 404, {"profile": ["not found"]})


def test_following_yourself_is_422(client, session, alice, conduit):
    response = client.post(profile_url("alice") + "/follow", headers=conduit(alice))
    assert_errors(response, 422, {"profile": ["You cannot follow yourself."]})
    assert count(session, Follow) == 0


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_follow_without_a_token_is_401(client, bob, method):
    response = client.open(profile_url("bob") + "/follow", method=method)
    assert_errors(response, 401, {"token": ["is missing"]})
