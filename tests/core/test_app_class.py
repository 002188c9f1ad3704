"""The app class: Flask's behaviour, with its per-call questions answered once."""

from __future__ import annotations

import gc
import inspect

from flask import after_this_request


def test_a_hook_is_asked_about_once(app, client, monkeypatch):
    asked = []
    real = inspect.iscoroutinefunction

    def counting(func):
        asked.append(func)
        return real(func)

    monkeypatch.setattr(inspect, "iscoroutinefunction", counting)
    for _ in range(3):
        assert client.get("/health/live").status_code == 200
    assert asked, "the first request asks"
    asked.clear()
    assert client.get("/health/live").status_code == 200
    assert asked == []


def test_a_per_request_callback_is_not_kept(app):
    with app.test_request_context("/"):

        @after_this_request
        def stamp(response):
            response.headers["X-Stamped"] = "yes"
            return response

        response = app.process_response(app.response_class("ok"))
    assert response.headers["X-Stamped"] == "yes"
    assert stamp in app._is_coroutine
    del stamp
    gc.collect()
    assert "stamp" not in {getattr(func, "__name__", "") for func in app._is_coroutine}


def test_a_coroutine_function_is_still_run_as_flask_runs_it(app, monkeypatch):
    async def view():
        return "ok"

    wrapped = []
    monkeypatch.setattr(app, "async_to_sync", lambda func: wrapped.append(func) or func)
    app.ensure_sync(view)
    app.ensure_sync(view)
    assert wrapped == [view, view]
