"""Password reset and email verification by mail, delivered to a real SMTP server.

Requests are closed after each call (`send`): jobs deferred without Redis run
when the response is closed, as under gunicorn. With REDIS_URL set they are
queued, and `mailbox.wait` runs a burst worker.
"""

from __future__ import annotations

import logging

import pytest
import redis
import sqlalchemy as sa

from project.auth import account
from project.auth.models import PASSWORD_RESET, VERIFY_EMAIL, AccountToken
from project.common.metrics import MAILS_FAILED, MAILS_SENT
from project.common.redis import EXTENSION_KEY, CircuitBreaker, GuardedRedis
from project.users.models import User
from tests.auth.helpers import me, refresh
from tests.fixtures.redis_server import free_port
from tests.kit import (
    LOGIN,
    ME,
    PASSWORD,
    assert_problem,
    assert_unauthorized,
    bearer,
    field_errors,
    user_url,
)

RESET = "/api/v1/auth/password-reset"
CONFIRM = "/api/v1/auth/password-reset/confirm"
VERIFY = "/api/v1/auth/verify-email"
ACCEPTED = {"detail": "If this address belongs to an account, a mail is on its way."}
NEW_PASSWORD = "a brand new password"
INVALID_TOKEN = "This token is invalid, expired or already used."


def send(client, url: str, body: dict, **kwargs):
    response = client.post(url, json=body, **kwargs)
    response.close()  # runs what the request deferred, as a WSGI server does
    return response


def reset_token(client, mailbox, address: str) -> str:
    assert send(client, RESET, {"email": address}).status_code == 202
    return mailbox.token_for(address)


def assert_invalid_token(response) -> None:
    assert_problem(response, 422)
    assert field_errors(response) == {"token": [INVALID_TOKEN]}


def counter(metric, kind: str) -> float:
    return metric.labels(kind=kind)._value.get()


def test_reset_mails_a_token_that_sets_the_password_and_ends_every_session(
    client, session, mailbox, login, alice
):
    tokens = login("alice")
    sent_before = counter(MAILS_SENT, PASSWORD_RESET)

    response = send(client, RESET, {"email": "ALICE@example.com"})

    assert response.status_code == 202
    assert response.json == ACCEPTED
    [message] = mailbox.wait(1)
    assert message["To"] == "alice@example.com"
    assert message["Subject"] == "Reset your Postwell password"
    assert counter(MAILS_SENT, PASSWORD_RESET) == sent_before + 1
    token = mailbox.token_for("alice@example.com")
    assert len(token) >= 43  # 256 bits, base64url
    stored = session.scalars(sa.select(AccountToken).where(AccountToken.user_id == alice.id)).all()
    assert [row.token_hash for row in stored] == [account.token_hash(token)]
    assert token not in {row.token_hash for row in stored}

    confirmed = send(client, CONFIRM, {"token": token, "password": NEW_PASSWORD})

    assert confirmed.status_code == 204
    assert_unauthorized(me(client, tokens["access_token"]))
    assert_unauthorized(refresh(client, tokens["refresh_token"]))
    assert client.post(LOGIN, json={"login": "alice", "password": PASSWORD}).status_code == 401
    assert login("alice", NEW_PASSWORD)["access_token"]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client, session, mailbox, alice, capture_sql
):
    with capture_sql() as unknown_sql:
        unknown = client.post(RESET, json={"email": "nobody@example.com"})
    with capture_sql() as known_sql:
        known = client.post(RESET, json={"email": "alice@example.com"})

    # The request itself does the same work: the lookup happens after it.
    assert unknown_sql == known_sql == []
    assert unknown.status_code == known.status_code == 202
    assert unknown.get_data() == known.get_data()
    unknown.close()
    known.close()
    messages = mailbox.wait(1)
    assert [message["To"] for message in messages] == ["alice@example.com"]
    assert session.scalar(sa.select(sa.func.count()).select_from(AccountToken)) == 1


@pytest.mark.parametrize("case", ["spent", "expired", "unknown", "superseded"])
def test_a_spent_expired_unknown_or_superseded_token_gets_the_same_422(
    client, session, mailbox, alice, auth_clock, case
):
    token = reset_token(client, mailbox, "alice@example.com")
    if case == "spent":
        assert send(client, CONFIRM, {"token": token, "password": NEW_PASSWORD}).status_code == 204
    elif case == "expired":
        auth_clock.advance(30 * 60 + 1)
    elif case == "unknown":
        token = token[::-1]
    else:
        assert send(client, RESET, {"email": "alice@example.com"}).status_code == 202
        mailbox.wait(2)

    response = send(client, CONFIRM, {"token": token, "password": "yet another password"})

    assert_invalid_token(response)
    session.expire_all()
    assert session.get(User, alice.id).password_hash == alice.password_hash or case == "spent"


def test_the_newest_token_works_after_a_second_request(client, mailbox, login, alice):
    reset_token(client, mailbox, "alice@example.com")
    newest = reset_token(client, mailbox, "alice@example.com")

    assert send(client, CONFIRM, {"token": newest, "password": NEW_PASSWORD}).status_code == 204
    assert login("alice", NEW_PASSWORD)


def test_reset_validates_its_input(client, mailbox):
    assert_problem(send(client, RESET, {}), 422)
    response = send(client, CONFIRM, {"token": "x", "password": "short"})
    assert_problem(response, 422)
    assert "password" in field_errors(response)


