"""Plugins: configured packages and `postwell.plugins` entry points."""

from __future__ import annotations

import sys
import types

import pytest
from flask_jwt_extended import verify_jwt_in_request
from flask_jwt_extended.exceptions import RevokedTokenError

import project.plugins
from project.common.auth import TokenHooksError
from project.config import DEFAULT_PLUGINS
from project.plugins import ENTRY_POINT_GROUP, PluginError
from tests.core import entry_point_plugin, sample_plugin
from tests.kit import assert_problem

SAMPLE = "tests.core.sample_plugin"


class FakeEntryPoint:
    """What `importlib.metadata.entry_points(group=...)` yields, reduced to its use."""

    def __init__(self, name: str, module: types.ModuleType) -> None:
        self.name = name
        self.group = ENTRY_POINT_GROUP
        self.value = module.__name__
        self.module = module

    def load(self) -> types.ModuleType:
        return self.module


def advertise(monkeypatch, *modules: types.ModuleType) -> list[str]:
    """Make `project.plugins` see `modules` as installed entry-point plugins."""
    groups: list[str] = []

    def fake_entry_points(*, group: str):
        groups.append(group)
        if group != ENTRY_POINT_GROUP:
            return []
        return [FakeEntryPoint(module.__name__.rsplit(".", 1)[-1], module) for module in modules]

    monkeypatch.setattr(project.plugins, "entry_points", fake_entry_points)
    return groups


def test_configured_plugin_is_loaded_and_initialised(build_app):
    app = build_app(PLUGINS=[*DEFAULT_PLUGINS, SAMPLE])

    assert app.extensions[sample_plugin.MARKER] == {"initialised": True}
    assert app.extensions["postwell_plugins"] == [*DEFAULT_PLUGINS, SAMPLE]

    response = app.test_client().get("/api/v1/pings")
    assert response.status_code == 200
    assert response.json == {"pong": True}
    assert response.headers["X-Request-ID"]


def test_configured_plugin_is_documented(build_app):
    app = build_app(PLUGINS=[*DEFAULT_PLUGINS, SAMPLE])

    spec = app.test_client().get("/api/v1/openapi.json").json

    assert "/api/v1/pings" in spec["paths"]
    assert "get" in spec["paths"]["/api/v1/pings"]
    assert "pings" in {tag["name"] for tag in spec["tags"]}
    # The core routes are still there.
    assert "/api/v1/users" in spec["paths"]
    assert "/health/ready" in spec["paths"]


def test_plugin_errors_are_problems_too(build_app):
    app = build_app(PLUGINS=[*DEFAULT_PLUGINS, SAMPLE])
    response = app.test_client().delete("/api/v1/pings")
    assert_problem(response, 405, path="/api/v1/pings")


def test_unconfigured_plugin_is_not_loaded(client, app):
    assert_problem(client.get("/api/v1/pings"), 404)
    assert sample_plugin.MARKER not in app.extensions


def test_core_runs_with_a_subset_of_plugins(build_app):
    app = build_app(PLUGINS=["project.users", "project.auth"])
    client = app.test_client()

    assert client.get("/health/live").status_code == 200
    assert client.get("/api/v1/users").status_code == 200
    assert_problem(client.get("/api/v1/posts"), 404)
    spec = client.get("/api/v1/openapi.json").json
    assert not any(path.startswith("/api/v1/posts") for path in spec["paths"])


def test_users_without_auth_refuse_to_start(make_app):
    """Tokens would be accepted with nobody checking whether they were revoked."""
    with pytest.raises(TokenHooksError, match="add project.auth to PLUGINS"):
        make_app(PLUGINS=["project.users", "project.posts"])


def test_an_app_without_users_accepts_no_token(build_app, auth, alice):
    """No plugin loads users: a valid token of another instance is refused, not trusted."""
    headers = auth(alice)
    app = build_app(PLUGINS=[SAMPLE])
    with app.test_request_context(headers=headers), pytest.raises(RevokedTokenError):
        verify_jwt_in_request()


def test_entry_point_plugin_is_loaded(build_app, monkeypatch):
    groups = advertise(monkeypatch, entry_point_plugin)

    app = build_app()

    assert groups == [ENTRY_POINT_GROUP]
    assert app.extensions[entry_point_plugin.MARKER] is True
    assert app.extensions["postwell_plugins"] == [*DEFAULT_PLUGINS, entry_point_plugin.__name__]
    client = app.test_client()
    response = client.get("/api/v1/echoes")
    assert response.status_code == 200
    assert response.json == {"echo": "hello"}
    assert "/api/v1/echoes" in client.get("/api/v1/openapi.json").json["paths"]


def test_entry_point_plugin_also_configured_is_registered_once(build_app, monkeypatch):
    advertise(monkeypatch, sample_plugin)

    app = build_app(PLUGINS=[*DEFAULT_PLUGINS, SAMPLE])

    assert app.extensions["postwell_plugins"].count(SAMPLE) == 1
    assert app.test_client().get("/api/v1/pings").status_code == 200


def test_unimportable_plugin_raises_plugin_error(make_app):
    with pytest.raises(PluginError, match="'tests.core.no_such_plugin' cannot be imported"):
        make_app(PLUGINS=[*DEFAULT_PLUGINS, "tests.core.no_such_plugin"])


def test_plugin_without_blueprint_raises_plugin_error(make_app, monkeypatch):
    module = types.ModuleType("postwell_test_blpless_plugin")
    calls: list[object] = []
    module.init_app = calls.append
    monkeypatch.setitem(sys.modules, module.__name__, module)

    with pytest.raises(PluginError, match="'postwell_test_blpless_plugin' exposes no `blp`"):
        make_app(PLUGINS=[*DEFAULT_PLUGINS, module.__name__])
    assert calls == []


def test_unimportable_entry_point_raises_plugin_error(make_app, monkeypatch):
    class BrokenEntryPoint(FakeEntryPoint):
        def load(self) -> types.ModuleType:
            raise ImportError("No module named 'postwell_missing'")

    monkeypatch.setattr(
        project.plugins,
        "entry_points",
        lambda *, group: [BrokenEntryPoint("missing", types.ModuleType("postwell_missing"))],
    )
    with pytest.raises(PluginError, match="entry point 'missing' cannot be imported"):
        make_app()
