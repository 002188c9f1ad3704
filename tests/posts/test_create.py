"""POST /api/v1/posts: writing a post."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from project.errors import REFERENCE_GONE
from project.extensions import db
from project.posts import reads
from project.posts.models import Post
from project.users.models import User
from tests.kit import assert_field_errors, assert_problem, count, stored_post, stored_post_count
from tests.posts.helpers import parse_time

URL = "/api/v1/posts"
POST_KEYS = {
    "id",
    "title",
    "summary",
    "body",
    "status",
    "tags",
    "author",
    "comment_count",
    "like_count",
    "liked",
    "created_at",
    "updated_at",
}


def test_create_answers_201_with_location_body_and_stores_the_post(client, session, alice, auth):
    before = datetime.now(UTC)
    response = client.post(URL, json={"title": "Hello", "body": "World"}, headers=auth(alice))
    after = datetime.now(UTC)

    assert response.status_code == 201
    assert response.mimetype == "application/json"
    post = response.json
    assert set(post) == POST_KEYS
    assert response.headers["Location"] == f"/api/v1/posts/{post['id']}"
    assert post["title"] == "Hello"
    assert post["body"] == "World"
    assert post["status"] == "published"
    assert post["author"] == {"id": alice.id, "username": "alice"}
    assert (post["comment_count"], post["like_count"], post["liked"]) == (0, 0, False)
    created_at = parse_time(post["created_at"])
    updated_at = parse_time(post["updated_at"])
    assert before <= created_at <= updated_at <= after

    stored = stored_post(session, post["id"])
    assert (stored.author_id, stored.title, stored.body, stored.status) == (
        alice.id,
        "Hello",
        "World",
        "published",
    )
    assert stored.created_at == created_at

    # The Location answers with the same representation (to the same viewer).
    shown = client.get(response.headers["Location"], headers=auth(alice))
    assert shown.status_code == 200
    assert shown.json == post


def test_create_does_not_ask_who_liked_the_new_post(client, alice, auth, capture_sql):
    headers = auth(alice)
    with capture_sql() as statements:
        response = client.post(URL, json={"title": "Hello", "body": "World"}, headers=headers)
    assert response.status_code == 201
    assert response.json["liked"] is False
    assert not [s for s in statements if "likes" in s.sql], statements
    # Read back, the post is asked about as usual.
    with capture_sql() as statements:
        shown = client.get(response.headers["Location"], headers=headers)
    assert shown.json["liked"] is False
    assert [s for s in statements if "likes" in s.sql]


@pytest.mark.parametrize("status", ["published", "draft"])
def test_create_reads_the_authors_username_with_their_count_not_their_row(
    client, alice, auth, capture_sql, status
):
    """The token's user is not loaded for a new post: its author's username
    comes back from the post count's UPDATE (a draft, which counts nothing,
    reads the row)."""
    headers = auth(alice)
    with capture_sql() as statements:
        response = client.post(
            URL, json={"title": "Hello", "body": "World", "status": status}, headers=headers
        )
    assert response.status_code == 201
    assert response.json["author"] == {"id": alice.id, "username": "alice"}
    reads_of_users = [s.sql for s in statements if s.sql.startswith("SELECT") and "users" in s.sql]
    assert len(reads_of_users) == (status == "draft"), reads_of_users


def test_a_post_by_an_account_deleted_meanwhile_is_a_409_and_writes_nothing(
    client, session, alice, auth, monkeypatch
):
    """The account went after the token's check (in another request): no query
    loaded its row, so the database refuses the post's row by its foreign key."""
    headers = auth(alice)
    real_insert_post = reads.insert_post

    def insert_post_after_the_account_went(values):
        db.session.execute(sa.delete(User.__table__).where(User.__table__.c.id == alice.id))
        return real_insert_post(values)

    monkeypatch.setattr(reads, "insert_post", insert_post_after_the_account_went)

    response = client.post(URL, json={"title": "Hello", "body": "World"}, headers=headers)

    assert_problem(response, 409, REFERENCE_GONE)
    assert count(session, Post) == 0


def test_create_draft(client, session, alice, auth):
    response = client.post(
        URL, json={"title": "Later", "body": "Not yet", "status": "draft"}, headers=auth(alice)
    )
    assert response.status_code == 201
    assert response.json["status"] == "draft"
    assert stored_post(session, response.json["id"]).status == "draft"


