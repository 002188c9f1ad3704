"""Fixtures for every test, one module each under tests/fixtures/.

Helpers and assertions (not fixtures) are in tests/kit.py.
"""

pytest_plugins = [
    "tests.fixtures.backends",
    "tests.fixtures.redis_db",
    "tests.fixtures.database",
    "tests.fixtures.users",
    "tests.fixtures.sql",
]
