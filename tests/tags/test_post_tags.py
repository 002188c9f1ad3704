"""Setting a post's tags on POST and PATCH, and how they come back."""

from __future__ import annotations

import pytest

from tests.kit import assert_field_errors, field_errors
from tests.tags.helpers import POSTS, stored_tags, tag_total


def create(client, headers, **fields):
    body = {"title": "Tagged", "body": "Body.", **fields}
    return client.post(POSTS, json=body, headers=headers)


def test_tags_are_trimmed_lower_cased_deduplicated_and_sorted(client, session, alice, auth):
    response = create(client, auth(alice), tags=[" Python ", "flask", "PYTHON", "web-dev"])

    assert response.status_code == 201, response.json
    assert response.json["tags"] == ["flask", "python", "web-dev"]
    assert stored_tags(session, response.json["id"]) == ["flask", "python", "web-dev"]
    assert client.get(f"{POSTS}/{response.json['id']}").json["tags"] == [
        "flask",
        "python",
        "web-dev",
    ]


def test_a_post_without_tags_has_an_empty_list(client, session, alice, auth):
    response = create(client, auth(alice))

    assert response.status_code == 201
    assert response.json["tags"] == []
    assert response.json["summary"] == ""
    assert stored_tags(session, response.json["id"]) == []


def test_a_new_posts_tags_cost_the_same_for_one_or_ten_and_are_not_read_back(
    client, alice, auth, capture_sql
):
    """Set-based writes; nothing to delete on a new post, and the answer shows
    the tags it just wrote without a query of `post_tags`."""
    headers = auth(alice)
    costs = {}
    for tags in (["python"], [f"t{number}" for number in range(10)]):
        with capture_sql() as statements:
            response = create(client, headers, tags=tags)
        assert response.status_code == 201, response.json
        assert response.json["tags"] == sorted(tags)
        sql = [statement.sql.upper() for statement in statements]
        assert not [s for s in sql if s.startswith("DELETE")], sql
        assert not [s for s in sql if s.startswith("SELECT") and "POST_TAGS" in s], sql
        costs[len(tags)] = len(sql)
    assert costs[1] == costs[10], costs


def test_tags_are_shared_between_posts(client, session, alice, bob, auth):
    create(client, auth(alice), tags=["python"])
    create(client, auth(bob), tags=["python", "rust"])

    assert tag_total(session) == 2


def test_ten_tags_are_accepted(client, alice, auth):
    names = [f"tag-{number}" for number in range(10)]
    response = create(client, auth(alice), tags=names)
    assert response.status_code == 201
    assert response.json["tags"] == sorted(names)


@pytest.mark.parametrize(
    "tags",
    [
        ["has space"],
        ["dot.ted"],
        ["-leading"],
        ["trailing-"],
        ["double--hyphen"],
        [""],
        ["   "],
        ["x" * 31],
        ["café"],
        ["a\nb"],
        ["new\n"],
        ["nul\x00"],
        [1],
        "python",
        None,
        [f"t{number}" for number in range(11)],
        ["python"] * 11,
    ],
    ids=lambda value: repr(value)[:20],
)
def test_invalid_tags_are_422_and_nothing_is_stored(client, session, alice, auth, tags):
    response = create(client, auth(alice), tags=tags)

    assert_field_errors(response, "json", "tags")
    assert tag_total(session) == 0


def test_thirty_characters_is_the_limit(client, alice, auth):
    assert create(client, auth(alice), tags=["x" * 30]).status_code == 201
    assert "tags" in field_errors(create(client, auth(alice), tags=["x" * 31]))


def test_patch_replaces_the_tags(client, session, alice, auth):
    post = create(client, auth(alice), tags=["python", "flask"]).json

    response = client.patch(
        f"{POSTS}/{post['id']}", json={"tags": ["rust", "Python"]}, headers=auth(alice)
    )

    assert response.status_code == 200, response.json
    assert response.json["tags"] == ["python", "rust"]
    assert stored_tags(session, post["id"]) == ["python", "rust"]


def test_patch_without_tags_keeps_them(client, session, alice, auth):
    post = create(client, auth(alice), tags=["python"]).json

    response = client.patch(f"{POSTS}/{post['id']}", json={"title": "New"}, headers=auth(alice))

    assert response.json["tags"] == ["python"]
    assert stored_tags(session, post["id"]) == ["python"]


def test_patch_with_an_empty_list_removes_them(client, session, alice, auth):
    post = create(client, auth(alice), tags=["python"]).json

    response = client.patch(f"{POSTS}/{post['id']}", json={"tags": []}, headers=auth(alice))

    assert response.json["tags"] == []
    assert stored_tags(session, post["id"]) == []


def test_invalid_patch_leaves_the_tags(client, session, alice, auth):
    post = create(client, auth(alice), tags=["python"]).json

    response = client.patch(f"{POSTS}/{post['id']}", json={"tags": ["no way"]}, headers=auth(alice))

    assert_field_errors(response, "json", "tags")
    assert stored_tags(session, post["id"]) == ["python"]


def test_someone_elses_post_tags_cannot_be_changed(client, session, alice, bob, auth):
    post = create(client, auth(alice), tags=["python"]).json

    response = client.patch(f"{POSTS}/{post['id']}", json={"tags": ["spam"]}, headers=auth(bob))

    assert response.status_code == 403
    assert stored_tags(session, post["id"]) == ["python"]
    assert tag_total(session) == 1


def test_deleting_a_post_deletes_its_tag_links(client, session, alice, auth):
    post = create(client, auth(alice), tags=["python"]).json

    assert client.delete(f"{POSTS}/{post['id']}", headers=auth(alice)).status_code == 204

    assert stored_tags(session, post["id"]) == []


def test_summary_is_stored_and_returned(client, session, alice, auth):
    response = create(client, auth(alice), summary="In short.")
    assert response.json["summary"] == "In short."

    patched = client.patch(
        f"{POSTS}/{response.json['id']}", json={"summary": "Shorter."}, headers=auth(alice)
    )
    assert patched.json["summary"] == "Shorter."


@pytest.mark.parametrize("summary", ["x" * 301, "a\x00b", None, 5])
def test_invalid_summary_is_422(client, alice, auth, summary):
    assert_field_errors(create(client, auth(alice), summary=summary), "json", "summary")


def test_summary_of_300_characters_is_accepted(client, alice, auth):
    assert create(client, auth(alice), summary="x" * 300).status_code == 201
