"""Configuration: environments, secrets, DATABASE_URL and integer settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from project import config as config_module
from project import create_app
from project.config import (
    DEV_SECRET,
    ConfigError,
    DevelopmentConfig,
    ProductionConfig,
    config_class,
    database_url,
    env_bool,
    env_int,
    env_list,
)
from project.extensions import db

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "a" * 32
GOOD_JWT_SECRET = "b" * 40


@pytest.fixture
def clean_env(monkeypatch):
    """No operator settings leak in from the shell running the tests."""
    for name in (
        "APP_ENV",
        "SECRET_KEY",
        "JWT_SECRET_KEY",
        "DATABASE_URL",
        "REDIS_URL",
        "MAX_CONTENT_LENGTH",
        "PLUGINS",
        "LOG_LEVEL",
        "LOG_JSON",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def production_overrides(tmp_path):
    """Everything but the secrets, so a production app can be built in a test."""
    return {
        "APP_ENV": "production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.db'}",
        "REDIS_URL": None,
        "LOG_LEVEL": "WARNING",
    }


def dispose(app):
    with app.app_context():
        db.engine.dispose()


def test_production_without_secrets_refuses_to_start(clean_env):
    with pytest.raises(ConfigError, match="SECRET_KEY") as excinfo:
        create_app({"APP_ENV": "production"})
    message = str(excinfo.value)
    assert "at least 32 characters" in message
    assert "production" in message


@pytest.mark.parametrize(
    "secrets",
    [
        {"SECRET_KEY": "short", "JWT_SECRET_KEY": GOOD_JWT_SECRET},
        {"SECRET_KEY": DEV_SECRET, "JWT_SECRET_KEY": GOOD_JWT_SECRET},
        {"SECRET_KEY": "", "JWT_SECRET_KEY": GOOD_JWT_SECRET},
        {"SECRET_KEY": "c" * 31, "JWT_SECRET_KEY": GOOD_JWT_SECRET},
    ],
    ids=["short", "development-default", "empty", "31-chars"],
)
def test_production_rejects_weak_secret_key(clean_env, production_overrides, secrets):
    with pytest.raises(ConfigError, match=r"^SECRET_KEY must be set"):
        create_app({**production_overrides, **secrets})


@pytest.mark.parametrize("jwt_secret", [None, "short", DEV_SECRET])
def test_production_rejects_weak_jwt_secret(clean_env, production_overrides, jwt_secret):
    overrides = {**production_overrides, "SECRET_KEY": GOOD_SECRET}
    if jwt_secret is not None:
        overrides["JWT_SECRET_KEY"] = jwt_secret
    with pytest.raises(ConfigError, match=r"^JWT_SECRET_KEY must be set"):
        create_app(overrides)


def test_production_with_strong_secrets_builds(clean_env, production_overrides):
    app = create_app(
        {**production_overrides, "SECRET_KEY": GOOD_SECRET, "JWT_SECRET_KEY": GOOD_JWT_SECRET}
    )
    try:
        assert app.config["APP_ENV"] == "production"
        assert app.config["TESTING"] is False
        assert app.config["DEBUG"] is False
        assert app.config["RATE_LIMITS_ENABLED"] is True
        assert app.config["SECRET_KEY"] == GOOD_SECRET
        assert app.config["JWT_SECRET_KEY"] == GOOD_JWT_SECRET
        assert app.test_client().get("/health/live").status_code == 200
    finally:
        dispose(app)


def test_production_secrets_come_from_the_environment(clean_env, tmp_path):
    clean_env.setenv("APP_ENV", "production")
    clean_env.setenv("SECRET_KEY", GOOD_SECRET)
    clean_env.setenv("JWT_SECRET_KEY", GOOD_JWT_SECRET)
    clean_env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    clean_env.setenv("LOG_LEVEL", "WARNING")

    app = create_app()
    try:
        assert app.config["APP_ENV"] == "production"
        assert app.config["SECRET_KEY"] == GOOD_SECRET
        assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'env.db'}"
    finally:
        dispose(app)


@pytest.mark.parametrize("app_env", ["staging", "prod", "qa"])
def test_unknown_app_env_is_refused(clean_env, app_env):
    with pytest.raises(ConfigError, match="APP_ENV must be one of") as excinfo:
        create_app({"APP_ENV": app_env})
    assert repr(app_env) in str(excinfo.value)
    assert "production" in str(excinfo.value)


def test_unknown_app_env_from_the_environment_is_refused(clean_env):
    clean_env.setenv("APP_ENV", "bogus")
    with pytest.raises(ConfigError, match="'bogus'"):
        create_app()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (None, DevelopmentConfig),
        ("", DevelopmentConfig),
        ("development", DevelopmentConfig),
        ("testing", config_module.TestingConfig),
        (" Production ", ProductionConfig),
    ],
)
def test_config_class_by_name(clean_env, name, expected):
    assert config_class(name) is expected


def test_development_builds_without_secrets(clean_env, production_overrides):
    app = create_app({**production_overrides, "APP_ENV": "development"})
    try:
        assert app.config["APP_ENV"] == "development"
        assert app.config["SECRET_KEY"] == DEV_SECRET
    finally:
        dispose(app)


def test_testing_config_is_cheap_and_unlimited(clean_env):
    config = config_module.TestingConfig()
    assert config.TESTING is True
    assert config.RATE_LIMITS_ENABLED is False
    assert config.ARGON2_MEMORY_COST < DevelopmentConfig().ARGON2_MEMORY_COST


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "postgres://u:p@db.example.com:5432/app",
            "postgresql+psycopg://u:p@db.example.com:5432/app",
        ),
        ("postgresql://u:p@db.example.com/app", "postgresql+psycopg://u:p@db.example.com/app"),
        ("  postgres://u@h/app  ", "postgresql+psycopg://u@h/app"),
        ("postgresql+psycopg://u@h/app", "postgresql+psycopg://u@h/app"),
        ("sqlite:////tmp/app.db", "sqlite:////tmp/app.db"),
        ("", "sqlite:///default.db"),
        ("   ", "sqlite:///default.db"),
        (None, "sqlite:///default.db"),
    ],
)
def test_database_url_normalisation(raw, expected):
    assert database_url(raw, "sqlite:///default.db") == expected


def test_database_url_from_environment_is_normalised(clean_env):
    clean_env.setenv("DATABASE_URL", "postgres://app:pw@db:5432/postwell")
    config = DevelopmentConfig()
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://app:pw@db:5432/postwell"


def test_database_url_defaults_to_sqlite(clean_env):
    assert DevelopmentConfig().SQLALCHEMY_DATABASE_URI == "sqlite:///postwell.db"


@pytest.mark.parametrize("raw", ["ten", "1.5", "0x10", "10 MB"])
def test_env_int_rejects_non_integers(clean_env, raw):
    clean_env.setenv("POSTWELL_TEST_INT", raw)
    with pytest.raises(ConfigError, match="POSTWELL_TEST_INT must be an integer") as excinfo:
        env_int("POSTWELL_TEST_INT", 5)
    assert repr(raw) in str(excinfo.value)


@pytest.mark.parametrize(
    ("raw", "expected"), [(None, 5), ("", 5), ("  ", 5), ("42", 42), (" 7 ", 7)]
)
def test_env_int_values_and_default(clean_env, raw, expected):
    if raw is not None:
        clean_env.setenv("POSTWELL_TEST_INT", raw)
    assert env_int("POSTWELL_TEST_INT", 5) == expected


def test_bad_integer_setting_stops_create_app(clean_env):
    clean_env.setenv("MAX_CONTENT_LENGTH", "1MB")
    with pytest.raises(ConfigError, match="MAX_CONTENT_LENGTH must be an integer"):
        create_app({"APP_ENV": "testing"})


def test_integer_setting_from_environment(clean_env):
    clean_env.setenv("MAX_CONTENT_LENGTH", "2048")
    clean_env.setenv("JWT_ACCESS_TOKEN_EXPIRES", "60")
    config = DevelopmentConfig()
    assert config.MAX_CONTENT_LENGTH == 2048
    assert config.JWT_ACCESS_TOKEN_EXPIRES.total_seconds() == 60


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, True),
        ("", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("YES", True),
        ("on", True),
        ("1", True),
        (" True ", True),
        ("Off", False),
        ("NO", False),
    ],
)
def test_env_bool(clean_env, raw, expected):
    if raw is not None:
        clean_env.setenv("POSTWELL_TEST_BOOL", raw)
    assert env_bool("POSTWELL_TEST_BOOL", True) is expected


@pytest.mark.parametrize("raw", ["ture", "2", "enabled", "y", "nope"])
def test_env_bool_rejects_unknown_words(clean_env, raw):
    clean_env.setenv("POSTWELL_TEST_BOOL", raw)
    with pytest.raises(ConfigError) as excinfo:
        env_bool("POSTWELL_TEST_BOOL", False)
    message = str(excinfo.value)
    assert message == (
        f"POSTWELL_TEST_BOOL must be one of 1/0, true/false, yes/no, on/off; got {raw!r}"
    )
    assert "\n" not in message


def test_misspelt_boolean_setting_stops_create_app(clean_env):
    """`RATE_LIMITS_ENABLED=ture` must not quietly turn the limits off."""
    clean_env.setenv("RATE_LIMITS_ENABLED", "ture")
    with pytest.raises(ConfigError, match="RATE_LIMITS_ENABLED must be one of"):
        create_app({"APP_ENV": "development"})


def test_env_list(clean_env):
    assert env_list("POSTWELL_TEST_LIST", ("a", "b")) == ["a", "b"]
    clean_env.setenv("POSTWELL_TEST_LIST", " x , ,y,")
    assert env_list("POSTWELL_TEST_LIST", ("a",)) == ["x", "y"]


def run_wsgi_import(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "JWT_SECRET_KEY", "APP_ENV", "DATABASE_URL", "REDIS_URL"}
    }
    # Empty values: python-dotenv never overrides a variable that is set.
    environment.update({"SECRET_KEY": "", "JWT_SECRET_KEY": "", **env})
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_wsgi_in_production_without_secrets_exits_with_one_line(tmp_path):
    result = run_wsgi_import(APP_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}")

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "configuration error" in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("postwell: configuration error: SECRET_KEY")


def test_wsgi_in_production_with_secrets_imports(tmp_path):
    result = run_wsgi_import(
        APP_ENV="production",
        SECRET_KEY=GOOD_SECRET,
        JWT_SECRET_KEY=GOOD_JWT_SECRET,
        DATABASE_URL=f"sqlite:///{tmp_path / 'w.db'}",
    )

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
