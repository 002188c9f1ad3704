"""factory_boy factories for users and posts, bound to the test's session."""

from __future__ import annotations

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from project.posts.models import Post
from project.users.models import User
from tests.kit import PASSWORD

# Hashed once with the testing cost; verification reads the cost from the hash.
PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session = None
        # Commit = RELEASE SAVEPOINT: rows stay in the test's outer transaction
        # and are visible to the app's sessions on the same connection.
        sqlalchemy_session_persistence = "commit"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user_{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    display_name = factory.Faker("name")
    bio = factory.Faker("sentence")
    password_hash = PASSWORD_HASH
    is_admin = False
    post_count = 0


class PostFactory(BaseFactory):
    class Meta:
        model = Post

    author = factory.SubFactory(UserFactory)
    title = factory.Faker("sentence", nb_words=5)
    body = factory.Faker("paragraph")
    status = "published"


def bind_factories(session) -> None:
    for factory_class in (UserFactory, PostFactory):
        factory_class._meta.sqlalchemy_session = session
