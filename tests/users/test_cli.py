"""`flask users create-admin`."""

from __future__ import annotations

import sqlalchemy as sa

from project.users.models import User
from tests.kit import bearer, rows, user_count


def create_admin(app, *args, **kwargs):
    return app.test_cli_runner().invoke(args=["users", "create-admin", *args], **kwargs)


def test_create_admin(app, client, login, session):
    result = create_admin(
        app, "--username", "root", "--email", "root@example.com", "--password", "s3cret-pass"
    )

    assert result.exit_code == 0, result.output
    assert "Created admin 'root'" in result.output
    [row] = rows(session, sa.select(User.__table__).where(User.username == "root"))
    assert row["is_admin"] is True
    assert row["email"] == "root@example.com"
    assert row["password_hash"].startswith("$argon2id$")
    # The new admin can log in and sees private fields.
    token = login("root", "s3cret-pass")["access_token"]
    me = client.get("/api/v1/users/me", headers=bearer(token))
    assert me.json["is_admin"] is True


def test_create_admin_prompts_for_missing_values(app, session):
    result = create_admin(app, input="root\nroot@example.com\ns3cret-pass\ns3cret-pass\n")

    assert result.exit_code == 0, result.output
    assert user_count(session, User.username == "root", User.is_admin.is_(True)) == 1


def test_create_admin_password_prompt_must_match(app, session):
    result = create_admin(
        app,
        "--username",
        "root",
        "--email",
        "root@example.com",
        input="s3cret-pass\nother-pass\ns3cret-pass\ns3cret-pass\n",
    )

    assert result.exit_code == 0, result.output
    assert "do not match" in result.output.lower()
    assert user_count(session) == 1


def test_create_admin_duplicate_username_fails(app, session, user_factory):
    user_factory(username="Root", email="first@example.com")

    result = create_admin(
        app, "--username", "root", "--email", "root@example.com", "--password", "s3cret-pass"
    )

    assert result.exit_code != 0
    assert "This username is already taken." in result.output
    assert user_count(session) == 1


def test_create_admin_duplicate_email_fails(app, session, user_factory):
    user_factory(username="first", email="ROOT@example.com")

    result = create_admin(
        app, "--username", "root", "--email", "root@example.com", "--password", "s3cret-pass"
    )

    assert result.exit_code != 0
    assert "This email is already registered." in result.output
    assert user_count(session) == 1


def test_create_admin_twice_fails_the_second_time(app, session):
    args = ("--username", "root", "--email", "root@example.com", "--password", "s3cret-pass")

    assert create_admin(app, *args).exit_code == 0
    second = create_admin(app, *args)

    assert second.exit_code != 0
    assert user_count(session) == 1


def test_create_admin_rejects_invalid_input(app, session):
    result = create_admin(
        app, "--username", "no spaces!", "--email", "not-an-email", "--password", "short"
    )

    assert result.exit_code != 0
    assert result.output.splitlines() == [
        "Error: invalid input:",
        "  username: 3 to 20 letters, digits or underscores.",
        "  email: Not a valid email address.",
        "  password: Length must be between 8 and 128.",
    ]
    assert user_count(session) == 0
