"""The flask-smorest `Api`, adapted so the spec tells the truth about errors."""

from __future__ import annotations

import http

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from project.errors import PROBLEM_JSON, ProblemSchema, handle_http_exception


class PostwellApi(Api):
    """`Api` whose error responses are documented and served as problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return handle_http_exception(error)

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, response, lazy=True)


def build_api(app: Flask) -> PostwellApi:
    """One `Api` per app: flask-smorest keeps the app and its spec on itself."""
    api = PostwellApi()
    api.init_app(app)
    app.extensions["postwell_api"] = api
    return api
