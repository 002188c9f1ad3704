"""Plugin loading: the packages named in `PLUGINS`, then the entry points.

A plugin is a package that exposes `blp` (a flask-smorest Blueprint) and,
optionally, `init_app(app)` for anything else it hooks into the app (CLI
commands, JWT callbacks, signal receivers). Third-party packages advertise
plugins under the `postwell.plugins` entry-point group.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib.metadata import entry_points
from types import ModuleType

from flask import Flask

from project.api import PostwellApi

ENTRY_POINT_GROUP = "postwell.plugins"


class PluginError(RuntimeError):
    """A configured plugin cannot be loaded."""


def discover(names: Iterable[str]) -> list[ModuleType]:
    """Import configured plugins, then entry-point ones, each once, in order."""
    modules: dict[str, ModuleType] = {}
    for name in names:
        try:
            modules[name] = importlib.import_module(name)
        except ImportError as exc:
            raise PluginError(f"plugin {name!r} cannot be imported: {exc}") from exc
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            module = entry_point.load()
        except ImportError as exc:
            raise PluginError(
                f"plugin entry point {entry_point.name!r} cannot be imported: {exc}"
            ) from exc
        modules.setdefault(module.__name__, module)
    return list(modules.values())


def register_plugin(app: Flask, api: PostwellApi, plugin: ModuleType) -> None:
    blp = getattr(plugin, "blp", None)
    if blp is None:
        raise PluginError(f"plugin {plugin.__name__!r} exposes no `blp`")
    init_app = getattr(plugin, "init_app", None)
    if init_app is not None:
        init_app(app)
    api.register_blueprint(blp)


def register_plugins(app: Flask, api: PostwellApi) -> None:
    plugins = discover(app.config["PLUGINS"])
    for plugin in plugins:
        register_plugin(app, api, plugin)
    app.extensions["postwell_plugins"] = [plugin.__name__ for plugin in plugins]
