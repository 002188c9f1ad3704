from tests.kit import PASSWORD, bearer


def test_register_login_post_list(client, login):
    response = client.post(
        "/api/v1/users",
        json={"username": "alice", "email": "alice@example.com", "password": PASSWORD},
    )
    assert response.status_code == 201
    token = login("alice")["access_token"]
    response = client.post(
        "/api/v1/posts", json={"title": "Hi", "body": "First"}, headers=bearer(token)
    )
    assert response.status_code == 201
    assert client.get("/api/v1/posts").json["items"][0]["title"] == "Hi"


def test_rows_do_not_leak_between_tests(client, session, user_factory):
    assert client.get("/api/v1/posts").json["items"] == []
    user_factory(username="alice")
    assert client.get("/api/v1/users?q=alice").json["items"][0]["username"] == "alice"
