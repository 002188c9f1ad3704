"""Conditional requests on users: versioned ETags, If-Match, and lost updates refused."""

from __future__ import annotations

import sqlalchemy as sa

from project.common.conditional import PRIVATE
from project.errors import LOST_UPDATE
from project.users import services
from project.users.models import User
from tests.kit import ME, assert_problem, rows, user_url


def stored(session, user) -> list[dict]:
    return rows(session, sa.select(User.bio, User.version).where(User.id == user.id))


def test_a_user_and_me_have_versioned_etags(client, auth, alice):
    public = client.get(user_url(alice))
    assert public.get_etag()[0].startswith("1-")
    me = client.get(ME, headers=auth(alice))
    assert me.get_etag()[0].startswith("1-")
    assert me.headers["Cache-Control"] == PRIVATE
    # alice's own view shows her email: a different body, a different tag.
    assert me.headers["ETag"] != public.headers["ETag"]
    again = client.get(ME, headers={**auth(alice), "If-None-Match": me.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")


def test_patch_with_a_stale_etag_is_a_412(client, session, auth, alice):
    stale = client.get(user_url(alice)).headers["ETag"]
    assert (
        client.patch(user_url(alice), json={"bio": "one"}, headers=auth(alice)).status_code == 200
    )
    response = client.patch(
        user_url(alice), json={"bio": "two"}, headers={**auth(alice), "If-Match": stale}
    )
    assert_problem(response, 412)
    assert stored(session, alice) == [{"bio": "one", "version": 2}]


def test_delete_with_a_stale_etag_is_a_412(client, session, auth, alice):
    stale = client.get(user_url(alice)).headers["ETag"]
    assert (
        client.patch(user_url(alice), json={"bio": "one"}, headers=auth(alice)).status_code == 200
    )
    response = client.delete(user_url(alice), headers={**auth(alice), "If-Match": stale})
    assert_problem(response, 412)
    assert stored(session, alice) == [{"bio": "one", "version": 2}]


def test_the_database_refuses_an_update_that_raced_past_the_check(
    client, session, auth, alice, monkeypatch
):
    """Another edit commits between the If-Match check and the write: 412, not 500."""
    from project.extensions import db

    etag = client.get(user_url(alice)).headers["ETag"]
    check = services.ensure_version

    def check_then_edit_meanwhile(current, expected, what):
        check(current, expected, what)
        # As another transaction would: the row changes, not this session's copy of it.
        db.session.execute(
            sa.update(User)
            .where(User.id == alice.id)
            .values(bio="theirs", version=User.version + 1),
            execution_options={"synchronize_session": False},
        )

    monkeypatch.setattr(services, "ensure_version", check_then_edit_meanwhile)
    response = client.patch(
        user_url(alice), json={"bio": "mine"}, headers={**auth(alice), "If-Match": etag}
    )
    assert_problem(response, 412, LOST_UPDATE)
    assert stored(session, alice)[0]["bio"] != "mine"
