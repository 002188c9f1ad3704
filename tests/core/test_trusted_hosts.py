"""TRUSTED_HOSTS: absolute URLs never name a host the client made up.

Flask reads `TRUSTED_HOSTS` per request, so these tests set it on the test app.
"""

from __future__ import annotations

import pytest

from project.common.hosts import UNTRUSTED_HOST
from project.config import ProductionConfig
from tests.kit import PASSWORD, assert_problem, next_link, user_count

USERS = "/api/v1/users"


@pytest.fixture
def trusted(app, monkeypatch):
    monkeypatch.setitem(app.config, "TRUSTED_HOSTS", ["api.example.com", ".example.org"])


@pytest.mark.parametrize(
    "host", ["evil.example", "api.example.com.evil.example", "example.org.evil", "127.0.0.1"]
)
def test_untrusted_host_is_a_400_problem(client, trusted, host):
    response = client.get(f"{USERS}?limit=1", headers={"Host": host})

    assert_problem(response, 400, UNTRUSTED_HOST)
    assert "Link" not in response.headers


def test_untrusted_host_is_refused_before_any_write(client, trusted, session):
    body = {"username": "hosted", "email": "hosted@example.com", "password": PASSWORD}

    response = client.post(USERS, json=body, headers={"Host": "evil.example"})

    assert_problem(response, 400, UNTRUSTED_HOST)
    assert user_count(session) == 0


@pytest.mark.parametrize("host", ["api.example.com", "api.example.com:8443", "eu.example.org"])
def test_link_uses_the_trusted_host(client, trusted, user_factory, host):
    user_factory.create_batch(2)

    response = client.get(
        f"{USERS}?limit=1", headers={"Host": host, "X-Forwarded-Host": "evil.example"}
    )

    assert response.status_code == 200
    assert next_link(response).startswith(f"http://{host}{USERS}?")


def test_location_names_no_client_supplied_host(client, trusted):
    body = {"username": "located", "email": "located@example.com", "password": PASSWORD}

    response = client.post(
        USERS, json=body, headers={"Host": "api.example.com", "X-Forwarded-Host": "evil.example"}
    )

    assert response.status_code == 201
    location = response.headers["Location"]
    assert location == f"{USERS}/{response.json['id']}"  # relative: no host to forge


def test_without_trusted_hosts_any_host_is_served(client, app):
    assert app.config["TRUSTED_HOSTS"] is None
    assert client.get(USERS, headers={"Host": "anything.example"}).status_code == 200


def test_trusted_hosts_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRUSTED_HOSTS", " api.example.com, .example.org ,")
    assert ProductionConfig().TRUSTED_HOSTS == ["api.example.com", ".example.org"]
    monkeypatch.setenv("TRUSTED_HOSTS", "")
    assert ProductionConfig().TRUSTED_HOSTS is None
