"""HTTP caching and conditional requests on posts: ETag, 304, If-Match, 412.

A post's ETag is strong, `"<version>-<digest>"`: the row version an edit
bumps and a digest of the body. `If-Match` compares the version part.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.common.conditional import PRIVATE, PUBLIC
from project.observability import REQUEST_ID_HEADER
from project.posts.models import Post
from tests.kit import assert_problem, scalar, stored_post

URL = "/api/v1/posts"
STALE = "The post has changed since you read it"


@pytest.fixture
def post(make_posts, alice):
    return make_posts(1, authors=[alice])[0]


def stored_version(session, post_id: int) -> int:
    return scalar(session, sa.select(Post.version).where(Post.id == post_id))


def test_a_post_has_a_strong_etag_from_its_version(client, post):
    response = client.get(f"{URL}/{post.id}")
    assert response.status_code == 200
    tag, weak = response.get_etag()
    assert not weak and tag.startswith("1-")
    assert response.headers["Cache-Control"] == PUBLIC
    assert "Authorization" in response.headers["Vary"]


def test_an_authenticated_answer_is_private(client, auth, alice, post):
    response = client.get(f"{URL}/{post.id}", headers=auth(alice))
    assert response.headers["Cache-Control"] == PRIVATE
    assert "Authorization" in response.headers["Vary"]


def test_a_current_if_none_match_is_a_304_without_body(client, post):
    etag = client.get(f"{URL}/{post.id}").headers["ETag"]
    response = client.get(f"{URL}/{post.id}", headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert response.headers["ETag"] == etag
    assert response.headers["Cache-Control"] == PUBLIC
    assert "Authorization" in response.headers["Vary"]
    assert response.headers[REQUEST_ID_HEADER]
    assert "X-Process-Time" in response.headers
    # A list of tags, one of them current, and the weak form of it, match too.
    listed = client.get(f"{URL}/{post.id}", headers={"If-None-Match": f'"x", W/{etag}'})
    assert listed.status_code == 304


def test_a_stale_if_none_match_gets_the_new_body(client, auth, alice, post):
    etag = client.get(f"{URL}/{post.id}").headers["ETag"]
    assert (
        client.patch(f"{URL}/{post.id}", json={"title": "New"}, headers=auth(alice)).status_code
        == 200
    )
    response = client.get(f"{URL}/{post.id}", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json["title"] == "New"
    assert response.get_etag()[0].startswith("2-")


def test_a_change_of_tags_alone_is_a_new_version(client, session, auth, alice, post):
    """Tags are part of what a post shows: changing only them must not leave a
    client's cached copy (its ETag) current. Setting the same tags again is no change."""
    etag = client.get(f"{URL}/{post.id}").headers["ETag"]
    headers = {**auth(alice), "If-Match": etag}
    edited = client.patch(f"{URL}/{post.id}", json={"tags": ["python"]}, headers=headers)
    assert edited.status_code == 200, edited.json
    assert stored_version(session, post.id) == 2

    response = client.get(f"{URL}/{post.id}", headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.json["tags"] == ["python"]
    assert response.get_etag()[0].startswith("2-")

    same = client.patch(f"{URL}/{post.id}", json={"tags": ["Python"]}, headers=auth(alice))
    assert same.status_code == 200
    assert stored_version(session, post.id) == 2
    assert client.get(f"{URL}/{post.id}").headers["ETag"] == response.headers["ETag"]


def test_a_like_changes_the_etag_but_not_the_version(client, auth, bob, post):
    before = client.get(f"{URL}/{post.id}").get_etag()[0]
    assert client.put(f"{URL}/{post.id}/like", headers=auth(bob)).status_code in (200, 204)
    after = client.get(f"{URL}/{post.id}")
    assert after.json["like_count"] == 1
    assert after.get_etag()[0] != before
    assert after.get_etag()[0].startswith("1-")


def test_patch_with_the_current_etag_edits_and_returns_the_new_one(
    client, session, auth, alice, post
):
    etag = client.get(f"{URL}/{post.id}").headers["ETag"]
    response = client.patch(
        f"{URL}/{post.id}", json={"title": "Edited"}, headers={**auth(alice), "If-Match": etag}
    )
    assert response.status_code == 200
    assert stored_post(session, post.id).title == "Edited"
    assert stored_version(session, post.id) == 2
    assert (
        response.headers["ETag"]
        == client.get(f"{URL}/{post.id}", headers=auth(alice)).headers["ETag"]
    )


def test_patch_with_a_stale_etag_is_a_412_and_writes_nothing(client, session, auth, alice, post):
    stale = client.get(f"{URL}/{post.id}").headers["ETag"]
    assert (
        client.patch(f"{URL}/{post.id}", json={"title": "First"}, headers=auth(alice)).status_code
        == 200
    )
    response = client.patch(
        f"{URL}/{post.id}", json={"title": "Second"}, headers={**auth(alice), "If-Match": stale}
    )
    body = assert_problem(response, 412)
    assert body["detail"].startswith(STALE)
    assert stored_post(session, post.id).title == "First"
    assert stored_version(session, post.id) == 2


@pytest.mark.parametrize("if_match", ['W/"1-0"', '"nonsense"', '"7-abc"'])
def test_a_weak_foreign_or_unknown_if_match_is_a_412(client, session, auth, alice, post, if_match):
    response = client.patch(
        f"{URL}/{post.id}", json={"title": "No"}, headers={**auth(alice), "If-Match": if_match}
    )
    assert_problem(response, 412)
    assert stored_post(session, post.id).title == post.title


def test_if_match_star_or_absent_edits(client, session, auth, alice, post):
    star = client.patch(
        f"{URL}/{post.id}", json={"title": "A"}, headers={**auth(alice), "If-Match": "*"}
    )
    assert star.status_code == 200
    assert (
        client.patch(f"{URL}/{post.id}", json={"title": "B"}, headers=auth(alice)).status_code
        == 200
    )
    assert stored_version(session, post.id) == 3


def test_delete_with_a_stale_etag_is_a_412_and_deletes_nothing(client, session, auth, alice, post):
    stale = client.get(f"{URL}/{post.id}").headers["ETag"]
    assert (
        client.patch(f"{URL}/{post.id}", json={"title": "Edited"}, headers=auth(alice)).status_code
        == 200
    )
    response = client.delete(f"{URL}/{post.id}", headers={**auth(alice), "If-Match": stale})
    assert_problem(response, 412)
    assert stored_post(session, post.id) is not None
    current = client.get(f"{URL}/{post.id}").headers["ETag"]
    deleted = client.delete(f"{URL}/{post.id}", headers={**auth(alice), "If-Match": current})
    assert deleted.status_code == 204
    assert stored_post(session, post.id) is None


def test_a_forbidden_edit_is_a_403_whatever_the_if_match(client, auth, bob, post):
    response = client.patch(
        f"{URL}/{post.id}", json={"title": "x"}, headers={**auth(bob), "If-Match": '"9-x"'}
    )
    assert_problem(response, 403)


def test_a_collection_has_an_etag_hashing_its_body(client, auth, alice, post):
    first = client.get(URL)
    tag, weak = first.get_etag()
    assert not weak and "-" not in tag
    assert first.headers["Cache-Control"] == PUBLIC
    assert client.get(URL, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert (
        client.post(URL, json={"title": "t", "body": "b"}, headers=auth(alice)).status_code == 201
    )
    second = client.get(URL, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.get_etag()[0] != tag


def test_errors_carry_no_etag(client):
    response = client.get(f"{URL}/999999")
    assert_problem(response, 404)
    assert "ETag" not in response.headers


@pytest.mark.committing
def test_two_editors_with_one_etag_one_wins(race, crowd, post_of, racing_app):
    """PostgreSQL: both PATCHes carry the same current ETag; the second is a 412."""
    author = crowd(1)[0]
    post_id = post_of(author)
    etag = racing_app.test_client().get(f"{URL}/{post_id}").headers["ETag"]
    responses = race(
        [
            lambda c, title=title: c.patch(
                f"{URL}/{post_id}",
                json={"title": title},
                headers={**author.headers, "If-Match": etag},
            )
            for title in ("A", "B")
        ]
    )
    assert sorted(response.status_code for response in responses) == [200, 412]
    winner = next(response for response in responses if response.status_code == 200)
    stored = racing_app.test_client().get(f"{URL}/{post_id}")
    assert stored.json["title"] == winner.json["title"]
    assert stored.get_etag()[0].startswith("2-")
