"""The flask-smorest `Api`, adapted so the spec tells the truth about errors.

Only public extension points are used: an apispec plugin (passed as
`extra_plugins`), the `ERROR_SCHEMA` / `DEFAULT_ERROR_RESPONSE_NAME` class
attributes, and `handle_http_exception`, which flask-smorest documents as the
method to override to change error bodies.
"""

from __future__ import annotations

import http
from typing import Any

import click
from apispec import APISpec, BasePlugin
from apispec.ext.marshmallow import resolver
from flask import Flask, current_app, json
from flask.cli import AppGroup
from flask_smorest import Api
from flask_smorest.spec import openapi_cli as smorest_openapi_cli

from project.common.conditional import API_PREFIX, ETAG_HEADERS, IF_MATCH, IF_NONE_MATCH
from project.errors import PROBLEM_JSON, ProblemSchema, handle_http_exception


class ErrorResponsesPlugin(BasePlugin):
    """Document errors as problem+json, and the ones every operation can answer.

    Routes document their own errors (401, 403, 409, ...); flask-smorest adds
    422 where arguments are parsed. These come from the framework, whatever
    the route, so they are added here instead of being repeated on each one:

    * 400, 413 and 415 where a JSON body is read (malformed JSON, over
      MAX_CONTENT_LENGTH, not sent as JSON: see `project.common.blueprint`);
    * 404 where the path has parameters (an id out of range matches no route);
    * 500 and 503 (the database is unreachable or too slow: `Retry-After`) everywhere.

    And HTTP caching (`project.common.conditional`): every API GET documents
    its `ETag`, `Cache-Control` and `Vary` headers, `If-None-Match` and the
    304; every operation that documents a 412 takes `If-Match`.
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
            statuses = [500, 503]
            if "requestBody" in operation:
                statuses += [400, 413, 415]
            if path and "{" in path:
                statuses.append(404)
            for status in statuses:
                responses.setdefault(str(status), http.HTTPStatus(status).name)
        if path and path.startswith(API_PREFIX):
            self.document_conditionals(operations or {})

    @staticmethod
    def document_conditionals(operations: dict) -> None:
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            parameters = operation.setdefault("parameters", [])
            # flask-smorest keys responses by int, apispec by str: read both.
            ok = responses.get(200, responses.get("200"))
            if method == "get" and isinstance(ok, dict):
                ok["headers"] = {**ok.get("headers", {}), **ETAG_HEADERS}
                responses[304] = {
                    "description": "Not Modified: the ETag sent in If-None-Match is current;"
                    " no body.",
                    "headers": ETAG_HEADERS,
                }
                parameters.append(IF_NONE_MATCH)
            if 412 in responses or "412" in responses:
                parameters.append(IF_MATCH)


OPTIONAL_TOKEN_SUMMARY = " — token optional"
OPTIONAL_TOKEN_DESCRIPTION = (
    "The token is optional: without one you get what anyone may see; with one"
    " (Authorize), the answer is for the signed-in user."
)


class OptionalTokenPlugin(BasePlugin):
    """Say on an optional-token operation that the token is optional.

    `auth_required(optional=True)` documents `security: [{bearerAuth: []}, {}]`,
    which clients read as "a token or none". Swagger UI's padlock only says
    whether a token will be sent (`docs_assets/postwell-swagger-ui.js`), so the
    summary and description say which operations work without one.
    """

    def operation_helper(self, path=None, operations=None, **kwargs: Any) -> None:
        for operation in (operations or {}).values():
            requirements = operation.get("security") or []
            if {} not in requirements or not any(requirements):
                continue
            operation["summary"] = operation.get("summary", "") + OPTIONAL_TOKEN_SUMMARY
            description = operation.get("description")
            operation["description"] = OPTIONAL_TOKEN_DESCRIPTION + (
                f"\n\n{description}" if description else ""
            )


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


# flask-smorest's `flask openapi` commands, with a `write` that says what it wrote.
openapi_cli = AppGroup("openapi", help="OpenAPI commands.")
for name in ("print", "list-config-prefixes"):
    openapi_cli.add_command(smorest_openapi_cli.commands[name])


@openapi_cli.command("write")
@click.option("-f", "--format", "output_format", type=click.Choice(["json"]), default="json")
@click.argument("output_file", type=click.Path(dir_okay=False, writable=True))
def write_openapi(output_format: str, output_file: str) -> None:
    """Write the OpenAPI document to a file."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    spec = api.spec.to_dict()
    with open(output_file, "w", encoding="utf-8") as target:
        target.write(json.dumps(spec, indent=2) + "\n")
    operations = sum(len(methods) for methods in spec["paths"].values())
    click.echo(
        f"Wrote OpenAPI {spec['openapi']} for {spec['info']['title']} {spec['info']['version']}:"
        f" {len(spec['paths'])} paths, {operations} operations, to {output_file}."
    )


def build_api(app: Flask) -> PostwellApi:
    """One `Api` per app: flask-smorest keeps the app and its spec on itself."""
    api = PostwellApi(
        spec_kwargs={"extra_plugins": [ErrorResponsesPlugin(), OptionalTokenPlugin()]}
    )
    api.init_app(app)
    # flask-smorest documents its page-number pagination header (and schema) up
    # front; Postwell's pages are keyset pages, so nothing refers to them.
    api.spec.components.headers_lazy.pop("PAGINATION", None)
    api.spec.components.schemas.pop("PaginationMetadata", None)
    app.cli.add_command(openapi_cli)  # replaces flask-smorest's group of that name
    return api
