"""API contract tests: schemathesis against the WSGI app, in-process.

Every operation in /api/v1/openapi.json is exercised by property-based tests
generated from the spec itself, as three identities (anonymous, a user who
registered through the API, an admin made by `flask users create-admin`),
with every schemathesis check enabled (its default: all of them) and both
generation modes, positive and negative (schema-violating):

* `test_api_contract`: per operation, the examples, coverage and fuzzing
  phases. Coverage sends boundary and invalid values (NUL, huge integers,
  wrong JSON types, oversized strings, unknown properties, malformed or
  unsupported Content-Type, missing Authorization, undocumented methods).
* `test_api_workflows`: stateful scenarios chaining operations through the
  links schemathesis infers (POST -> Location -> GET/PATCH/DELETE), which is
  where `use_after_free` and `ensure_resource_availability` apply.
* `test_edge_input_is_rejected`: the worst cases the issue names, each
  asserted to be the documented 4xx, in problem+json, conforming to the spec.

Generation is derandomized (a fixed sequence per operation), so CI runs are
reproducible; rate limits stay disabled by the testing config. For a deeper
local run raise the budget: CONTRACT_EXAMPLES=500 CONTRACT_SCENARIOS=300.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from schemathesis import GenerationMode
from schemathesis.config import HealthCheck
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.stateful import run_state_machine_as_test

from project.auth import account
from project.auth.models import PASSWORD_RESET, VERIFY_EMAIL
from project.common.fields import MAX_ID
from project.common.models import utcnow
from project.common.pagination import cursor
from project.errors import PROBLEM_JSON
from project.extensions import db
from project.users.models import User
from tests.kit import LOGIN, ME, PASSWORD, bearer

SPEC_PATH = "/api/v1/openapi.json"
FOLLOW_PATH = "/api/v1/users/{user_id}/follow"
REALWORLD_FOLLOW_PATH = "/api/profiles/{username}/follow"
# Fuzzing-phase examples per operation and identity; the examples and
# coverage phases add their own (bounded) cases on top.
# Sized so that .ci/run stays under 20 minutes on a 2-core machine.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", 10))
WORKFLOW_SCENARIOS = int(os.environ.get("CONTRACT_SCENARIOS", 10))
WORKFLOW_STEPS = 6
IDENTITIES = ("anonymous", "user", "admin")

# Unique usernames across identities, re-registrations and tests.
usernames = (f"contract_{number}" for number in itertools.count())

schema = schemathesis.pytest.from_fixture("contract_schema")


class Identity:
    """Who sends the generated requests: nobody, a user, or an admin.

    Users register through the API, admins through `flask users create-admin`.
    A case may log its session out, delete the account, or (as an admin)
    drop its own admin rights; `tokens()` logs in afresh for every case and
    repairs the identity, so every example starts with credentials that work
    (a stale token would only ever test 401).
    """

    def __init__(self, app: Flask, client: FlaskClient, mode: str) -> None:
        self.app = app
        self.client = client
        self.mode = mode
        self.username: str | None = None
        self.user_id: int | None = None
        self.post_id: int | None = None
        self.someone_else: int | None = None  # another user's id, to follow
        self.someone_else_name: str | None = None  # and their username
        if mode != "anonymous":
            self.register()

    def register(self) -> None:
        self.username = next(usernames)
        email = f"{self.username}@example.com"
        if self.mode == "admin":
            result = self.app.test_cli_runner().invoke(
                args=["users", "create-admin", "--username", self.username, "--email", email]
                + ["--password", PASSWORD]
            )
            assert result.exit_code == 0, result.output
        else:
            response = self.client.post(
                "/api/v1/users",
                json={"username": self.username, "email": email, "password": PASSWORD},
            )
            assert response.status_code == 201, response.json
        # One published post and one draft, so reads and lists have content.
        headers = bearer(self.login()["access_token"])
        posts = {}
        for status in ("published", "draft"):
            response = self.client.post(
                "/api/v1/posts",
                json={"title": f"{status} post", "body": "Body.", "status": status},
                headers=headers,
            )
            assert response.status_code == 201, response.json
            posts[status] = response.json
        self.post_id = posts["published"]["id"]
        self.user_id = posts["published"]["author"]["id"]

    def login(self) -> dict[str, Any] | None:
        response = self.client.post(LOGIN, json={"login": self.username, "password": PASSWORD})
        return response.json if response.status_code == 200 else None

    def tokens(self) -> dict[str, Any]:
        tokens = self.login()
        if tokens is None:  # deleted, or its password changed
            self.register()
            tokens = self.login()
        elif self.mode == "admin" and not self.is_admin(tokens):
            # It revoked its own rights: restore them on the same account, so
            # it still owns what it created earlier in the scenario.
            with self.app.app_context():
                db.session.execute(
                    sa.update(User).where(User.username == self.username).values(is_admin=True)
                )
                db.session.commit()
        assert tokens is not None
        return tokens

    def is_admin(self, tokens: dict[str, Any]) -> bool:
        return self.client.get(ME, headers=bearer(tokens["access_token"])).json["is_admin"]

    def complete(self, case: schemathesis.Case) -> None:
        """Give positive cases the opaque values only the server can issue.

        A cursor or refresh token is a string to the spec; which strings are
        valid cannot be expressed in it, so a generated one is (rightly) a 422
        and positive_data_acceptance would report it. Negative cases keep
        whatever was generated. Nor can the spec say that nobody may follow
        themself: a follow of the identity itself goes to someone else. An
        ETag is as opaque: a generated If-Match names no version the resource
        has (rightly a 412), so positive cases send none.
        """
        if is_positive(case, ParameterLocation.QUERY) and "cursor" in (case.query or {}):
            case.query["cursor"] = valid_cursor(case)
        if is_positive(case, ParameterLocation.HEADER) and "If-Match" in (case.headers or {}):
            del case.headers["If-Match"]
        if (
            case.operation.path == FOLLOW_PATH
            and self.user_id is not None
            and (case.path_parameters or {}).get("user_id") == self.user_id
        ):
            # Following yourself is (rightly) a 422 the spec cannot express;
            # test_edge_input_is_rejected covers it. Follow someone else.
            case.path_parameters["user_id"] = self.someone_else
        if (
            case.operation.path == REALWORLD_FOLLOW_PATH
            and self.username is not None
            and (case.path_parameters or {}).get("username", "").lower() == self.username
        ):
            # The same rule through the RealWorld API (/api, project.realworld).
            case.path_parameters["username"] = self.someone_else_name
        if (
            self.mode != "anonymous"
            and is_positive(case, ParameterLocation.BODY)
            and isinstance(case.body, dict)
            and "refresh_token" in case.body
        ):
            case.body["refresh_token"] = self.tokens()["refresh_token"]
        purpose = MAIL_TOKEN_PURPOSES.get(case.operation.path)
        if (
            purpose is not None
            and is_positive(case, ParameterLocation.BODY)
            and isinstance(case.body, dict)
            and "token" in case.body
        ):
            case.body["token"] = self.mail_token(purpose)

    def mail_token(self, purpose: str) -> str:
        """A live token of `purpose` for this identity's user, as the mail would carry."""
        self.tokens()  # the user exists (registered again if a reset changed its password)
        with self.app.app_context():
            user = db.session.scalar(sa.select(User).where(User.username == self.username))
            return account.new_token(user, purpose)