def test_registration_mails_a_verification_token(client, session, mailbox):
    response = send(
        client,
        "/api/v1/users",
        {"username": "carol", "email": "carol@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201
    assert response.json["email_verified"] is False if "email_verified" in response.json else True
    token = mailbox.token_for("carol@example.com")
    assert mailbox.messages[-1]["Subject"] == "Confirm your Postwell email address"

    verified = send(client, VERIFY, {"token": token})

    assert verified.status_code == 204
    access = client.post(LOGIN, json={"login": "carol", "password": PASSWORD}).json
    assert client.get(ME, headers=bearer(access["access_token"])).json["email_verified"] is True
    assert_invalid_token(send(client, VERIFY, {"token": token}))


def test_changing_the_email_unverifies_it_and_mails_the_new_address(
    client, session, mailbox, auth, alice
):
    alice.email_verified = True
    session.commit()
    old = reset_token(client, mailbox, "alice@example.com")  # any token for the old address

    response = client.patch(
        user_url(alice), json={"email": "alice@example.org"}, headers=auth(alice)
    )
    response.close()

    assert response.status_code == 200
    assert response.json["email_verified"] is False
    token = mailbox.token_for("alice@example.org")
    assert_invalid_token(send(client, VERIFY, {"token": old}))
    assert send(client, VERIFY, {"token": token}).status_code == 204
    assert client.get(ME, headers=auth(alice)).json["email_verified"] is True


def test_a_verification_token_for_a_replaced_address_is_refused(
    client, session, mailbox, auth, alice
):
    response = client.patch(
        user_url(alice), json={"email": "alice@example.org"}, headers=auth(alice)
    )
    response.close()
    first = mailbox.token_for("alice@example.org")
    alice_row = session.get(User, alice.id, populate_existing=True)  # the PATCH bumped its version
    alice_row.email = "alice@example.net"  # changed behind the token's back
    session.commit()

    assert_invalid_token(send(client, VERIFY, {"token": first}))
    assert client.get(ME, headers=auth(alice)).json["email_verified"] is False


def test_unverified_users_may_post_unless_the_switch_is_on(app, client, auth, alice, monkeypatch):
    post = {"title": "Hello", "body": "World"}
    assert client.post("/api/v1/posts", json=post, headers=auth(alice)).status_code == 201

    monkeypatch.setitem(app.config, "REQUIRE_VERIFIED_EMAIL_TO_POST", True)

    refused = client.post("/api/v1/posts", json=post, headers=auth(alice))
    assert_problem(
        refused, 403, "Confirm your email address (see the mail we sent) before posting."
    )


def test_verified_users_may_post_with_the_switch_on(app, client, session, auth, alice, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_VERIFIED_EMAIL_TO_POST", True)
    alice.email_verified = True
    session.commit()

    post = {"title": "Hello", "body": "World"}
    assert client.post("/api/v1/posts", json=post, headers=auth(alice)).status_code == 201


def test_a_refused_mail_is_retried_counted_and_logged(client, mailbox, alice, caplog):
    failed_before = counter(MAILS_FAILED, PASSWORD_RESET)
    mailbox.refuse(1)

    with caplog.at_level(logging.WARNING, logger="project.common.mail"):
        response = send(client, RESET, {"email": "alice@example.com"})
        messages = mailbox.wait(1)

    assert response.status_code == 202
    assert [message["To"] for message in messages] == ["alice@example.com"]
    assert counter(MAILS_FAILED, PASSWORD_RESET) == failed_before + 1
    assert "sending a password_reset mail failed" in caplog.text
    # The delivered token is the live one: the failed attempt's was superseded.
    token = mailbox.token_for("alice@example.com")
    assert send(client, CONFIRM, {"token": token, "password": NEW_PASSWORD}).status_code == 204


def test_an_unreachable_mail_server_never_fails_the_request(
    app, client, mailbox, alice, monkeypatch, caplog
):
    monkeypatch.setattr(app.extensions["mailman"], "port", free_port())  # nobody listens
    failed_before = counter(MAILS_FAILED, PASSWORD_RESET)

    with caplog.at_level(logging.WARNING):
        response = send(client, RESET, {"email": "alice@example.com"})
        mailbox.run_queue()

    assert response.status_code == 202
    assert response.json == ACCEPTED
    # The first attempt and both retries failed, and each was counted.
    assert counter(MAILS_FAILED, PASSWORD_RESET) == failed_before + 3
    assert "sending a password_reset mail failed" in caplog.text


def test_while_redis_is_down_the_mail_is_sent_by_the_web_process(
    app, client, mailbox, alice, monkeypatch
):
    dead = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2, retry=None)
    monkeypatch.setitem(app.extensions, EXTENSION_KEY, GuardedRedis(dead, CircuitBreaker(60)))
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # no worker: it would need Redis
    monkeypatch.setitem(app.config, "SESSION_CACHE_TTL", 0)

    response = send(client, RESET, {"email": "alice@example.com"})

    assert response.status_code == 202
    assert mailbox.token_for("alice@example.com")


def test_flask_worker_needs_redis(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "REDIS_URL is not set" in result.output


def test_verification_mail_is_not_sent_to_a_verified_user(app, session, mailbox, alice):
    alice.email_verified = True
    session.commit()
    with app.app_context():
        account.verification_job(alice.id)
    assert mailbox.wait(1, timeout=0.2) == []
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(AccountToken)
            .where(AccountToken.purpose == VERIFY_EMAIL)
        )
        == 0
    )
