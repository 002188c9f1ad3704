"""The posts rules, called without HTTP: visibility, ownership and the post count."""

from __future__ import annotations

import pytest

from project.common.exceptions import AuthenticationRequired, Forbidden, NotFound
from project.common.pagination import PageRequest
from project.posts import services
from project.posts.models import POSTS_NEWEST_FIRST
from project.users.services import get_user
from tests.kit import stored_post, stored_post_count

FIRST_PAGE = PageRequest(POSTS_NEWEST_FIRST, None, 20)

# Services run inside an app context, as under a CLI command (pytest-flask pushes one).
pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def draft(post_factory, alice):
    return post_factory(author=alice, status="draft")


def test_a_draft_is_visible_to_its_author_only(draft, alice, bob, admin):
    assert services.visible_post(draft.id, get_user(alice.id)).id == draft.id
    for viewer in (None, get_user(bob.id), get_user(admin.id)):
        with pytest.raises(NotFound, match=f"No post with id {draft.id}"):
            services.visible_post(draft.id, viewer)


def test_listing_drafts_needs_a_viewer_and_lists_only_theirs(draft, alice, bob):
    with pytest.raises(AuthenticationRequired):
        services.list_posts(viewer=None, author=None, status="draft", page=FIRST_PAGE)
    with pytest.raises(Forbidden):
        services.list_posts(
            viewer=get_user(bob.id), author=get_user(alice.id), status="draft", page=FIRST_PAGE
        )
    mine = services.list_posts(
        viewer=get_user(alice.id), author=None, status="draft", page=FIRST_PAGE
    )
    assert [post.id for post in mine.items] == [draft.id]
    theirs = services.list_posts(
        viewer=get_user(bob.id), author=None, status="draft", page=FIRST_PAGE
    )
    assert list(theirs.items) == []


def test_resolve_author_by_id_or_name(alice):
    assert services.resolve_author(str(alice.id)).id == alice.id
    assert services.resolve_author("ALICE").id == alice.id
    with pytest.raises(NotFound, match="No user named 'nobody'"):
        services.resolve_author("nobody")


def test_only_the_author_or_an_admin_edits(post_factory, alice, bob, admin, session):
    post = services.visible_post(post_factory(author=alice).id, None)
    with pytest.raises(Forbidden):
        services.update_post(post=post, actor=get_user(bob.id), data={"title": "mine now"})
    with pytest.raises(Forbidden):
        services.delete_post(post=post, actor=get_user(bob.id))
    services.update_post(post=post, actor=get_user(admin.id), data={"title": "moderated"})
    assert stored_post(session, post.id).title == "moderated"


def test_post_count_follows_every_publishing_change(alice, session):
    author = get_user(alice.id)
    post = services.create_post(author=author, data={"title": "t", "body": "b", "status": "draft"})
    assert stored_post_count(session, alice) == 0
    services.update_post(post=post, actor=author, data={"status": "published"})
    assert stored_post_count(session, alice) == 1
    services.update_post(post=post, actor=author, data={"title": "still published"})
    assert stored_post_count(session, alice) == 1
    services.create_post(author=author, data={"title": "t2", "body": "b", "status": "published"})
    assert stored_post_count(session, alice) == 2
    services.delete_post(post=post, actor=author)
    assert stored_post_count(session, alice) == 1
