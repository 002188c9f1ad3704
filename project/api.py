"""The flask-smorest `Api`, adapted so the spec tells the truth about errors."""

from __future__ import annotations

import http
from typing import Any

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from project.errors import PROBLEM_JSON, ProblemSchema, handle_http_exception


class ErrorResponsesPlugin(BasePlugin):
    """Document the errors every operation of a kind can answer with.

    Routes document their own errors (401, 403, 409, ...); flask-smorest adds
    422 where arguments are parsed. These come from the framework, whatever
    the route, so they are added here instead of being repeated on each one:

    * 400, 413 and 415 where a JSON body is read (malformed JSON, over
      MAX_CONTENT_LENGTH, not sent as JSON: see `project.common.blueprint`);
    * 404 where the path has parameters (an id out of range matches no route);
    * 500 everywhere.
    """

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            responses = operation.setdefault("responses", {})
            statuses = [500]
            if "requestBody" in operation:
                statuses += [400, 413, 415]
            if path and "{" in path:
                statuses.append(404)
            for status in statuses:
                responses.setdefault(str(status), http.HTTPStatus(status).name)


class PostwellApi(Api):
    """`Api` whose error responses are documented and served as problem+json.

    Operations list the statuses they answer with; there is no catch-all
    `default` response, so a status missing from the spec is a spec bug.
    """

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        plugins = [*(extra_plugins or ()), ErrorResponsesPlugin()]
        super()._init_spec(extra_plugins=plugins, **kwargs)

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)


def build_api(app: Flask) -> PostwellApi:
    """One `Api` per app: flask-smorest keeps the app and its spec on itself."""
    api = PostwellApi()
    api.init_app(app)
    app.extensions["postwell_api"] = api
    return api