def test_create_needs_a_token(client, session):
    response = client.post(URL, json={"title": "Hello", "body": "World"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert count(session, Post) == 0


def test_create_rejects_an_invalid_token(client, session):
    response = client.post(
        URL, json={"title": "Hello", "body": "World"}, headers={"Authorization": "Bearer nope"}
    )
    assert_problem(response, 401)
    assert count(session, Post) == 0


def test_missing_token_is_401_before_the_body_is_validated(client):
    assert_problem(client.post(URL, json={"title": ""}), 401)


@pytest.mark.parametrize("length", [1, 200])
def test_title_length_boundaries_are_accepted(client, session, alice, auth, length):
    title = "t" * length
    response = client.post(URL, json={"title": title, "body": "b"}, headers=auth(alice))
    assert response.status_code == 201, response.json
    assert response.json["title"] == title
    assert stored_post(session, response.json["id"]).title == title


def test_title_of_200_astral_characters_is_accepted(client, session, alice, auth):
    # 200 characters, 800 UTF-8 bytes: the limit counts characters on every backend.
    title = "\U0001f600" * 200
    response = client.post(URL, json={"title": title, "body": "b"}, headers=auth(alice))
    assert response.status_code == 201, response.json
    assert stored_post(session, response.json["id"]).title == title


@pytest.mark.parametrize("title", ["", "t" * 201])
def test_title_out_of_bounds_is_422(client, session, alice, auth, title):
    response = client.post(URL, json={"title": title, "body": "b"}, headers=auth(alice))
    assert_field_errors(response, "json", "title")
    assert count(session, Post) == 0


@pytest.mark.parametrize("length", [1, 50_000])
def test_body_length_boundaries_are_accepted(client, session, alice, auth, length):
    body = "b" * length
    response = client.post(URL, json={"title": "t", "body": body}, headers=auth(alice))
    assert response.status_code == 201, response.json
    assert response.json["body"] == body
    assert stored_post(session, response.json["id"]).body == body


@pytest.mark.parametrize("body", ["", "b" * 50_001])
def test_body_out_of_bounds_is_422(client, session, alice, auth, body):
    response = client.post(URL, json={"title": "t", "body": body}, headers=auth(alice))
    assert_field_errors(response, "json", "body")
    assert count(session, Post) == 0


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"body": "b"}, {"title"}),
        ({"title": "t"}, {"body"}),
        ({}, {"title", "body"}),
    ],
)
def test_missing_required_fields_are_422(client, alice, auth, payload, fields):
    response = client.post(URL, json=payload, headers=auth(alice))
    assert_field_errors(response, "json", *fields)


@pytest.mark.parametrize("status", ["Draft", "PUBLISHED", "archived", "", None, 1, ["draft"]])
def test_status_must_be_draft_or_published(client, session, alice, auth, status):
    response = client.post(
        URL, json={"title": "t", "body": "b", "status": status}, headers=auth(alice)
    )
    assert_field_errors(response, "json", "status")
    assert count(session, Post) == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"author_id": 1},
        {"author": {"id": 1}},
        {"id": 5},
        {"created_at": "2020-01-01T00:00:00+00:00"},
        {"published": True},
    ],
)
def test_unknown_or_read_only_fields_are_422(client, session, alice, auth, extra):
    response = client.post(URL, json={"title": "t", "body": "b", **extra}, headers=auth(alice))
    assert_field_errors(response, "json", *extra)
    assert count(session, Post) == 0


def test_content_is_stored_and_returned_verbatim(client, session, alice, auth):
    title = "  <b>Bold</b> & \"quoted\" 'single' ünïcødé 中文 🎉  "
    body = (
        "<script>alert('xss')</script>\n"
        "<img src=x onerror=alert(1)>\r\n"
        "\ttabs, trailing spaces   \n"
        "&amp; &lt;not decoded&gt; \\backslash\\ %s {0} ${x}\n"
        "RTL \u202e override, zero\u200bwidth, combining e\u0301, astral \U0001d11e"
    )
    response = client.post(URL, json={"title": title, "body": body}, headers=auth(alice))
    assert response.status_code == 201
    assert response.mimetype == "application/json"
    assert (response.json["title"], response.json["body"]) == (title, body)

    stored = stored_post(session, response.json["id"])
    assert (stored.title, stored.body) == (title, body)

    shown = client.get(f"{URL}/{response.json['id']}")
    assert shown.mimetype == "application/json"
    assert (shown.json["title"], shown.json["body"]) == (title, body)
    listed = client.get(URL).json["items"][0]
    assert (listed["title"], listed["body"]) == (title, body)


