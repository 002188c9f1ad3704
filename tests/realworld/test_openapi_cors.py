"""The /api routes in the OpenAPI document, and CORS for a front end on another origin."""

from __future__ import annotations

import pytest

from tests.realworld.helpers import ARTICLES

SPEC_PATH = "/api/v1/openapi.json"
ROUTES = {
    ("/api/users", "post"),
    ("/api/users/login", "post"),
    ("/api/user", "get"),
    ("/api/user", "put"),
    ("/api/profiles/{username}", "get"),
    ("/api/profiles/{username}/follow", "post"),
    ("/api/profiles/{username}/follow", "delete"),
    ("/api/articles", "get"),
    ("/api/articles", "post"),
    ("/api/articles/feed", "get"),
    ("/api/articles/{slug}", "get"),
    ("/api/articles/{slug}", "put"),
    ("/api/articles/{slug}", "delete"),
    ("/api/articles/{slug}/favorite", "post"),
    ("/api/articles/{slug}/favorite", "delete"),
    ("/api/articles/{slug}/comments", "get"),
    ("/api/articles/{slug}/comments", "post"),
    ("/api/articles/{slug}/comments/{comment_id}", "delete"),
    ("/api/tags", "get"),
}


@pytest.fixture
def spec(client) -> dict:
    return client.get(SPEC_PATH).json


def realworld_operations(spec):
    for path, item in spec["paths"].items():
        if path.startswith("/api/") and not path.startswith("/api/v1/"):
            for method, operation in item.items():
                if method != "parameters":
                    yield path, method, operation


def test_every_route_is_documented_under_its_own_tag(spec):
    operations = list(realworld_operations(spec))
    assert {(path, method) for path, method, _ in operations} == ROUTES
    assert all(operation["tags"] == ["RealWorld"] for _, _, operation in operations)
    assert "RealWorld" in {tag["name"] for tag in spec["tags"]}


def test_errors_are_documented_as_realworld_bodies(spec):
    errors_ref = "#/components/schemas/ConduitErrors"
    assert spec["components"]["schemas"]["ConduitErrors"]["required"] == ["errors"]
    for path, method, operation in realworld_operations(spec):
        statuses = {int(status) for status in operation["responses"]}
        assert {500, 503} <= statuses, (path, method)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {
                    "application/json": {"schema": {"$ref": errors_ref}}
                }, (path, method, status)


def test_token_scheme_is_documented(spec):
    scheme = spec["components"]["securitySchemes"]["realWorldToken"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    assert spec["paths"]["/api/user"]["get"]["security"] == [
        {"realWorldToken": []},
        {"bearerAuth": []},
    ]
    assert {} in spec["paths"]["/api/articles"]["get"]["security"]
    assert "401" in spec["paths"]["/api/user"]["get"]["responses"]


def test_a_front_end_on_another_origin_may_call_the_api(build_app):
    front_end = "http://localhost:4200"
    client = build_app(CORS_ORIGINS=[front_end]).test_client()

    preflight = client.options(
        ARTICLES,
        headers={
            "Origin": front_end,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type",
        },
    )

    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == front_end
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    listed = client.get("/api/tags", headers={"Origin": front_end})
    assert listed.headers["Access-Control-Allow-Origin"] == front_end
