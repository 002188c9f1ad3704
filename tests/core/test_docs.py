"""The OpenAPI document and the self-hosted Swagger UI."""

from __future__ import annotations

import json
import re

import pytest
from schemathesis.specs.openapi.definitions import OPENAPI_30_VALIDATOR

from project.errors import PROBLEM_JSON

SPEC_PATH = "/api/v1/openapi.json"
IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def spec(client) -> dict:
    response = client.get(SPEC_PATH)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def openapi_path(rule: str) -> str:
    """`/api/v1/users/<int(min=1):user_id>` -> `/api/v1/users/{user_id}`."""
    return re.sub(r"<(?:[^<>]*:)?([^<>:]+)>", r"{\1}", rule)


def api_routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(("/api/", "/health")) or rule.rule == SPEC_PATH:
            continue
        methods = {method.lower() for method in rule.methods - IGNORED_METHODS}
        routes.setdefault(openapi_path(rule.rule), set()).update(methods)
    return routes


def operations(spec: dict):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete"}:
                yield path, method, operation


def resolve(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        *_, section, name = node["$ref"].split("/")
        node = spec["components"][section][name]
    return node


def test_spec_is_valid_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Postwell API"
    assert spec["info"]["version"] == "v1"
    OPENAPI_30_VALIDATOR.validate(spec)


def test_spec_lists_every_route_and_nothing_else(app, spec):
    routes = api_routes(app)
    documented = {
        path: {method for method in item if method in {"get", "put", "post", "patch", "delete"}}
        for path, item in spec["paths"].items()
    }
    assert documented == routes


def test_spec_covers_users_auth_posts_and_health(spec):
    expected = {
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/me", "get"),
        ("/api/v1/users/{user_id}", "get"),
        ("/api/v1/users/{user_id}", "patch"),
        ("/api/v1/users/{user_id}", "delete"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/refresh", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/posts", "get"),
        ("/api/v1/posts", "post"),
        ("/api/v1/posts/{post_id}", "get"),
        ("/api/v1/posts/{post_id}", "patch"),
        ("/api/v1/posts/{post_id}", "delete"),
        ("/api/v1/users/{user_id}/posts", "get"),
        ("/health/live", "get"),
        ("/health/ready", "get"),
    }
    assert expected <= {(path, method) for path, method, _ in operations(spec)}


def test_bearer_security_scheme(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert {key: scheme[key] for key in ("type", "scheme", "bearerFormat")} == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    me = spec["paths"]["/api/v1/users/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}]
    # Optional auth: a token or none.
    assert {"bearerAuth": []} in spec["paths"]["/api/v1/posts"]["get"]["security"]
    assert {} in spec["paths"]["/api/v1/posts"]["get"]["security"]
    # Health probes are public.
    assert "security" not in spec["paths"]["/health/ready"]["get"]


def test_optional_token_operations_are_documented_as_optional(spec):
    """Swagger UI's padlock only says whether the token is sent; the summary and
    description say the operation also works without one."""
    for path, method, operation in operations(spec):
        security = operation.get("security", [])
        optional = {} in security and any(security)
        assert operation["summary"].endswith(" — token optional") == optional, (path, method)
        assert operation.get("description", "").startswith("The token is optional") == optional
    posts = spec["paths"]["/api/v1/posts"]["get"]
    assert posts["summary"].startswith("List published posts")


def test_every_secured_operation_documents_401(spec):
    for path, method, operation in operations(spec):
        if any("bearerAuth" in requirement for requirement in operation.get("security", [])):
            assert "401" in operation["responses"], (path, method)


def is_realworld(path: str) -> bool:
    """The RealWorld plugin's routes answer errors in RealWorld's own body, by its spec
    (tests/realworld/test_openapi_cors.py checks them)."""
    return path.startswith("/api/") and not path.startswith("/api/v1/")


def test_every_error_response_is_problem_json(spec):
    seen = set()
    for path, method, operation in operations(spec):
        assert "default" not in operation["responses"], (path, method)
        if is_realworld(path):
            continue
        for status, response in operation["responses"].items():
            if int(status) < 400:
                continue
            seen.add(status)
            content = resolve(spec, response)["content"]
            assert set(content) == {PROBLEM_JSON}, (path, method, status)
            schema = resolve(spec, content[PROBLEM_JSON]["schema"])
            assert {"type", "title", "status", "detail", "instance"} <= set(schema["properties"])
    assert {"401", "404", "422", "500"} <= seen


def test_framework_errors_are_documented(spec):
    create_user = spec["paths"]["/api/v1/users"]["post"]["responses"]
    assert {"400", "413", "422", "500"} <= set(create_user)
    show_post = spec["paths"]["/api/v1/posts/{post_id}"]["get"]["responses"]
    assert {"404", "500"} <= set(show_post)
    ready = spec["paths"]["/health/ready"]["get"]["responses"]
    assert "503" in ready


def test_docs_page_uses_self_hosted_assets(client):
    response = client.get("/docs")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "/docs/assets/swagger-ui-bundle.js" in html
    assert "/docs/assets/swagger-ui.css" in html
    assert SPEC_PATH in html
    references = re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']([^"']+)""", html)
    assert references
    for url in references:
        assert url.startswith("/docs/assets/"), url
    assert not re.search(r"(?:https?:)?//[\w.-]+\.\w+/", html), "external URL in /docs"


def test_every_asset_the_docs_page_references_is_served(client):
    html = client.get("/docs").get_data(as_text=True)
    for url in re.findall(r"""(?:src|href)\s*=\s*["'](/docs/assets/[^"']+)""", html):
        with client.get(url) as response:
            assert response.status_code == 200, url
            assert response.get_data(), url


@pytest.mark.parametrize(
    ("asset", "mimetype"),
    [("swagger-ui-bundle.js", "javascript"), ("swagger-ui.css", "text/css")],
)
def test_swagger_assets_are_served(client, asset, mimetype):
    with client.get(f"/docs/assets/{asset}") as response:
        assert response.status_code == 200
        assert mimetype in response.mimetype
        assert len(response.get_data()) > 1000
        assert response.cache_control.max_age == 86400


@pytest.mark.parametrize(
    "path", ["/docs/assets/nope.js", "/docs/assets/../__init__.py", "/docs/assets/%2e%2e/setup.py"]
)
def test_missing_or_escaping_asset_is_a_404_problem(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_JSON


def test_cli_writes_the_spec(app, client, tmp_path):
    target = tmp_path / "openapi.json"

    result = app.test_cli_runner().invoke(args=["openapi", "write", "--format=json", str(target)])

    assert result.exit_code == 0, result.output
    spec = client.get(SPEC_PATH).json
    assert json.loads(target.read_text()) == spec
    operations = sum(len(methods) for methods in spec["paths"].values())
    assert result.output == (
        f"Wrote OpenAPI {spec['openapi']} for Postwell API v1: {len(spec['paths'])} paths,"
        f" {operations} operations, to {target}.\n"
    )


def test_cli_still_prints_the_spec(app, client):
    result = app.test_cli_runner().invoke(args=["openapi", "print"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == client.get(SPEC_PATH).json


def test_docs_page_has_a_strict_content_security_policy(client):
    response = client.get("/docs")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in response.headers["Content-Security-Policy"].split(";")
    )
    html = response.get_data(as_text=True)
    # No inline script: Swagger UI is started by a same-origin file.
    assert re.findall(r"<script\b[^>]*>(.*?)</script>", html, re.S) == ["", ""]
    assert "/docs/assets/postwell-swagger-ui.js" in html
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"


def test_swagger_ui_starter_is_served_as_javascript(client):
    with client.get("/docs/assets/postwell-swagger-ui.js") as response:
        assert response.status_code == 200
        assert "javascript" in response.mimetype
        assert b"SwaggerUIBundle" in response.get_data()


def test_only_the_docs_page_gets_the_policy(client):
    assert "Content-Security-Policy" not in client.get("/api/v1/openapi.json").headers
    assert "Content-Security-Policy" not in client.get("/health/live").headers


def request_body_properties(spec):
    """(operation, field path, field schema) of every leaf field of every JSON request
    body; an object field (a RealWorld `{"user": {...}}` envelope) is walked into."""
    schemas = spec["components"]["schemas"]

    def resolve(schema):
        while "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def leaves(schema, prefix):
        for name, prop in resolve(schema).get("properties", {}).items():
            target = resolve(prop)
            if target.get("type") == "object" or "properties" in target:
                yield from leaves(target, f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}", prop

    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            for name, prop in leaves(body, ""):
                yield f"{method.upper()} {path}", name, prop


def test_every_request_body_field_has_a_realistic_example(spec):
    """Swagger UI pre-fills bodies from examples; without one it invents a string
    from the NUL-refusing pattern, which reads as junk."""
    missing = [
        (op, name) for op, name, prop in request_body_properties(spec) if "example" not in prop
    ]
    assert missing == []


def test_authorize_dialog_says_to_paste_the_token_without_bearer(spec):
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["scheme"] == "bearer"
    assert "without the word Bearer" in scheme["description"]


def test_no_component_schema_is_unused(spec):
    text = json.dumps({k: v for k, v in spec.items() if k != "components"})
    text += json.dumps({k: v for k, v in spec["components"].items() if k != "schemas"})
    text += json.dumps(spec["components"]["schemas"])
    unused = [
        name
        for name in spec["components"]["schemas"]
        if f'"#/components/schemas/{name}"' not in text
    ]
    assert unused == []


# --- HTTP caching (project.common.conditional) -------------------------------


def test_every_api_get_documents_etags_and_304(spec):
    gets = [(path, ops["get"]) for path, ops in spec["paths"].items() if "get" in ops]
    api_gets = [(path, op) for path, op in gets if path.startswith("/api/")]
    assert len(api_gets) > 10
    for path, operation in api_gets:
        assert {"ETag", "Cache-Control", "Vary"} <= operation["responses"]["200"]["headers"].keys()
        assert "304" in operation["responses"], path
        names = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        assert ("header", "If-None-Match") in names, path


@pytest.mark.parametrize(
    "path", ["/api/v1/posts/{post_id}", "/api/v1/comments/{comment_id}", "/api/v1/users/{user_id}"]
)
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_conditional_writes_document_if_match_and_412(spec, path, method):
    operation = spec["paths"][path][method]
    assert "412" in operation["responses"]
    names = {(p["in"], p["name"]) for p in operation["parameters"]}
    assert ("header", "If-Match") in names


def test_no_query_filter_is_prefilled_in_swagger_ui(spec):
    """Swagger UI's "Try it out" fills a parameter with its example, so a filter with one
    would turn a plain list into a filtered (often empty) one: examples go in descriptions."""
    prefilled = [
        (path, parameter["name"])
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if method == "get"
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
        and ("example" in parameter or "example" in parameter.get("schema", {}))
    ]
    assert prefilled == []