@pytest.mark.parametrize("field", ["title", "body"])
def test_nul_byte_is_422_not_500(client, session, alice, auth, field):
    payload = {"title": "t", "body": "b", field: "before\x00after"}
    response = client.post(URL, json=payload, headers=auth(alice))
    assert_field_errors(response, "json", field)
    assert count(session, Post) == 0


@pytest.mark.parametrize("field", ["title", "body"])
def test_unpaired_surrogate_is_422_not_500(client, session, alice, auth, field):
    # Valid JSON, but "\ud800" alone is not a character any database can store.
    raw = json.dumps({"title": "t", "body": "b", field: "a\ud800b"})
    assert "\\ud800" in raw
    response = client.post(URL, data=raw, content_type="application/json", headers=auth(alice))
    assert_field_errors(response, "json", field)
    assert count(session, Post) == 0


def test_surrogate_pairs_are_ordinary_characters(client, session, alice, auth):
    raw = '{"title": "\\ud83d\\ude00", "body": "b"}'
    response = client.post(URL, data=raw, content_type="application/json", headers=auth(alice))
    assert response.status_code == 201
    assert stored_post(session, response.json["id"]).title == "\U0001f600"


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"title": 123, "body": "b"}, {"title"}),
        ({"title": "t", "body": []}, {"body"}),
        ({"title": {"text": "t"}, "body": "b"}, {"title"}),
        ({"title": None, "body": "b"}, {"title"}),
        ({"title": True, "body": 1.5}, {"title", "body"}),
    ],
)
def test_wrong_json_types_are_422(client, session, alice, auth, payload, fields):
    response = client.post(URL, json=payload, headers=auth(alice))
    assert_field_errors(response, "json", *fields)
    assert count(session, Post) == 0


@pytest.mark.parametrize("document", [[{"title": "t", "body": "b"}], "a string", 42, True])
def test_a_json_document_that_is_not_an_object_is_422(client, session, alice, auth, document):
    response = client.post(URL, json=document, headers=auth(alice))
    body = assert_problem(response, 422)
    assert "json" in body["errors"]
    assert count(session, Post) == 0


@pytest.mark.parametrize("raw", ['{"title": "t", "body": ', "{bad json}", "{'title': 't'}", "\x00"])
def test_malformed_json_is_a_400_problem(client, session, alice, auth, raw):
    response = client.post(URL, data=raw, content_type="application/json", headers=auth(alice))
    body = assert_problem(response, 400)
    assert "JSON" in body["detail"]
    assert count(session, Post) == 0


def test_body_over_max_content_length_is_413(client, app, session, alice, auth):
    oversized = "b" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(URL, json={"title": "t", "body": oversized}, headers=auth(alice))
    assert_problem(response, 413)
    assert count(session, Post) == 0


def test_publishing_increments_post_count_and_drafts_do_not(client, session, alice, bob, auth):
    headers = auth(alice)
    assert client.post(URL, json={"title": "1", "body": "b"}, headers=headers).status_code == 201
    assert stored_post_count(session, alice) == 1
    assert client.get(f"/api/v1/users/{alice.id}").json["post_count"] == 1

    draft = {"title": "2", "body": "b", "status": "draft"}
    assert client.post(URL, json=draft, headers=headers).status_code == 201
    assert stored_post_count(session, alice) == 1

    published = {"title": "3", "body": "b", "status": "published"}
    assert client.post(URL, json=published, headers=headers).status_code == 201
    assert stored_post_count(session, alice) == 2
    assert client.get(f"/api/v1/users/{alice.id}").json["post_count"] == 2
    assert stored_post_count(session, bob) == 0


def test_rejected_posts_do_not_change_post_count(client, session, alice, auth):
    response = client.post(URL, json={"title": "", "body": "b"}, headers=auth(alice))
    assert response.status_code == 422
    assert stored_post_count(session, alice) == 0
