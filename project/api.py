"""The flask-smorest `Api`, adapted so the spec tells the truth about errors.

Only public extension points are used: an apispec plugin (passed as
`extra_plugins`), the `ERROR_SCHEMA` / `DEFAULT_ERROR_RESPONSE_NAME` class
attributes, and `handle_http_exception`, which flask-smorest documents as the
method to override to change error bodies.
"""

from __future__ import annotations

import http
from typing import Any

from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import resolver
from flask import Flask
from flask_smorest import Api

from project.errors import PROBLEM_JSON, ProblemSchema, handle_http_exception


class ErrorResponsesPlugin(BasePlugin):
    """Document errors as problem+json, and the ones every operation can answer.

    Routes document their own errors (401, 403, 409, ...); flask-smorest adds
    422 where arguments are parsed. These come from the framework, whatever
    the route, so they are added here instead of being repeated on each one:

    * 400, 413 and 415 where a JSON body is read (malformed JSON, over
      MAX_CONTENT_LENGTH, not sent as JSON: see `project.common.blueprint`);
    * 404 where the path has parameters (an id out of range matches no route);
    * 500 everywhere.
    """

    def init_spec(self, spec: APISpec) -> None:
        super().init_spec(spec)
        # The marshmallow plugin (which runs first) has turned schemas into refs.
        self.problem_ref = spec.components.get_ref("schema", resolver(ProblemSchema))

    def response_helper(self, response: dict, **kwargs: Any) -> dict:
        """flask-smorest registers the status responses with ERROR_SCHEMA as JSON:
        serve that schema as problem+json."""
        content = response.get("content") or {}
        json_body = content.get("application/json")
        if json_body is not None and json_body.get("schema") == self.problem_ref:
            response["content"] = {PROBLEM_JSON: json_body}
        return response

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

    def handle_http_exception(self, error):
        """flask-smorest installs this as the app's one HTTPException handler."""
        return handle_http_exception(error)


def build_api(app: Flask) -> PostwellApi:
    """One `Api` per app: flask-smorest keeps the app and its spec on itself."""
    api = PostwellApi(spec_kwargs={"extra_plugins": [ErrorResponsesPlugin()]})
    api.init_app(app)
    return api