# Routes whose `token` is one mailed by the server (positive cases get a live one).
MAIL_TOKEN_PURPOSES = {
    "/api/v1/auth/password-reset/confirm": PASSWORD_RESET,
    "/api/v1/auth/verify-email": VERIFY_EMAIL,
}
# Collections whose keyset is (a count, id) rather than (created_at, id).
COUNT_KEYSETS = {("/api/v1/tags", None), ("/api/v1/users", "-post_count")}
# Collections whose keyset ends in a string id (a UUID) rather than an integer.
UUID_KEYSETS = {"/api/v1/auth/sessions"}


def valid_cursor(case: schemathesis.Case) -> str:
    """A cursor of the keyset this request pages on (its path, and `sort`)."""
    if (case.operation.path, case.query.get("sort")) in COUNT_KEYSETS:
        return cursor.encode([0, MAX_ID])
    if case.operation.path in UUID_KEYSETS:
        return cursor.encode([utcnow().isoformat(), "ffffffff-ffff-ffff-ffff-ffffffffffff"])
    return cursor.encode([utcnow().isoformat(), MAX_ID])


def is_positive(case: schemathesis.Case, location: ParameterLocation) -> bool:
    """Generated as valid data, or taken from the spec's own examples (which
    carry no generation mode: an example is meant to be valid)."""
    component = case.meta.components.get(location) if case.meta else None
    return component is None or component.mode is GenerationMode.POSITIVE


