"""Database behaviour the app relies on, identical on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from project.auth.models import AuthSession, RefreshToken
from project.common.models import UTCDateTime
from project.posts.models import Post
from project.users.models import User
from tests.kit import count

IST = timezone(timedelta(hours=5, minutes=30))


def test_any_new_sqlite_connection_enforces_foreign_keys():
    engine = sa.create_engine("sqlite://")
    try:
        with engine.connect() as connection:
            assert connection.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_app_sqlite_connections_enforce_foreign_keys(session):
    if session.bind.dialect.name != "sqlite":
        pytest.skip("PRAGMA foreign_keys is SQLite's")
    assert session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1


def test_post_for_a_missing_author_is_refused(session):
    with pytest.raises(IntegrityError), session.begin_nested():
        session.add(Post(author_id=2**31 - 1, title="Orphan", body="No author", status="published"))
        session.flush()
    assert count(session, Post) == 0


def test_deleting_a_user_cascades_in_the_database(session, user_factory, post_factory):
    author = user_factory()
    bystander = user_factory()
    post_factory.create_batch(3, author=author)
    post_factory(author=bystander)
    now = datetime.now(UTC)
    auth_session = AuthSession(id=str(uuid.uuid4()), user_id=author.id, expires_at=now)
    session.add(auth_session)
    session.flush()
    session.add(RefreshToken(jti=str(uuid.uuid4()), session_id=auth_session.id, expires_at=now))
    session.commit()

    # Core DELETE: no ORM cascade is involved, only ON DELETE CASCADE.
    session.execute(sa.delete(User).where(User.id == author.id))
    session.commit()

    assert count(session, Post, Post.author_id == author.id) == 0
    assert count(session, AuthSession, AuthSession.user_id == author.id) == 0
    assert count(session, RefreshToken) == 0
    assert count(session, Post, Post.author_id == bystander.id) == 1


def test_deleting_an_account_through_the_api_removes_its_posts(
    client, auth, session, user_factory, post_factory
):
    author = user_factory()
    post_factory.create_batch(2, author=author)

    response = client.delete(f"/api/v1/users/{author.id}", headers=auth(author))

    assert response.status_code == 204
    assert count(session, Post, Post.author_id == author.id) == 0


def stored_created_at(session, user_id: int) -> datetime:
    """Read through the column type, bypassing the identity map."""
    return session.scalar(sa.select(User.created_at).where(User.id == user_id))


def test_aware_datetimes_come_back_as_utc(session, user_factory):
    written = datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=IST)
    user = user_factory(created_at=written)

    value = stored_created_at(session, user.id)

    assert value.tzinfo is UTC
    assert value == datetime(2024, 5, 1, 6, 30, 0, 123456, tzinfo=UTC)


def test_default_timestamps_are_aware_utc(session, user_factory):
    before = datetime.now(UTC)
    user = user_factory()
    after = datetime.now(UTC)

    value = stored_created_at(session, user.id)

    assert value.tzinfo is UTC
    assert before <= value <= after


def test_storage_is_utc_on_each_backend(session, user_factory):
    user = user_factory(created_at=datetime(2024, 1, 1, 23, 0, tzinfo=IST))
    raw = session.execute(
        sa.text("SELECT created_at FROM users WHERE id = :id"), {"id": user.id}
    ).scalar()
    if session.bind.dialect.name == "sqlite":
        # SQLite has no time zones: the naive value is the UTC wall clock.
        assert str(raw).startswith("2024-01-01 17:30:00")
    else:
        assert raw.utcoffset() is not None
        assert raw == datetime(2024, 1, 1, 17, 30, tzinfo=UTC)


def test_postgres_session_time_zone_does_not_leak(session, user_factory):
    if session.bind.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL has a session time zone")
    user = user_factory(created_at=datetime(2024, 1, 1, 12, 0, tzinfo=UTC))
    session.execute(sa.text("SET LOCAL TIME ZONE 'America/New_York'"))

    raw = session.execute(
        sa.text("SELECT created_at FROM users WHERE id = :id"), {"id": user.id}
    ).scalar()
    value = stored_created_at(session, user.id)

    assert raw.utcoffset() == timedelta(hours=-5)
    assert value.tzinfo is UTC
    assert value == datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def test_filtering_by_aware_datetime(session, user_factory):
    old = user_factory(created_at=datetime(2020, 1, 1, tzinfo=UTC))
    user_factory(created_at=datetime(2024, 1, 1, tzinfo=UTC))

    cutoff = datetime(2021, 1, 1, 5, 30, tzinfo=IST)
    ids = session.scalars(sa.select(User.id).where(User.created_at < cutoff)).all()

    assert ids == [old.id]


def test_naive_datetime_is_refused_on_write(session, user_factory):
    user = user_factory.build(created_at=datetime(2024, 1, 1, 12, 0))
    with pytest.raises(StatementError) as excinfo, session.begin_nested():
        session.add(user)
        session.flush()
    assert isinstance(excinfo.value.orig, ValueError)
    assert "naive datetime" in str(excinfo.value.orig)


def test_naive_datetime_is_refused_in_a_query(session):
    with pytest.raises(StatementError) as excinfo:
        session.execute(sa.select(User.id).where(User.created_at < datetime(2024, 1, 1)))
    assert isinstance(excinfo.value.orig, ValueError)


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql"])
def test_utc_datetime_bind_and_result(dialect_name):
    dialect = sa.create_mock_engine(f"{dialect_name}://", executor=None).dialect
    column_type = UTCDateTime()

    with pytest.raises(ValueError, match="naive datetime"):
        column_type.process_bind_param(datetime(2024, 1, 1), dialect)
    assert column_type.process_bind_param(None, dialect) is None
    assert column_type.process_result_value(None, dialect) is None

    bound = column_type.process_bind_param(datetime(2024, 1, 1, 12, tzinfo=IST), dialect)
    if dialect_name == "sqlite":
        assert bound == datetime(2024, 1, 1, 6, 30)
        assert bound.tzinfo is None
    else:
        assert bound == datetime(2024, 1, 1, 6, 30, tzinfo=UTC)
        assert bound.tzinfo is UTC

    naive = column_type.process_result_value(datetime(2024, 1, 1, 6, 30), dialect)
    assert naive == datetime(2024, 1, 1, 6, 30, tzinfo=UTC)
    assert naive.tzinfo is UTC
    aware = column_type.process_result_value(datetime(2024, 1, 1, 12, tzinfo=IST), dialect)
    assert aware.tzinfo is UTC
    assert aware == datetime(2024, 1, 1, 6, 30, tzinfo=UTC)
