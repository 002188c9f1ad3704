"""Bearer tokens on protected endpoints: every way a token can be bad is a 401."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import jwt
import pytest

from tests.auth.helpers import b64url, claims, encode, forget_users, me, refresh, unsigned
from tests.kit import ME, assert_unauthorized, bearer, register


@pytest.fixture
def access(app, login, alice):
    """A real access token for alice and its claims."""
    token = login("alice")["access_token"]
    return token, claims(app, token)


def test_missing_authorization_is_401_with_www_authenticate(client):
    response = client.get(ME, headers={})

    body = assert_unauthorized(
        response, "A bearer token is required (Authorization: Bearer <token>)."
    )
    assert body["title"] == "Unauthorized"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer abc",
        "Bearer a.b.c",
        "Bearer ",
        "Bearer",
        "Basic dXNlcjpwYXNz",
        "Token abc",
        "abc",
        "Bearer a b",
        "Bearer \u00e9\u00e9.\u00e9\u00e9.\u00e9\u00e9",
    ],
)
def test_malformed_authorization_is_401(client, header):
    assert_unauthorized(client.get(ME, headers={"Authorization": header}))


def test_the_real_token_works(client, access):
    """The control for the forgeries below: the untouched token is accepted."""
    token, payload = access

    assert me(client, token).status_code == 200
    assert (
        me(client, encode(payload, client.application.config["JWT_SECRET_KEY"])).status_code == 200
    )


def test_expired_token_is_401(app, client, access):
    _, payload = access
    now = int(time.time())
    expired = {**payload, "iat": now - 120, "nbf": now - 120, "exp": now - 60}
    fresh = {**payload, "iat": now, "nbf": now, "exp": now + 60}

    response = me(client, encode(expired, app.config["JWT_SECRET_KEY"]))

    assert_unauthorized(response, "The bearer token has expired.")
    # Same claims with a future expiry: accepted, so expiry alone was the reason.
    assert me(client, encode(fresh, app.config["JWT_SECRET_KEY"])).status_code == 200


def test_token_not_yet_valid_is_401(app, client, access):
    _, payload = access
    now = int(time.time())
    early = {**payload, "iat": now, "nbf": now + 3600, "exp": now + 7200}

    assert_unauthorized(me(client, encode(early, app.config["JWT_SECRET_KEY"])))


@pytest.mark.committing
def test_tokens_from_an_instance_with_a_negative_lifetime_are_expired(build_app, login):
    """Configuration drives expiry: an access lifetime below zero yields dead tokens."""
    instance = build_app(JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=-1))
    client = instance.test_client()
    username = "exp_" + uuid.uuid4().hex[:12]
    register(client, username)
    try:
        tokens = login(username, via=client)

        assert tokens["expires_in"] == -1
        response = client.get(ME, headers=bearer(tokens["access_token"]))
        assert_unauthorized(response, "The bearer token has expired.")
        # The refresh token has its own (unchanged) lifetime.
        assert refresh(client, tokens["refresh_token"]).status_code == 200
    finally:
        forget_users(instance, username)


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_alg_none_token_is_401(client, access, alg):
    _, payload = access

    assert_unauthorized(me(client, unsigned(payload, alg)))


def test_alg_none_with_the_real_signature_is_401(client, access):
    token, payload = access
    signature = token.rsplit(".", 1)[1]
    forged = f"{b64url({'alg': 'none', 'typ': 'JWT'})}.{b64url(payload)}.{signature}"

    assert_unauthorized(me(client, forged))


def test_token_signed_with_another_key_is_401(client, access):
    _, payload = access

    forged = encode(payload, "an-attacker-key-that-is-long-enough-for-hs256!")

    assert_unauthorized(me(client, forged))


# The test key is long enough for HS256 but not for HS512; PyJWT warns when signing.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_token_with_another_algorithm_is_401(app, client, access):
    """Only HS256 is accepted, even when signed with the right key."""
    _, payload = access

    forged = encode(payload, app.config["JWT_SECRET_KEY"], algorithm="HS512")

    assert_unauthorized(me(client, forged))


def test_tampered_claims_with_the_old_signature_are_401(client, access, user_factory):
    token, payload = access
    other = user_factory(username="mallory")
    header, _, signature = token.split(".")
    tampered = f"{header}.{b64url({**payload, 'sub': str(other.id)})}.{signature}"

    assert_unauthorized(me(client, tampered))


def test_token_without_a_session_is_401(app, client, access):
    """A correctly signed token that no login issued (no `sid`) is refused."""
    _, payload = access
    no_session = {key: value for key, value in payload.items() if key != "sid"}

    assert_unauthorized(me(client, encode(no_session, app.config["JWT_SECRET_KEY"])))


@pytest.mark.parametrize("sub", ["abc", "", "0"])
def test_token_whose_subject_is_no_user_is_401(app, client, access, sub):
    _, payload = access

    forged = encode({**payload, "sub": sub}, app.config["JWT_SECRET_KEY"])

    assert_unauthorized(me(client, forged))


def test_token_for_a_deleted_user_is_401(client, login, alice, admin):
    tokens = login("alice")
    admin_token = login(admin)["access_token"]
    assert (
        client.delete(f"/api/v1/users/{alice.id}", headers=bearer(admin_token)).status_code == 204
    )

    assert_unauthorized(me(client, tokens["access_token"]))
    assert_unauthorized(refresh(client, tokens["refresh_token"]))


def test_every_401_is_a_problem_with_www_authenticate(client, access):
    token, _ = access
    for headers in ({}, {"Authorization": "Bearer x"}, bearer(token + "x")):
        for method, path in (
            ("get", ME),
            ("post", "/api/v1/auth/logout"),
            ("post", "/api/v1/auth/refresh"),
            ("patch", "/api/v1/users/1"),
            ("delete", "/api/v1/users/1"),
        ):
            assert_unauthorized(getattr(client, method)(path, headers=headers))


@pytest.fixture
def signature_checks(monkeypatch):
    """How many times PyJWT has checked a signature since the fixture was set up."""
    checked = []
    verify = jwt.api_jws.PyJWS._verify_signature

    def counting(self, *args, **kwargs):
        checked.append(1)
        return verify(self, *args, **kwargs)

    monkeypatch.setattr(jwt.api_jws.PyJWS, "_verify_signature", counting)
    return checked


def fresh_token(app, payload, lifetime: int = 60) -> str:
    """`payload` re-signed with new times: a token string this app has never seen."""
    now = int(time.time())
    fresh = {**payload, "iat": now, "nbf": now, "exp": now + lifetime, "nonce": uuid.uuid4().hex}
    return encode(fresh, app.config["JWT_SECRET_KEY"])


def test_a_token_is_verified_once_then_remembered(app, client, access, signature_checks):
    """`project.common.jwt_manager`: the second request with a token does not decode it again."""
    token = fresh_token(app, access[1])

    assert me(client, token).status_code == 200
    assert len(signature_checks) == 1
    assert me(client, token).status_code == 200
    assert me(client, token).json["username"] == "alice"
    assert len(signature_checks) == 1


def test_a_remembered_token_is_refused_once_it_expires(app, client, access):
    # Two seconds: `exp` counts whole seconds, so one could leave only a few ms.
    token = fresh_token(app, access[1], lifetime=2)
    assert me(client, token).status_code == 200  # verified and remembered

    time.sleep(max(0.0, claims_expiry(app, token) - time.time()) + 0.1)

    assert_unauthorized(me(client, token), "The bearer token has expired.")


def claims_expiry(app, token: str) -> float:
    return jwt.decode(token, options={"verify_signature": False})["exp"]


def test_a_changed_copy_of_a_remembered_token_is_401(app, client, access):
    token = fresh_token(app, access[1])
    assert me(client, token).status_code == 200
    head, body, signature = token.split(".")
    other = "A" if signature[0] != "A" else "B"

    assert_unauthorized(me(client, f"{head}.{body}.{other}{signature[1:]}"))
    assert_unauthorized(me(client, f"{head}.{b64url({**access[1], 'sub': '0'})}.{signature}"))


def test_an_app_with_another_key_does_not_trust_what_one_verified(make_app, app, client, access):
    token = fresh_token(app, access[1])
    assert me(client, token).status_code == 200

    other = make_app(JWT_SECRET_KEY="another-instance-key-that-is-long-enough-for-hs256")

    assert_unauthorized(me(other.test_client(), token))