def bearer_auth(identity: Identity) -> type:
    """A schemathesis auth provider logging `identity` in for every case.

    Set through schemathesis (not as an extra header) so its checks know the
    credentials are real: `ignored_auth` replays the request without and with
    a broken token, and cases meant to lack Authorization stay without it.
    """

    class BearerAuth:
        def get(self, case: schemathesis.Case, context: schemathesis.AuthContext) -> dict:
            return identity.tokens()

        def set(
            self, case: schemathesis.Case, data: dict, context: schemathesis.AuthContext
        ) -> None:
            # /auth/refresh is the one operation whose bearer is the refresh token.
            kind = (
                "refresh_token" if case.operation.path == "/api/v1/auth/refresh" else "access_token"
            )
            case.headers = {**(case.headers or {}), **bearer(data[kind])}

    return BearerAuth


@pytest.fixture(params=IDENTITIES)
def contract_identity(request: pytest.FixtureRequest, app: Flask, client: FlaskClient) -> Identity:
    # Someone else's content too: other people's posts, users and drafts.
    other = Identity(app, client, "user")
    identity = Identity(app, client, request.param)
    identity.someone_else = other.user_id
    identity.someone_else_name = other.username
    return identity


@pytest.fixture
def contract_schema(app: Flask, contract_identity: Identity) -> schemathesis.BaseSchema:
    loaded = schemathesis.openapi.from_wsgi(SPEC_PATH, app)
    # All generation modes (positive and negative) and all checks are the
    # schemathesis defaults; only the budget and reproducibility are set here.
    loaded.config.generation.update(max_examples=MAX_EXAMPLES, deterministic=True, database="none")
    # Large or pattern-constrained bodies are slow to generate and filter a
    # lot of draws; that is the point of fuzzing them, not a test smell.
    loaded.config.update(suppress_health_check=[HealthCheck.all])
    # Test data is not secret; failure reports show real headers and values.
    loaded.config.output.sanitization.update(enabled=False)
    if contract_identity.mode != "anonymous":
        loaded.auth(refresh_interval=None)(bearer_auth(contract_identity))
    return loaded


@schema.parametrize()
def test_api_contract(case: schemathesis.Case, contract_identity: Identity) -> None:
    contract_identity.complete(case)
    case.call_and_validate()


def test_api_workflows(contract_schema, contract_identity: Identity, db_transaction) -> None:
    """Stateful runs; each scenario is rolled back so a replay sees the same data."""
    if contract_identity.mode != "anonymous":
        # Deleting the acting account deletes the posts it created earlier in
        # the scenario (ON DELETE CASCADE, as documented), which
        # ensure_resource_availability can only read as "created resource not
        # found". Account deletion keeps its coverage in test_api_contract
        # (every identity) and in the anonymous scenarios here.
        contract_schema = contract_schema.exclude(method="DELETE", path="/api/v1/users/{user_id}")

    # schemathesis reads `/posts/{id}/like` and `/posts/{id}/likes` as one resource
    # (its singular/plural heuristic), so unliking looked like deleting the list of
    # likers, which rightly still answers 200. Unliking keeps its coverage in
    # test_api_contract; the likes list, PUT .../like and the rest stay here.
    contract_schema = contract_schema.exclude(method="DELETE", path="/api/v1/posts/{post_id}/like")

    class Workflow(contract_schema.as_state_machine()):
        def setup(self) -> None:
            self.savepoint = db_transaction.begin_nested()

        def teardown(self) -> None:
            self.savepoint.rollback()

        def before_call(self, case: schemathesis.Case) -> None:
            contract_identity.complete(case)

    run_state_machine_as_test(
        Workflow,
        settings=hypothesis.settings(
            max_examples=WORKFLOW_SCENARIOS,
            stateful_step_count=WORKFLOW_STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            # As above: slow, filtered draws are expected when fuzzing bodies.
            suppress_health_check=list(hypothesis.HealthCheck),
        ),
    )


@dataclass(frozen=True)
class Edge:
    """One hand-picked bad request, and the status the spec promises for it.

    `path` names the operation; the request goes to `url` if given, else to
    `path` with {user_id} and {post_id} set to the sender's own.
    """

    path: str
    method: str
    status: int
    url: str | None = None
    json: Any = None
    data: bytes | None = None
    content_type: str = "application/json"


