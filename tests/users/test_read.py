"""GET /api/v1/users, /users/{id}, /users/me: listing, search, paging, visibility."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.kit import SECRET_KEYS, assert_problem, assert_unauthorized, field_errors, next_link

URL = "/api/v1/users"


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [item["username"] for item in response.json["items"]]


# --- list -------------------------------------------------------------------


def test_empty_list(client):
    response = client.get(URL)

    assert response.status_code == 200
    assert response.json == {"items": [], "next_cursor": None}
    assert "Link" not in response.headers


def test_list_is_newest_first_with_public_fields_only(client, user_factory):
    created = [user_factory() for _ in range(3)]

    response = client.get(URL)

    assert usernames(response) == [user.username for user in reversed(created)]
    for item in response.json["items"]:
        assert not SECRET_KEYS & item.keys()
        assert "email" not in item
        assert "is_admin" not in item
        assert {"id", "username", "display_name", "bio", "post_count", "created_at"} <= item.keys()


def test_trailing_slash_answers_directly(client, user_factory):
    user_factory(username="alice")

    response = client.get(URL + "/")

    assert response.status_code == 200
    assert "Location" not in response.headers
    assert usernames(response) == ["alice"]


def test_search_is_a_case_insensitive_prefix(client, user_factory):
    for name in ["alice", "Alicia", "ALIBABA", "malice", "bob", "al"]:
        user_factory(username=name)

    assert sorted(usernames(client.get(URL, query_string={"q": "ali"}))) == sorted(
        ["alice", "Alicia", "ALIBABA"]
    )
    assert sorted(usernames(client.get(URL, query_string={"q": "ALIC"}))) == ["Alicia", "alice"]
    assert usernames(client.get(URL, query_string={"q": "malice"})) == ["malice"]
    assert usernames(client.get(URL, query_string={"q": "zzz"})) == []


def test_search_treats_underscore_literally(client, user_factory):
    for name in ["al_x", "alxy", "al_", "alx_"]:
        user_factory(username=name)

    assert sorted(usernames(client.get(URL, query_string={"q": "al_"}))) == ["al_", "al_x"]
    assert usernames(client.get(URL, query_string={"q": "_"})) == []


@pytest.mark.parametrize("q", ["%", "a%", "%a", "\\", "a\\", "%%%"])
def test_search_treats_percent_and_backslash_literally(client, user_factory, q):
    for name in ["alice", "bob", "a_b"]:
        user_factory(username=name)

    assert usernames(client.get(URL, query_string={"q": q})) == []


@pytest.mark.parametrize("q", ["", "a" * 21])
def test_search_term_length_is_validated(client, q):
    response = client.get(URL, query_string={"q": q})

    assert "q" in field_errors(response, "query")


def test_pagination_walks_every_user_once_newest_first(client, user_factory):
    created = [user_factory() for _ in range(5)]
    expected = [user.username for user in reversed(created)]

    seen: list[str] = []
    response = client.get(URL, query_string={"limit": 2})
    pages = 0
    while True:
        pages += 1
        assert response.status_code == 200
        page = usernames(response)
        assert len(page) <= 2
        seen.extend(page)
        cursor = response.json["next_cursor"]
        link = next_link(response)
        if cursor is None:
            assert link is None
            break
        # The Link header points at the same next page, keeping the other args.
        query = parse_qs(urlsplit(link).query)
        assert urlsplit(link).path == URL
        assert query == {"limit": ["2"], "cursor": [cursor]}
        response = client.get(URL, query_string={"limit": 2, "cursor": cursor})

    assert pages == 3
    assert seen == expected


def test_link_header_is_followable_and_keeps_the_search(client, user_factory):
    for name in ["sam1", "sam2", "sam3", "other"]:
        user_factory(username=name)

    first = client.get(URL, query_string={"q": "sam", "limit": 2})
    link = next_link(first)
    assert parse_qs(urlsplit(link).query)["q"] == ["sam"]

    parts = urlsplit(link)
    second = client.get(f"{parts.path}?{parts.query}")

    assert usernames(first) == ["sam3", "sam2"]
    assert usernames(second) == ["sam1"]
    assert second.json["next_cursor"] is None
    assert "Link" not in second.headers


def test_exact_page_size_has_no_next_page(client, user_factory):
    for _ in range(3):
        user_factory()

    response = client.get(URL, query_string={"limit": 3})

    assert len(response.json["items"]) == 3
    assert response.json["next_cursor"] is None
    assert "Link" not in response.headers


def test_default_page_size_is_20(client, user_factory):
    user_factory.create_batch(21)

    response = client.get(URL)

    assert len(response.json["items"]) == 20
    assert response.json["next_cursor"] is not None


def test_users_created_after_the_first_page_do_not_shift_later_pages(client, user_factory):
    old = [user_factory() for _ in range(4)]
    first = client.get(URL, query_string={"limit": 2})
    user_factory(username="newcomer")

    second = client.get(URL, query_string={"limit": 2, "cursor": first.json["next_cursor"]})

    assert usernames(second) == [old[1].username, old[0].username]


@pytest.mark.parametrize("limit", ["0", "-1", "101", "abc", "1.5"])
def test_invalid_limit_is_422(client, limit):
    response = client.get(URL, query_string={"limit": limit})

    assert "limit" in field_errors(response, "query")


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(client, user_factory, limit):
    user_factory()

    assert client.get(URL, query_string={"limit": limit}).status_code == 200


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjoxfQ", "x" * 300, "W10"])
def test_invalid_cursor_is_422(client, cursor):
    response = client.get(URL, query_string={"cursor": cursor})

    assert "cursor" in field_errors(response, "query")


@pytest.mark.usefixtures("uncached")
def test_listing_costs_the_same_number_of_queries_for_any_page_size(
    client, auth, user_factory, capture_sql
):
    viewer = user_factory()
    headers = auth(viewer)
    user_factory.create_batch(2)
    client.get(URL, headers=headers)  # warm-up: the same work for both measured requests
    with capture_sql() as few:
        assert client.get(URL, headers=headers).status_code == 200
    user_factory.create_batch(15)

    with capture_sql() as many:
        response = client.get(URL, headers=headers)

    assert len(response.json["items"]) == 18
    assert len(many) == len(few)


# --- one user ---------------------------------------------------------------


def test_get_user_by_id(client, user_factory):
    user = user_factory(username="alice", display_name="Alice", bio="Hi")

    response = client.get(f"{URL}/{user.id}")

    assert response.status_code == 200
    body = response.json
    assert body["id"] == user.id
    assert body["username"] == "alice"
    assert body["display_name"] == "Alice"
    assert body["bio"] == "Hi"
    assert body["post_count"] == 0
    assert "email" not in body
    assert "is_admin" not in body
    assert not SECRET_KEYS & body.keys()


def test_unknown_user_is_404_problem(client, user_factory):
    user = user_factory()

    response = client.get(f"{URL}/{user.id + 1000}")

    body = assert_problem(response, 404, f"No user with id {user.id + 1000}.")
    assert body["title"] == "Not Found"


@pytest.mark.parametrize("user_id", ["0", "-1", "abc", str(2**31), "9" * 30])
def test_impossible_ids_are_404_problem(client, user_id):
    assert_problem(client.get(f"{URL}/{user_id}"), 404)


# --- me and private fields --------------------------------------------------


def test_me_requires_a_token(client):
    response = client.get(f"{URL}/me")

    assert_unauthorized(response)


def test_me_shows_own_private_fields(client, auth, alice):
    response = client.get(f"{URL}/me", headers=auth(alice))

    assert response.status_code == 200
    assert response.json["id"] == alice.id
    assert response.json["email"] == "alice@example.com"
    assert response.json["is_admin"] is False
    assert not SECRET_KEYS & response.json.keys()


def test_user_sees_own_email_by_id(client, auth, user_factory):
    user = user_factory(email="me@example.com")

    response = client.get(f"{URL}/{user.id}", headers=auth(user))

    assert response.json["email"] == "me@example.com"


def test_other_users_do_not_see_email(client, auth, alice, bob):
    headers = auth(alice)

    one = client.get(f"{URL}/{bob.id}", headers=headers)
    listing = client.get(URL, headers=headers)

    assert one.status_code == 200
    assert "email" not in one.json
    assert "is_admin" not in one.json
    by_name = {item["username"]: item for item in listing.json["items"]}
    assert "email" not in by_name["bob"]
    # ...while their own entry in the same list does show it.
    assert by_name["alice"]["email"] == alice.email


def test_admins_see_everyones_email(client, auth, admin, bob):
    headers = auth(admin)

    one = client.get(f"{URL}/{bob.id}", headers=headers)
    listing = client.get(URL, headers=headers)

    assert one.json["email"] == "bob@example.com"
    assert one.json["is_admin"] is False
    assert {item["username"]: item["email"] for item in listing.json["items"]} == {
        "admin": admin.email,
        "bob": "bob@example.com",
    }


def test_an_invalid_token_on_a_public_endpoint_is_still_401(client, user_factory):
    user = user_factory()

    response = client.get(f"{URL}/{user.id}", headers={"Authorization": "Bearer not.a.jwt"})

    assert_unauthorized(response)
