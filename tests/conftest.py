"""Fixtures for every test, one module each under tests/fixtures/.

Helpers and assertions (not fixtures) are in tests/kit.py. pytest-flask
provides `client` (and `live_server`) from the `app` fixture in `backends`.
"""

pytest_plugins = [
    "tests.fixtures.backends",
    "tests.fixtures.redis_db",
    "tests.fixtures.redis_server",
    "tests.fixtures.database",
    "tests.fixtures.users",
    "tests.fixtures.sql",
    "tests.fixtures.races",
    "tests.fixtures.tcp_proxy",
    "tests.fixtures.gunicorn",
    "tests.fixtures.clock",
    "tests.fixtures.smtp",
]