HUGE = 10**30
EDGES = {
    "nul-in-json": Edge("/api/v1/posts", "POST", 422, json={"title": "a\x00b", "body": "Body."}),
    "nul-in-query": Edge("/api/v1/users", "GET", 422, url="/api/v1/users?q=a%00b"),
    "nul-in-login": Edge(
        "/api/v1/auth/login", "POST", 422, json={"login": "a\x00", "password": "x"}
    ),
    "huge-integer-in-path": Edge(
        "/api/v1/users/{user_id}", "GET", 404, url=f"/api/v1/users/{HUGE}"
    ),
    "id-past-int32-in-path": Edge(
        "/api/v1/posts/{post_id}", "PATCH", 404, url=f"/api/v1/posts/{MAX_ID + 1}", json={}
    ),
    "zero-id-in-path": Edge(
        "/api/v1/users/{user_id}/posts", "GET", 404, url="/api/v1/users/0/posts"
    ),
    "huge-integer-in-query": Edge("/api/v1/posts", "GET", 422, url=f"/api/v1/posts?limit={HUGE}"),
    "wrong-json-types": Edge(
        "/api/v1/posts", "POST", 422, json={"title": 1, "body": ["x"], "status": True}
    ),
    "integer-for-boolean": Edge("/api/v1/users/{user_id}", "PATCH", 422, json={"is_admin": 1}),
    "string-for-boolean": Edge("/api/v1/users/{user_id}", "PATCH", 422, json={"is_admin": "no"}),
    "json-array-body": Edge("/api/v1/users", "POST", 422, json=["not", "an", "object"]),
    "oversized-value": Edge(
        "/api/v1/posts", "POST", 422, json={"title": "x" * 201, "body": "Body."}
    ),
    "unknown-property": Edge(
        "/api/v1/posts", "POST", 422, json={"title": "t", "body": "b", "author_id": 1}
    ),
    "lone-surrogate": Edge(
        "/api/v1/posts", "POST", 422, data=b'{"title": "\\ud800", "body": "Body."}'
    ),
    "malformed-json": Edge("/api/v1/auth/login", "POST", 400, data=b'{"login": '),
    "body-over-max-content-length": Edge(
        "/api/v1/posts", "POST", 413, json={"title": "t", "body": "x" * (1024 * 1024)}
    ),
    "form-encoded-body": Edge(
        "/api/v1/users/{user_id}",
        "PATCH",
        415,
        data=b"bio=x",
        content_type="application/x-www-form-urlencoded",
    ),
    "text-body": Edge(
        "/api/v1/posts", "POST", 415, data=b'{"title": "t", "body": "b"}', content_type="text/plain"
    ),
    "missing-body": Edge("/api/v1/posts/{post_id}", "PATCH", 422),
    "empty-cursor": Edge("/api/v1/posts", "GET", 422, url="/api/v1/posts?cursor="),
    "forged-cursor": Edge("/api/v1/posts", "GET", 422, url="/api/v1/posts?cursor=bm9wZQ"),
    "follow-yourself": Edge("/api/v1/users/{user_id}/follow", "PUT", 422),
    "avatar-not-http": Edge(
        "/api/v1/users/{user_id}", "PATCH", 422, json={"avatar_url": "javascript:alert(1)"}
    ),
}


@pytest.mark.parametrize("edge", EDGES.values(), ids=EDGES.keys())
def test_edge_input_is_rejected(app: Flask, client: FlaskClient, edge: Edge) -> None:
    operation = schemathesis.openapi.from_wsgi(SPEC_PATH, app)[edge.path][edge.method]
    user = Identity(app, client, "user")
    headers = bearer(user.tokens()["access_token"])
    kwargs: dict[str, Any] = {}
    if edge.json is not None:
        kwargs["json"] = edge.json
    elif edge.data is not None:
        kwargs.update(data=edge.data, content_type=edge.content_type)
    url = (edge.url or edge.path).format(user_id=user.user_id, post_id=user.post_id)
    response = client.open(url, method=edge.method, headers=headers, **kwargs)

    assert response.status_code == edge.status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM_JSON
    # Not-a-server-error, documented status, content type, headers, body schema.
    operation.Case(headers=headers).validate_response(response)


def test_undocumented_method_is_405_with_allow(client: FlaskClient) -> None:
    response = client.put("/api/v1/posts", json={})

    assert response.status_code == 405
    assert response.mimetype == PROBLEM_JSON
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
