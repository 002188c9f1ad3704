"""The users rules, called as a CLI command or a worker would: no HTTP involved.

Each rule raises a domain error (`project.common.exceptions`), not an
HTTPException; the HTTP tests check the statuses those map to.
"""

from __future__ import annotations

import pytest

from project.common.exceptions import Conflict, Forbidden, NotFound
from project.users import services
from tests.kit import PASSWORD, stored_user

# Services run inside an app context, as under a CLI command (pytest-flask pushes one).
pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def users(alice, bob, admin):
    """The three accounts, loaded in the app's session as a route would have them."""
    return {
        name: services.get_user(user.id)
        for name, user in {"alice": alice, "bob": bob, "admin": admin}.items()
    }


def test_get_user_of_an_unknown_id_is_not_found():
    with pytest.raises(NotFound, match="No user with id 987654"):
        services.get_user(987654)


def test_private_fields_are_for_the_user_and_admins_only(users):
    alice, bob, admin = users["alice"], users["bob"], users["admin"]
    assert services.private_fields([alice.id], alice) == [
        {"email": "alice@example.com", "is_admin": False, "email_verified": False}
    ]
    assert services.private_fields([alice.id, admin.id], admin) == [
        {"email": "alice@example.com", "is_admin": False, "email_verified": False},
        {"email": admin.email, "is_admin": True, "email_verified": admin.email_verified},
    ]
    assert services.private_fields([alice.id, bob.id], bob) == [
        {},
        {"email": "bob@example.com", "is_admin": False, "email_verified": False},
    ]


def test_create_user_refuses_a_taken_username_or_email(alice):
    data = {"username": "ALICE", "email": "new@example.com", "password": PASSWORD}
    with pytest.raises(Conflict, match="username is already taken"):
        services.create_user(data=data)
    data = {"username": "alice2", "email": "Alice@Example.com", "password": PASSWORD}
    with pytest.raises(Conflict, match="email is already registered"):
        services.create_user(data=data)


def test_create_admin_from_code(session):
    data = {"username": "root", "email": "root@example.com", "password": PASSWORD}
    user = services.create_user(data=data, is_admin=True)
    assert stored_user(session, user.id)["is_admin"] is True


def test_only_the_user_or_an_admin_manages_an_account(users):
    alice, bob, admin = users["alice"], users["bob"], users["admin"]
    with pytest.raises(Forbidden):
        services.update_user(user=alice, actor=bob, data={"bio": "hacked"})
    with pytest.raises(Forbidden):
        services.delete_user(user=alice, actor=bob)
    assert services.update_user(user=alice, actor=admin, data={"bio": "ok"}).bio == "ok"


def test_only_admins_grant_admin_rights(users, session):
    alice = users["alice"]
    with pytest.raises(Forbidden, match="Only admins"):
        services.update_user(user=alice, actor=alice, data={"is_admin": True})
    assert stored_user(session, alice.id)["is_admin"] is False


def test_own_password_change_needs_the_current_password(users, session):
    alice = users["alice"]
    before = stored_user(session, alice.id)["password_hash"]
    with pytest.raises(Forbidden, match="needs current_password"):
        services.update_user(user=alice, actor=alice, data={"password": "new password"})
    with pytest.raises(Forbidden, match="current password is wrong"):
        services.update_user(
            user=alice, actor=alice, data={"password": "new password", "current_password": "nope"}
        )
    assert stored_user(session, alice.id)["password_hash"] == before
    services.update_user(
        user=alice, actor=alice, data={"password": "new password", "current_password": PASSWORD}
    )
    assert services.authenticate("alice", "new password").id == alice.id


def test_an_admin_resets_a_password_without_the_current_one(users):
    services.update_user(user=users["alice"], actor=users["admin"], data={"password": "reset pw!"})
    assert services.authenticate("alice@example.com", "reset pw!") is not None


def test_authenticate_is_none_for_wrong_or_unknown_credentials(alice):
    assert services.authenticate("alice", "wrong password") is None
    assert services.authenticate("nobody", PASSWORD) is None
    assert services.authenticate("ALICE", PASSWORD).username == "alice"


def test_email_change_to_a_taken_address_is_a_conflict_and_writes_nothing(users, session):
    alice = users["alice"]
    with pytest.raises(Conflict):
        services.update_user(user=alice, actor=alice, data={"email": "BOB@example.com"})
    assert stored_user(session, alice.id)["email"] == "alice@example.com"
